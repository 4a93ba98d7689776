"""targets.yaml: the training programme, its deadline, its course and the target of each group.

Example (see ``courses/tracking-example/targets.yaml``)::

    name: {vi: Chương trình …, en: Programme …}
    deadline: 2028-12-31
    course: ../human-rights/course.yaml
    in_person_counts: true
    language: vi                # language of reports (optional; default vi)
    groups:
      - id: human-rights-officials
        name: {vi: …, en: …}
        target: 1.0

Tracking knows the course only by its id and its lessons' ids and activity IRIs; the media the
course refers to need not be present on the trainer's machine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from mooc_builder.course.load import SourceMap, format_path, load_yaml
from mooc_builder.course.model import Text, pick
from mooc_builder.course.validate import load_course
from mooc_builder.errors import MoocError, Problem, UsageError, errors_in
from mooc_builder.text import nfc

REPORT_LANGUAGES = ("vi", "en")
_GROUP_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_KNOWN_KEYS = ("name", "deadline", "course", "in_person_counts", "language", "groups")
_GROUP_KEYS = ("id", "name", "target")
_COURSE_BREAKING = {"schema", "lesson-duplicate-id", "course-empty", "yaml-syntax", "yaml-encoding"}


@dataclass(frozen=True)
class TargetGroup:
    """A target group of officials and the share of them that must be trained."""

    id: str
    name: Text
    target: float
    """Between 0 and 1, e.g. 0.7 for 70 %."""
    line: int | None = None

    def required(self, population: int) -> int:
        """People who must be trained: ceil(target × population), computed exactly.

        ``0.7 × 10`` is 7.000000000000001 in floating point; the decimal value written in the
        YAML is used instead, so a group of 10 at 70 % needs 7, not 8.
        """
        return math.ceil(Fraction(repr(self.target)) * population)

    def label(self, language: str) -> str:
        """The group's name in ``language`` (falling back to another language, then the id)."""
        return pick(self.name, language, self.id)


@dataclass(frozen=True)
class TrackedLesson:
    """What tracking needs to know about a lesson: how logs name it."""

    id: str
    activity_id: str
    title: Text


@dataclass(frozen=True)
class TrackedCourse:
    """A course as tracking sees it: ids, activity IRIs, titles."""

    id: str
    activity_id: str
    title: Text
    lessons: tuple[TrackedLesson, ...]
    file: Path


@dataclass(frozen=True)
class Targets:
    """A loaded targets.yaml."""

    file: Path
    name: Text
    deadline: date
    course: TrackedCourse
    in_person_counts: bool
    groups: tuple[TargetGroup, ...]
    language: str = "vi"

    def group(self, group_id: str) -> TargetGroup:
        """The group with this id (KeyError if none)."""
        for group in self.groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)

    def resolve_group(self, value: str) -> str | None:
        """A roster's group cell -> a group id: the id itself, or a group's name in any language."""
        text = " ".join(nfc(value).split())
        for group in self.groups:
            if text == group.id:
                return group.id
        folded = text.casefold()
        for group in self.groups:
            if folded == group.id.casefold() or any(
                folded == " ".join(n.split()).casefold() for n in group.name.values()
            ):
                return group.id
        return None

    def title(self, language: str) -> str:
        """The programme's name in ``language``."""
        return pick(self.name, language, self.course.id)


def load_targets(path: str | Path) -> Targets:
    """Read and check targets.yaml and the course it names.

    Raises :class:`MoocError` listing every problem (file, line, key, what to do) when the
    file cannot be used.
    """
    file = Path(path).expanduser()
    if file.is_dir():
        file = file / "targets.yaml"
    if not file.is_file():
        raise UsageError(
            f"no targets file at {Path(path).as_posix()}",
            hint="give the path of targets.yaml (see courses/tracking-example/targets.yaml)",
        )
    file = file.resolve()
    loaded = load_yaml(file)
    problems = [p for p in loaded.problems if p.is_error]
    if problems:
        raise MoocError(f"{file.name} cannot be read", problems)
    data = loaded.data
    checker = _Checker(file, loaded.source)
    if not isinstance(data, dict):
        checker.problem(
            (), "the targets file must be a mapping (name:, deadline:, course:, groups:)"
        )
        raise MoocError(f"{file.name} has errors", checker.problems)
    targets = checker.build(data)
    if checker.problems or targets is None:
        raise MoocError(f"{file.name} has errors", checker.problems)
    return targets


class _Checker:
    def __init__(self, file: Path, source: SourceMap) -> None:
        self.file = file
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        self.problems.append(
            Problem(
                "targets",
                message,
                file=self.file,
                line=self.source.line_of(path) if path else 1,
                path=format_path(path) or None,
                hint=hint,
            )
        )

    def build(self, data: dict[str, Any]) -> Targets | None:
        for key in data:
            if key not in _KNOWN_KEYS:
                self.problem(
                    (key,), f"unknown key '{key}'", f"allowed keys: {', '.join(_KNOWN_KEYS)}"
                )
        name = self.text(data, ("name",), required=True)
        deadline = self.deadline(data.get("deadline"))
        in_person = data.get("in_person_counts", False)
        if not isinstance(in_person, bool):
            self.problem(("in_person_counts",), "must be true or false")
            in_person = False
        language = data.get("language", "vi")
        if language not in REPORT_LANGUAGES:
            self.problem(("language",), f"{language!r} is not a report language", "use vi or en")
            language = "vi"
        groups = self.groups(data.get("groups"))
        course = self.course(data.get("course"))
        if self.problems or deadline is None or course is None:
            return None
        return Targets(
            file=self.file,
            name=name,
            deadline=deadline,
            course=course,
            in_person_counts=in_person,
            groups=groups,
            language=language,
        )

    def text(
        self, data: Mapping[str, Any], path: tuple[str | int, ...], *, required: bool
    ) -> dict[str, str]:
        value = data.get(str(path[-1]))
        if value is None:
            if required:
                self.problem(
                    path[:-1], f"missing required key '{path[-1]}'", "add  name: {vi: …, en: …}"
                )
            return {}
        if isinstance(value, str) and value.strip():
            return {"vi": value}
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, str) and v.strip() for v in value.values())
        ):
            return {str(k): str(v) for k, v in value.items()}
        self.problem(path, "must be a text or a mapping of language to text, e.g. {vi: …, en: …}")
        return {}

    def deadline(self, value: Any) -> date | None:
        if value is None:
            self.problem((), "missing required key 'deadline'", "add  deadline: 2028-12-31")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(("deadline",), f"{value!r} is not a date", "write it as YYYY-MM-DD")
        return None

    def groups(self, value: Any) -> tuple[TargetGroup, ...]:
        if not isinstance(value, list) or not value:
            self.problem(
                ("groups",) if value is not None else (),
                "groups must be a non-empty list"
                if value is not None
                else "missing required key 'groups'",
                "add  groups: [{id: …, name: {vi: …, en: …}, target: 1.0}]",
            )
            return ()
        out: list[TargetGroup] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(value):
            path: tuple[str | int, ...] = ("groups", index)
            if not isinstance(raw, dict):
                self.problem(path, "each group must be a mapping with id, name and target")
                continue
            for key in raw:
                if key not in _GROUP_KEYS:
                    self.problem(
                        (*path, key), f"unknown key '{key}'", "a group has id, name and target"
                    )
            group_id = raw.get("id")
            if not isinstance(group_id, str) or not _GROUP_ID.match(group_id):
                self.problem(
                    (*path, "id"),
                    f"group id {group_id!r} is not valid" if group_id is not None else "missing id",
                    "use lower-case letters, digits and '-', e.g. info-comm-managers",
                )
                continue
            if group_id in seen:
                self.problem(
                    (*path, "id"),
                    f"group id '{group_id}' is already used by groups[{seen[group_id]}]",
                    "give every group its own id",
                )
                continue
            seen[group_id] = index
            name = self.text(raw, (*path, "name"), required=True)
            target = raw.get("target")
            if (
                isinstance(target, bool)
                or not isinstance(target, int | float)
                or not 0 <= target <= 1
            ):
                self.problem(
                    (*path, "target"),
                    f"target {target!r} must be a number from 0 to 1",
                    "write 1.0 for 100 %, 0.7 for 70 %",
                )
                continue
            out.append(TargetGroup(group_id, name, float(target), self.source.line_of(path)))
        return tuple(out)

    def course(self, value: Any) -> TrackedCourse | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(
                ("course",) if value is not None else (),
                "course must be the path of the course's course.yaml"
                if value is not None
                else "missing required key 'course'",
                "e.g.  course: ../human-rights/course.yaml  (relative to targets.yaml)",
            )
            return None
        target = (self.file.parent / value).resolve()
        try:
            result = load_course(target)
        except MoocError as exc:
            self.problem(("course",), f"{value}: {exc.message}", exc.hint)
            return None
        breaking = [
            p for p in errors_in(result.problems) if p.code in _COURSE_BREAKING and _concerns_ids(p)
        ]
        if result.course is None or breaking:
            self.problems.extend(breaking or errors_in(result.problems))
            self.problem(
                ("course",),
                f"the course {value} cannot be read",
                "fix the problems above (`mooc check` shows them all)",
            )
            return None
        return _tracked_course(result.course.file, result.course)


def _concerns_ids(problem: Problem) -> bool:
    """Problems that change what the course's ids or IRIs are; media problems do not."""
    path = problem.path or ""
    if problem.code != "schema":
        return True
    return path in ("", "id", "activity_base", "lessons", "language") or bool(
        re.fullmatch(r"lessons\[\d+\](\.id)?", path)
    )


def _tracked_course(file: Path, course: Any) -> TrackedCourse:
    """Lesson ids and IRIs of every lesson entry, including lessons whose media are absent.

    ``load_course`` leaves out lessons whose video or slides are missing (it cannot describe
    them fully); tracking needs only their ids, so it reads them from the YAML and names them
    with the rule of :attr:`mooc_builder.course.model.Lesson.activity_id`.
    """
    loaded = load_yaml(file)
    raw_lessons = loaded.data.get("lessons") if isinstance(loaded.data, dict) else None
    known = {lesson.id: lesson for lesson in course.lessons}
    lessons: list[TrackedLesson] = []
    for raw in raw_lessons if isinstance(raw_lessons, list) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        lesson_id: str = raw["id"]
        if any(lesson.id == lesson_id for lesson in lessons):
            continue
        if lesson_id in known:
            lesson = known[lesson_id]
            lessons.append(TrackedLesson(lesson.id, lesson.activity_id, dict(lesson.title)))
            continue
        title_raw = raw.get("title")
        title = (
            {course.language: title_raw}
            if isinstance(title_raw, str)
            else {str(k): str(v) for k, v in title_raw.items()}
            if isinstance(title_raw, dict)
            else {}
        )
        lessons.append(
            TrackedLesson(lesson_id, f"{course.activity_base}{course.id}/{lesson_id}", title)
        )
    return TrackedCourse(
        id=course.id,
        activity_id=course.activity_id,
        title=dict(course.title),
        lessons=tuple(lessons),
        file=file,
    )
