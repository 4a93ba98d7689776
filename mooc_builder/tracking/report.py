"""Coverage against the training target: pure computation from the store to a
:class:`CoverageReport` (exports turn it into text, JSON, CSV, XLSX and HTML).

Statuses are disjoint, one per person, as of the end of the as-of day:

``trained``
    every lesson of the course completed (a completion of the course itself, such as cmi5's
    *satisfied* on the course, completes every lesson), or — when targets.yaml says
    ``in_person_counts: true`` — attended in-person training;
``in_progress``
    not trained, with some activity in the course (any statement about a lesson or the course,
    an LMS row other than *not attempted*);
``enrolled``
    enrolled (an enrolment row, or an LMS report listing them) without activity yet;
``not_enrolled``
    nothing.

The figures ``enrolled`` count everyone enrolled, *including* those in progress and trained
(``population >= enrolled >= in_progress + trained``); ``in_progress`` and ``trained`` are the
disjoint statuses. ``coverage = trained / population`` (null for an empty group) and
``needed = max(0, ceil(target × population) − trained)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any, NamedTuple, cast

import sqlalchemy as sa

from mooc_builder.course.model import Text, pick
from mooc_builder.errors import MoocError
from mooc_builder.text import nfc
from mooc_builder.tracking.clock import end_of_day, month_of, today
from mooc_builder.tracking.ingest.base import REF_IRI, REF_LESSON, REF_TITLE
from mooc_builder.tracking.store import (
    ACTIVITY,
    ATTENDANCE,
    COMPLETION,
    NO_ACTIVITY,
    TrackingStore,
    activity_sets,
)
from mooc_builder.tracking.targets import Targets, TrackedCourse

TRAINED = "trained"
IN_PROGRESS = "in_progress"
ENROLLED = "enrolled"
NOT_ENROLLED = "not_enrolled"
STATUSES = (NOT_ENROLLED, ENROLLED, IN_PROGRESS, TRAINED)

# Roles of an activity set with respect to the report's course (lesson indexes are >= 0).
WHOLE_COURSE = -1
"""The course itself: its completion completes every lesson."""
IN_COURSE = -2
"""Something inside the course that is not a lesson: activity only."""
PROGRAMME = -3
"""Facts about the programme (enrolment, attendance)."""


@dataclass(frozen=True)
class Figures:
    """Counts for a population."""

    population: int
    enrolled: int
    in_progress: int
    trained: int

    @property
    def coverage(self) -> float | None:
        """trained / population (None when the population is empty)."""
        return self.trained / self.population if self.population else None

    @property
    def not_enrolled(self) -> int:
        """People with nothing recorded."""
        return self.population - self.enrolled


@dataclass(frozen=True)
class GroupFigures(Figures):
    """A target group's figures against its target."""

    group: str = ""
    name: Text = field(default_factory=dict)
    target: float = 1.0
    required: int = 0
    """ceil(target × population)."""

    @property
    def needed(self) -> int:
        """How many more must be trained to meet the target."""
        return max(0, self.required - self.trained)

    @property
    def met(self) -> bool:
        """True when the target is reached."""
        return self.needed == 0


@dataclass(frozen=True)
class AreaFigures:
    """Population and trained people of a province or an organisation."""

    name: str
    population: int
    trained: int

    @property
    def coverage(self) -> float | None:
        """trained / population."""
        return self.trained / self.population if self.population else None


@dataclass(frozen=True)
class MonthFigures:
    """People who became trained in a month, and the running total."""

    month: str
    trained: int
    cumulative: int


class PersonStatus(NamedTuple):
    """One person's standing as of the report date (times in epoch seconds)."""

    person_id: str
    full_name: str
    email: str
    group: str
    organization: str
    province: str
    status: str
    enrolled_at: int | None
    first_activity_at: int | None
    trained_at: int | None
    lessons_completed: int
    attended_at: int | None


@dataclass(frozen=True)
class CoverageReport:
    """Everything a trainer hands in, computed once."""

    programme: Text
    course_id: str
    lessons: tuple[tuple[str, Text], ...]
    as_of: date
    deadline: date
    language: str
    timezone: tzinfo
    in_person_counts: bool
    overall: Figures
    groups: tuple[GroupFigures, ...]
    provinces: tuple[AreaFigures, ...]
    organizations: tuple[AreaFigures, ...]
    monthly: tuple[MonthFigures, ...]
    people: tuple[PersonStatus, ...]
    notes: tuple[str, ...] = ()
    """Things the trainer should look at (activities that match no lesson, unknown groups)."""

    def title(self, language: str | None = None) -> str:
        """The programme's name in the report language."""
        return pick(self.programme, language or self.language, self.course_id)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: the field names of the tracking issue, dates as YYYY-MM-DD."""
        return {
            "as_of": self.as_of.isoformat(),
            "deadline": self.deadline.isoformat(),
            "overall": {
                "population": self.overall.population,
                "enrolled": self.overall.enrolled,
                "in_progress": self.overall.in_progress,
                "trained": self.overall.trained,
                "coverage": self.overall.coverage,
            },
            "groups": [
                {
                    "group": g.group,
                    "population": g.population,
                    "enrolled": g.enrolled,
                    "in_progress": g.in_progress,
                    "trained": g.trained,
                    "coverage": g.coverage,
                    "target": g.target,
                    "needed": g.needed,
                    "met": g.met,
                }
                for g in self.groups
            ],
            "provinces": [
                {
                    "province": p.name,
                    "population": p.population,
                    "trained": p.trained,
                    "coverage": p.coverage,
                }
                for p in self.provinces
            ],
            "organizations": [
                {
                    "organization": o.name,
                    "population": o.population,
                    "trained": o.trained,
                    "coverage": o.coverage,
                }
                for o in self.organizations
            ],
        }


def build_report(
    store: TrackingStore,
    targets: Targets,
    *,
    as_of: date | None = None,
    language: str | None = None,
) -> CoverageReport:
    """Compute coverage as of the end of ``as_of`` (default: today) in the store's time zone."""
    tz = store.timezone
    day = as_of or today(tz)
    cutoff = end_of_day(day, tz)
    with store.reading() as conn:
        roster = _fetch_all(
            conn,
            "SELECT person_id, full_name, email, group_id, organization, province "
            "FROM people ORDER BY person_id",
        )
        sets = conn.execute(
            sa.select(
                activity_sets.c.id,
                activity_sets.c.ref_type,
                activity_sets.c.object,
                activity_sets.c.context,
            )
        ).all()
        matcher = LessonMatcher(targets.course)
        roles: dict[int, int] = {NO_ACTIVITY: PROGRAMME}
        unmatched_names: list[str] = []
        for aset_id, ref_type, obj, context in sets:
            role = matcher.role(str(ref_type), str(obj), tuple(context))
            if role is not None:
                roles[int(aset_id)] = role
            elif ref_type in (REF_LESSON, REF_TITLE):
                unmatched_names.append(str(obj))
        facts = _person_facts(conn, store, roles, len(targets.course.lessons), cutoff)
    if not roster:
        raise MoocError(
            f"the store {store.display_url} has no roster",
            hint="import the population first: mooc track roster import ROSTER.csv "
            "--targets targets.yaml",
        )
    return _assemble(targets, day, tz, roster, facts, unmatched_names, language)


class LessonMatcher:
    """Decides what an activity set of the logs is for the report's course."""

    def __init__(self, course: TrackedCourse) -> None:
        self.course = course
        self.by_iri = {lesson.activity_id: i for i, lesson in enumerate(course.lessons)}
        self.by_id = {lesson.id: i for i, lesson in enumerate(course.lessons)}
        self.by_title: dict[str, int] = {}
        for i, lesson in enumerate(course.lessons):
            self.by_title.setdefault(_fold(lesson.id), i)
            for title in lesson.title.values():
                self.by_title.setdefault(_fold(title), i)
        self._id_patterns = [
            (re.compile(r"(?<![\w-])" + re.escape(lesson.id) + r"(?![\w-])"), i)
            for i, lesson in enumerate(course.lessons)
        ]

    def role(self, ref_type: str, obj: str, context: Sequence[str]) -> int | None:
        """A lesson index, :data:`WHOLE_COURSE`, :data:`IN_COURSE`, or None (not this course)."""
        course_iri = self.course.activity_id
        if ref_type == REF_IRI:
            if obj in self.by_iri:
                return self.by_iri[obj]
            if obj == course_iri:
                return WHOLE_COURSE
            lessons = [self.by_iri[c] for c in context if c in self.by_iri]
            if lessons:
                return min(lessons)
            return IN_COURSE if course_iri in context else None
        if ref_type == REF_LESSON:
            if obj in self.by_id:
                return self.by_id[obj]
            if obj in self.by_iri:
                return self.by_iri[obj]
            if obj in (self.course.id, course_iri):
                return WHOLE_COURSE
            return None
        if ref_type == REF_TITLE:
            folded = _fold(obj)
            if folded in self.by_title:
                return self.by_title[folded]
            found = {i for pattern, i in self._id_patterns if pattern.search(obj)}
            return found.pop() if len(found) == 1 else None
        return None


def _fold(text: str) -> str:
    return " ".join(nfc(text).casefold().split())


def _min2(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a < b else b


def _person_facts(
    conn: sa.Connection,
    store: TrackingStore,
    roles: Mapping[int, int],
    n_lessons: int,
    cutoff: int,
) -> dict[str, tuple[int | None, ...]]:
    """First times per person: ``(enrolled, activity, attended, course, lesson 1, lesson 2, …)``.

    Aggregated in the database per actor (the key order of ``firsts``, so no sort), then
    merged per person here.
    """
    table = "report_roles"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {table} (aset INTEGER PRIMARY KEY, role INTEGER)")
    try:
        p = store.placeholder
        conn.exec_driver_sql(
            f"INSERT INTO {table} (aset, role) VALUES ({p}, {p})", list(roles.items())
        )
        if not store.is_sqlite:
            conn.exec_driver_sql(f"ANALYZE {table}")
        lesson_columns = "".join(
            f", MIN(CASE WHEN f.kind = {COMPLETION} AND r.role = {i} THEN f.first_at END)"
            for i in range(n_lessons)
        )
        # Grouped by actor, the firsts key order: SQLite streams it without sorting.
        sql = (
            "SELECT f.actor"
            f", MIN(CASE WHEN f.kind <> {ATTENDANCE} THEN f.first_at END)"
            f", MIN(CASE WHEN f.kind IN ({ACTIVITY}, {COMPLETION}) AND r.role <> {PROGRAMME} "
            "THEN f.first_at END)"
            f", MIN(CASE WHEN f.kind = {ATTENDANCE} THEN f.first_at END)"
            f", MIN(CASE WHEN f.kind = {COMPLETION} AND r.role = {WHOLE_COURSE} "
            "THEN f.first_at END)"
            f"{lesson_columns} "
            f"FROM firsts f JOIN {table} r ON r.aset = f.aset "
            f"WHERE f.first_at < {p} "
            "GROUP BY f.actor"
        )
        person_of = dict(
            _fetch_all(conn, "SELECT id, person_id FROM actors WHERE person_id IS NOT NULL")
        )
        out: dict[str, tuple[int | None, ...]] = {}
        for row in _fetch_all(conn, sql, (cutoff,)):
            person = person_of.get(row[0])
            if person is None:
                continue
            known = out.get(person)
            # a person named several ways (email and account): the earliest of each
            out[person] = row[1:] if known is None else tuple(map(_min2, known, row[1:]))
        return out
    finally:
        conn.exec_driver_sql(f"DROP TABLE {table}")


def _fetch_all(conn: sa.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows as plain tuples straight from the driver (100,000s of rows: no Row objects)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
        rows: list[Any] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


def _assemble(
    targets: Targets,
    day: date,
    tz: tzinfo,
    roster: Iterable[Any],
    facts: Mapping[str, tuple[int | None, ...]],
    unmatched_names: Sequence[str],
    language: str | None,
) -> CoverageReport:
    in_person = targets.in_person_counts
    n_lessons = len(targets.course.lessons)
    statuses: list[PersonStatus] = []
    add = statuses.append
    make = PersonStatus._make
    nothing: tuple[int | None, ...] = (None,) * (4 + n_lessons)
    for person_id, full_name, email, group, organization, province in roster:
        enrolled_at, activity_at, attended_at, course_at, *lessons = facts.get(person_id, nothing)
        if course_at is not None:
            lessons = [course_at if t is None or t > course_at else t for t in lessons]
        done = n_lessons - lessons.count(None)
        trained_at = max(cast(list[int], lessons)) if n_lessons and done == n_lessons else None
        if in_person and attended_at is not None:
            if trained_at is None or attended_at < trained_at:
                trained_at = attended_at
            if enrolled_at is None or attended_at < enrolled_at:
                enrolled_at = attended_at
        if trained_at is not None:
            status = TRAINED
            if enrolled_at is None:
                enrolled_at = trained_at
        elif activity_at is not None:
            status = IN_PROGRESS
        elif enrolled_at is not None:
            status = ENROLLED
        else:
            status = NOT_ENROLLED
        add(
            make(
                (
                    person_id,
                    full_name,
                    email or "",
                    group,
                    organization,
                    province,
                    status,
                    enrolled_at,
                    activity_at,
                    trained_at,
                    done,
                    attended_at,
                )
            )
        )
    notes: list[str] = []
    by_group: dict[str, list[PersonStatus]] = defaultdict(list)
    for person in statuses:
        by_group[person.group].append(person)
    groups = []
    for group in targets.groups:
        members = by_group.pop(group.id, [])
        counts = _figures(members)
        groups.append(
            GroupFigures(
                population=counts.population,
                enrolled=counts.enrolled,
                in_progress=counts.in_progress,
                trained=counts.trained,
                group=group.id,
                name=group.name,
                target=group.target,
                required=group.required(counts.population),
            )
        )
    for group in groups:
        if not group.population:
            notes.append(
                f"group '{group.group}' has nobody on the roster; its target counts as met"
            )
    for stray, members in sorted(by_group.items()):
        notes.append(
            f"{len(members)} people of the roster are in group '{stray}', which "
            f"{targets.file.name} no longer lists; they count only in the overall figures"
        )
    if unmatched_names:
        shown = ", ".join(repr(n) for n in sorted(set(unmatched_names))[:10])
        notes.append(
            f"LMS activities that match no lesson of {targets.course.id}: {shown} "
            "(name them by lesson id or title)"
        )
    return CoverageReport(
        programme=targets.name,
        course_id=targets.course.id,
        lessons=tuple((lesson.id, lesson.title) for lesson in targets.course.lessons),
        as_of=day,
        deadline=targets.deadline,
        language=language or targets.language,
        timezone=tz,
        in_person_counts=in_person,
        overall=_figures(statuses),
        groups=tuple(groups),
        provinces=_areas(statuses, "province"),
        organizations=_areas(statuses, "organization"),
        monthly=_monthly(statuses, tz, day),
        people=tuple(statuses),
        notes=tuple(notes),
    )


def _min(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _figures(members: Sequence[PersonStatus]) -> Figures:
    counts = Counter(p.status for p in members)
    return Figures(
        population=len(members),
        enrolled=counts[ENROLLED] + counts[IN_PROGRESS] + counts[TRAINED],
        in_progress=counts[IN_PROGRESS],
        trained=counts[TRAINED],
    )


def vietnamese_sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order as Vietnamese readers expect (đ after d, marks after the base letter)."""
    base = unicodedata.normalize("NFD", text.casefold().replace("đ", "d\uffff"))
    letters = "".join(c for c in base if not unicodedata.combining(c))
    return letters, text


def _areas(statuses: Sequence[PersonStatus], attribute: str) -> tuple[AreaFigures, ...]:
    population: Counter[str] = Counter()
    trained: Counter[str] = Counter()
    for person in statuses:
        key = getattr(person, attribute)
        population[key] += 1
        trained[key] += person.status == TRAINED
    return tuple(
        AreaFigures(name, population[name], trained[name])
        for name in sorted(population, key=vietnamese_sort_key)
    )


def _monthly(statuses: Sequence[PersonStatus], tz: tzinfo, day: date) -> tuple[MonthFigures, ...]:
    """Newly trained per month, from the first month anyone was trained to the as-of month."""
    months: Counter[str] = Counter(
        month_of(p.trained_at, tz) for p in statuses if p.trained_at is not None
    )
    if not months:
        return ()
    first, last = min(months), max(max(months), day.strftime("%Y-%m"))
    out: list[MonthFigures] = []
    year, month = int(first[:4]), int(first[5:])
    total = 0
    while True:
        key = f"{year:04d}-{month:02d}"
        total += months[key]
        out.append(MonthFigures(key, months[key], total))
        if key >= last:
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)
