"""A seeded population of officials with what each of them did, the log files that say so in
every input format, and the figures a correct report must show — computed here, from the
generator's own decisions, never by calling the report code.

Times are chosen as local dates and times in +07:00 (the store's default zone), spread from
October 2024 to March 2026, so that half-year and year boundaries cut through them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

TZ = timezone(timedelta(hours=7))
BASE = "https://training.example.gov.vn/xapi/activities/"
COURSE = "human-rights"
COURSE_IRI = BASE + COURSE
LESSONS = ("un-core-conventions", "rights-of-the-child", "rights-of-persons-with-disabilities")
LESSON_TITLES = {
    "un-core-conventions": ("Các công ước cốt lõi của Liên Hợp Quốc", "The UN core conventions"),
    "rights-of-the-child": ("Quyền trẻ em", "Rights of the child"),
    "rights-of-persons-with-disabilities": (
        "Quyền của người khuyết tật",
        "Rights of persons with disabilities",
    ),
}
GROUPS = (
    ("human-rights-officials", 1.0, "Cán bộ làm công tác nhân quyền", "Human rights officials"),
    ("info-comm-managers", 1.0, "Cán bộ quản lý thông tin, truyền thông", "Info-comm managers"),
    ("foreign-press", 1.0, "Phóng viên thông tin đối ngoại", "Foreign-information press"),
    ("socio-political-orgs", 0.7, "Cán bộ tổ chức chính trị - xã hội", "Socio-political orgs"),
)
PROVINCES = ("Hà Nội", "Thừa Thiên Huế", "Bà Rịa – Vũng Tàu", "Đà Nẵng", "Cần Thơ", "Nghệ An")
ORGANIZATIONS = (
    "Sở Tư pháp",
    "Sở Thông tin và Truyền thông",
    "Báo Nhân Dân",
    "Hội Liên hiệp Phụ nữ",
    "Đoàn Thanh niên",
    "=cmd|' /C calc'!A0",  # a hostile cell: exports must neutralise it
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hạnh", "Khánh", "Lan", "Long", "Mai")
VERB = "http://adlnet.gov/expapi/verbs/"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
START = datetime(2024, 10, 1, 8, 0, tzinfo=TZ)
SPAN_MINUTES = 540 * 24 * 60  # to the end of March 2026


@dataclass
class Person:
    """One official and what they did (local times in +07:00)."""

    person_id: str
    full_name: str
    email: str
    group: str
    organization: str
    province: str
    id_style: str
    """How xAPI names them: mbox, MBOX (upper-case), sha1, account."""
    enrolled: datetime | None = None
    activity: datetime | None = None
    completions: dict[str, datetime] = field(default_factory=dict)
    course_completion: datetime | None = None
    attended: datetime | None = None


@dataclass
class Population:
    """People and the choices made for them."""

    people: list[Person]
    seed: int

    def by_id(self) -> dict[str, Person]:
        """People by person_id."""
        return {p.person_id: p for p in self.people}


def _moment(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randrange(SPAN_MINUTES))


def generate(seed: int, n: int, *, completion_format: str = "xapi") -> Population:
    """``n`` people; what they did depends on ``seed``.

    Moodle exports cannot say "active without completing anything", so for ``moodle`` every
    person in progress has completed at least one lesson.
    """
    rng = random.Random(seed)
    people: list[Person] = []
    for i in range(n):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        pid = f"CB{seed:02d}{i:04d}"
        person = Person(
            person_id=pid,
            full_name=name,
            email=f"{pid.lower()}@example.gov.vn",
            group=GROUPS[rng.randrange(len(GROUPS))][0],
            organization=rng.choice(ORGANIZATIONS),
            province=rng.choice(PROVINCES),
            id_style=rng.choice(("mbox", "MBOX", "sha1", "account")),
        )
        fate = rng.choices(
            ("none", "enrolled", "started", "trained", "in_person"), (2, 2, 3, 4, 1)
        )[0]
        if fate == "enrolled":
            person.enrolled = _moment(rng)
        elif fate == "started":
            k = rng.randrange(1 if completion_format == "moodle" else 0, len(LESSONS))
            first = _moment(rng)
            if completion_format != "moodle":
                person.activity = first
            for lesson in rng.sample(LESSONS, k):
                person.completions[lesson] = first + timedelta(hours=rng.randrange(1, 2000))
        elif fate == "trained":
            first = _moment(rng)
            if completion_format.startswith("xapi") and rng.random() < 0.2:
                person.course_completion = first + timedelta(hours=rng.randrange(1, 3000))
                person.activity = first
            else:
                for lesson in LESSONS:
                    person.completions[lesson] = first + timedelta(hours=rng.randrange(1, 3000))
            if rng.random() < 0.3:
                person.enrolled = first - timedelta(days=rng.randrange(1, 30))
        elif fate == "in_person":
            person.attended = _moment(rng)
            if rng.random() < 0.5 and completion_format != "moodle":
                person.activity = _moment(rng)
        people.append(person)
    return Population(people, seed)


# -- ground truth -------------------------------------------------------------------------------


def _by(moment: datetime | None, as_of: date) -> bool:
    return moment is not None and moment.date() <= as_of


def status(person: Person, as_of: date, in_person_counts: bool = True) -> str:
    """trained / in_progress / enrolled / not_enrolled, straight from the person's story."""
    done = {lesson for lesson, t in person.completions.items() if _by(t, as_of)}
    if _by(person.course_completion, as_of):
        done = set(LESSONS)
    if done == set(LESSONS) or (in_person_counts and _by(person.attended, as_of)):
        return "trained"
    if done or _by(person.activity, as_of) or _by(person.course_completion, as_of):
        return "in_progress"
    if _by(person.enrolled, as_of):
        return "enrolled"
    return "not_enrolled"


def expected_report(pop: Population, as_of: date, in_person_counts: bool = True) -> dict[str, Any]:
    """The JSON report a correct implementation produces (provinces/organisations as dicts)."""
    statuses = {p.person_id: status(p, as_of, in_person_counts) for p in pop.people}

    def figures(members: list[Person]) -> dict[str, Any]:
        counts = Counter(statuses[p.person_id] for p in members)
        population = len(members)
        trained = counts["trained"]
        return {
            "population": population,
            "enrolled": population - counts["not_enrolled"],
            "in_progress": counts["in_progress"],
            "trained": trained,
            "coverage": trained / population if population else None,
        }

    groups = []
    for group_id, target, _vi, _en in GROUPS:
        members = [p for p in pop.people if p.group == group_id]
        row = {"group": group_id, **figures(members), "target": target}
        required = math.ceil(Fraction(str(target)) * len(members))
        row["needed"] = max(0, required - row["trained"])
        row["met"] = row["needed"] == 0
        groups.append(row)

    def areas(attribute: str) -> dict[str, dict[str, Any]]:
        out: dict[str, list[Person]] = defaultdict(list)
        for p in pop.people:
            out[getattr(p, attribute)].append(p)
        return {
            name: {
                "population": len(m),
                "trained": sum(statuses[p.person_id] == "trained" for p in m),
                "coverage": sum(statuses[p.person_id] == "trained" for p in m) / len(m),
            }
            for name, m in out.items()
        }

    return {
        "as_of": as_of.isoformat(),
        "overall": figures(pop.people),
        "groups": groups,
        "provinces": areas("province"),
        "organizations": areas("organization"),
    }


def comparable(report_json: dict[str, Any]) -> dict[str, Any]:
    """A report's JSON in the shape of :func:`expected_report` (areas keyed by name)."""
    return {
        "as_of": report_json["as_of"],
        "overall": report_json["overall"],
        "groups": report_json["groups"],
        "provinces": {
            p["province"]: {k: p[k] for k in ("population", "trained", "coverage")}
            for p in report_json["provinces"]
        },
        "organizations": {
            o["organization"]: {k: o[k] for k in ("population", "trained", "coverage")}
            for o in report_json["organizations"]
        },
    }


# -- course, targets, roster ---------------------------------------------------------------------


def write_course(folder: Path) -> Path:
    """A course.yaml naming the three lessons (tracking needs no media)."""
    folder.mkdir(parents=True, exist_ok=True)
    lessons = "".join(
        f"  - id: {lesson}\n"
        f"    title: {{vi: {LESSON_TITLES[lesson][0]}, en: {LESSON_TITLES[lesson][1]}}}\n"
        f"    video: media/{lesson}.mp4\n"
        f"    slides: slides/{lesson}.pptx\n"
        for lesson in LESSONS
    )
    path = folder / "course.yaml"
    path.write_text(
        f"id: {COURSE}\n"
        "title: {vi: Quyền con người, en: Human rights}\n"
        "description: {vi: Khoá học, en: Course}\n"
        "language: vi\n"
        f"activity_base: {BASE}\n"
        f"lessons:\n{lessons}",
        encoding="utf-8",
    )
    return path


def write_targets(path: Path, course: Path, *, in_person_counts: bool = True) -> Path:
    """targets.yaml for the four groups."""
    groups = "".join(
        f'  - id: {gid}\n    name: {{vi: "{vi}", en: "{en}"}}\n    target: {target}\n'
        for gid, target, vi, en in GROUPS
    )
    rel = Path(course).resolve().relative_to(path.parent.resolve())
    path.write_text(
        "name:\n"
        "  vi: Chương trình tuyên truyền về quyền con người\n"
        "  en: Human rights communication programme\n"
        "deadline: 2028-12-31\n"
        f"course: {rel.as_posix()}\n"
        f"in_person_counts: {'true' if in_person_counts else 'false'}\n"
        f"groups:\n{groups}",
        encoding="utf-8",
    )
    return path


ROSTER_HEADER = ("person_id", "full_name", "email", "group", "organization", "province", "note")


def roster_rows(pop: Population) -> list[list[str]]:
    """Roster rows (with an extra column that must be kept and ignored)."""
    return [
        [p.person_id, p.full_name, p.email, p.group, p.organization, p.province, "ghi chú"]
        for p in pop.people
    ]


def write_roster(pop: Population, path: Path) -> Path:
    """CSV or XLSX, by the suffix of ``path``."""
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(list(ROSTER_HEADER))
        for row in roster_rows(pop):
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula, as Excel keeps it
        book.save(path)
        return path
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ROSTER_HEADER)
        writer.writerows(roster_rows(pop))
    return path


# -- logs -----------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class StatementFactory:
    """Statements about people, with deterministic ids."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7919)

    def new_id(self) -> str:
        """A UUID."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def actor(self, person: Person) -> dict[str, Any]:
        """The actor, named the way ``person.id_style`` says."""
        if person.id_style == "mbox":
            return {
                "objectType": "Agent",
                "name": person.full_name,
                "mbox": "mailto:" + person.email,
            }
        if person.id_style == "MBOX":
            return {"objectType": "Agent", "mbox": "mailto:" + person.email.upper()}
        if person.id_style == "sha1":
            digest = hashlib.sha1(f"mailto:{person.email}".encode()).hexdigest()
            return {"objectType": "Agent", "mbox_sha1sum": digest}
        return {
            "objectType": "Agent",
            "account": {"homePage": "https://lms.example.gov.vn", "name": person.person_id},
        }

    def statement(
        self,
        actor: dict[str, Any],
        verb: str,
        object_id: str,
        when: datetime,
        *,
        parent: str | None = COURSE_IRI,
        lesson_in_context: bool = False,
    ) -> dict[str, Any]:
        """A cmi5-flavoured statement; ``lesson_in_context`` names the lesson only in context."""
        context: dict[str, Any] = {
            "registration": self.new_id(),
            "contextActivities": {
                "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]
            },
        }
        obj_id = object_id
        if lesson_in_context:
            context["contextActivities"]["grouping"] = [{"id": object_id}]
            obj_id = object_id + "/quiz"
        if parent:
            context["contextActivities"]["parent"] = [{"id": parent}]
        return {
            "id": self.new_id(),
            "actor": actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
            "object": {"objectType": "Activity", "id": obj_id},
            "context": context,
            "timestamp": _iso(when),
            "stored": _iso(when + timedelta(seconds=3)),
        }

    def void(self, target: dict[str, Any], when: datetime) -> dict[str, Any]:
        """A voiding statement for ``target``."""
        return {
            "id": self.new_id(),
            "actor": {"objectType": "Agent", "mbox": "mailto:admin@example.gov.vn"},
            "verb": {"id": VERB + "voided"},
            "object": {"objectType": "StatementRef", "id": target["id"]},
            "timestamp": _iso(when),
        }


def statements(pop: Population) -> list[dict[str, Any]]:
    """Every person's story as xAPI statements, plus noise that must not count.

    Noise: voided completions (the voiding statement before or after its target), repeated
    statements, statements of people not on the roster, and statements about another course.
    """
    make = StatementFactory(pop.seed)
    rng = random.Random(pop.seed * 31)
    out: list[dict[str, Any]] = []
    for person in pop.people:
        actor = make.actor(person)
        if person.activity is not None:
            lesson = rng.choice(LESSONS)
            out.append(
                make.statement(actor, VERB + "launched", f"{COURSE_IRI}/{lesson}", person.activity)
            )
        for lesson, when in person.completions.items():
            verb = VERB + rng.choice(("completed", "completed", "passed"))
            out.append(
                make.statement(
                    actor,
                    verb,
                    f"{COURSE_IRI}/{lesson}",
                    when,
                    lesson_in_context=rng.random() < 0.2,
                )
            )
            out.append(make.statement(actor, VERB + "terminated", f"{COURSE_IRI}/{lesson}", when))
        if person.course_completion is not None:
            out.append(
                make.statement(actor, SATISFIED, COURSE_IRI, person.course_completion, parent=None)
            )
        missing = [lesson for lesson in LESSONS if lesson not in person.completions]
        if rng.random() < 0.3:
            lesson = rng.choice(missing or list(LESSONS))
            early = START - timedelta(days=30)
            wrong = make.statement(actor, VERB + "completed", f"{COURSE_IRI}/{lesson}", early)
            voiding = make.void(wrong, START + timedelta(days=rng.randrange(600)))
            out.extend([voiding, wrong] if rng.random() < 0.5 else [wrong, voiding])
    stranger = {"objectType": "Agent", "mbox": "mailto:stranger@example.org"}
    for lesson in LESSONS:
        out.append(make.statement(stranger, VERB + "completed", f"{COURSE_IRI}/{lesson}", START))
    if pop.people:
        other = pop.people[0]
        for lesson in LESSONS:
            out.append(
                make.statement(
                    make.actor(other),
                    VERB + "completed",
                    f"{BASE}another-course/{lesson}",
                    START,
                    parent=f"{BASE}another-course",
                )
            )
    repeats = [s for s in out if rng.random() < 0.05]
    out.extend(json.loads(json.dumps(s)) for s in repeats)
    rng.shuffle(out)
    return out


def write_xapi(pop: Population, path: Path, shape: str) -> list[Path]:
    """``ndjson``, ``array`` or ``single`` (one file per statement, in ``path`` as a folder)."""
    items = statements(pop)
    if shape == "ndjson":
        path.write_text(
            "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in items), encoding="utf-8"
        )
        return [path]
    if shape == "array":
        path.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    files = []
    # a voiding statement may come in an earlier or later file than its target: keep the order
    for i, statement in enumerate(items):
        file = path / f"statement-{i:05d}.json"
        file.write_text(json.dumps(statement, ensure_ascii=False, indent=1), encoding="utf-8")
        files.append(file)
    return files


def moodle_activity_name(lesson: str, i: int) -> str:
    """How a Moodle admin names the SCORM activity of a lesson."""
    vi_title = LESSON_TITLES[lesson][0]
    return vi_title if i % 2 == 0 else f"Bài {i + 1} ({lesson})"


def write_moodle(pop: Population, path: Path) -> Path:
    """Moodle's course completion report CSV for everyone who completed something."""
    names = [moodle_activity_name(lesson, i) for i, lesson in enumerate(LESSONS)]
    header = ["ID", "Name", "Email address"]
    for name in names:
        header += [name, f"{name} - Completion date"]
    header.append("Course complete")
    rows = [header]
    for n, person in enumerate(pop.people):
        if not person.completions:
            continue
        row = [
            str(1000 + n),
            person.full_name,
            person.email.upper() if n % 3 == 0 else person.email,
        ]
        for lesson in LESSONS:
            when = person.completions.get(lesson)
            row += (
                ["Completed", when.strftime("%d/%m/%y, %H:%M")] if when else ["Not completed", ""]
            )
        row.append("")
        rows.append(row)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_lms_csv(pop: Population, path: Path) -> Path:
    """The generic LMS CSV: completions, activity rows, and 'not attempted' noise."""
    rng = random.Random(pop.seed * 17)
    rows = [["person_id", "email", "lesson", "status", "completed_at"]]
    for person in pop.people:
        by_email = rng.random() < 0.5
        who = ["", person.email.title()] if by_email else [person.person_id, ""]
        for lesson, when in person.completions.items():
            ref = lesson if rng.random() < 0.5 else f"{COURSE_IRI}/{lesson}"
            status = rng.choice(("completed", "passed", "Completed"))
            rows.append(
                [
                    *who,
                    ref,
                    status,
                    _iso(when) if rng.random() < 0.5 else when.strftime("%d/%m/%Y %H:%M"),
                ]
            )
        if person.activity is not None:
            rows.append([*who, rng.choice(LESSONS), "incomplete", when_text(person.activity)])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def when_text(moment: datetime) -> str:
    """A local time without offset (read in the store's zone, +07:00)."""
    return moment.strftime("%Y-%m-%d %H:%M")


def write_attendance(pop: Population, path: Path) -> Path:
    """Sign-in sheets of in-person sessions."""
    rows = [["email", "date", "session", "hours", "location"]]
    for person in pop.people:
        if person.attended is not None:
            rows.append(
                [person.email, person.attended.date().isoformat(), "HN-01", "7.5", person.province]
            )
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_enrolment(pop: Population, path: Path) -> Path:
    """Enrolments (by person_id)."""
    rows = [["person_id", "enrolled_at"]]
    for person in pop.people:
        if person.enrolled is not None:
            rows.append([person.person_id, _iso(person.enrolled)])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_logs(pop: Population, folder: Path, completion_format: str) -> list[Path]:
    """Every log of the population: completions in ``completion_format``, then attendance and
    enrolment CSVs (the in-progress activity goes with the completions)."""
    folder.mkdir(parents=True, exist_ok=True)
    if completion_format in ("xapi-ndjson", "xapi-array", "xapi-single"):
        shape = completion_format.split("-")[1]
        suffix = {"ndjson": ".ndjson", "array": ".json", "single": ""}[shape]
        files = write_xapi(pop, folder / f"statements{suffix}", shape)
    elif completion_format == "moodle":
        files = [write_moodle(pop, folder / "moodle-completion.csv")]
    elif completion_format == "lms-csv":
        files = [write_lms_csv(pop, folder / "lms-completion.csv")]
    else:
        raise ValueError(completion_format)
    return [
        *files,
        write_attendance(pop, folder / "attendance.csv"),
        write_enrolment(pop, folder / "enrolment.csv"),
    ]


LATE = int(datetime.combine(date(2030, 1, 1), time(0), tzinfo=TZ).timestamp())
"""Ingest time used by tests, after every as-of date: undated LMS facts then never count."""
