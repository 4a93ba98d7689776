"""course.yaml -> :class:`Course`: schema, identifiers and file paths, every problem located."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mooc_builder.course.load import DataPath, SourceMap, format_path, load_yaml
from mooc_builder.course.model import CaptionPolicy, CompletionPolicy, Course, Lesson, Policy
from mooc_builder.errors import WARNING, Problem, UsageError
from mooc_builder.resources import course_schema_path

COURSE_FILE = "course.yaml"
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".webm", ".mkv")
SLIDE_SUFFIXES = (".pptx",)
CAPTION_SUFFIXES = (".vtt", ".srt")


@dataclass(frozen=True)
class LoadResult:
    """A course (``None`` when it could not be built at all) and the problems found on the way."""

    course: Course | None
    problems: tuple[Problem, ...]
    file: Path


@cache
def course_validator() -> Draft202012Validator:
    """A validator for the course schema, made once per process."""
    return Draft202012Validator(course_schema())


@cache
def course_schema() -> dict[str, Any]:
    """The JSON Schema of course.yaml, as shipped in the package."""
    with course_schema_path().open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def find_course_file(path: str | Path) -> Path:
    """``COURSE_DIR`` or ``COURSE_DIR/course.yaml`` -> the absolute course.yaml path.

    Raises :class:`UsageError` when there is no such file.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / COURSE_FILE
    if not p.is_file():
        raise UsageError(
            f"no course at {Path(path).as_posix()}",
            hint=f"give a course folder that holds {COURSE_FILE}, or a course YAML file",
        )
    return p.resolve()


def load_course(path: str | Path) -> LoadResult:
    """Read and validate a course; never raises for problems in the course itself."""
    file = find_course_file(path)
    loaded = load_yaml(file)
    problems = list(loaded.problems)
    if loaded.data is None:
        if not problems:
            problems.append(Problem("course-empty", "the course file is empty", file=file))
        return LoadResult(None, tuple(problems), file)
    if not isinstance(loaded.data, dict):
        problems.append(
            Problem(
                "schema",
                "the course file must be a mapping of keys (id:, title:, lessons:, …)",
                file=file,
                line=1,
            )
        )
        return LoadResult(None, tuple(problems), file)
    builder = _CourseBuilder(file, loaded.data, loaded.source)
    problems.extend(builder.schema_problems())
    course = builder.build()
    problems.extend(builder.problems)
    return LoadResult(course, tuple(problems), file)


# --------------------------------------------------------------------------------------------
# schema errors -> problems


def _schema_problem(error: ValidationError, source: SourceMap) -> Problem:
    path: DataPath = tuple(error.absolute_path)
    hint = error.schema.get("x-hint") if isinstance(error.schema, dict) else None
    instance = error.instance
    validator = error.validator
    message = error.message
    if validator == "required":
        missing = [k for k in error.validator_value if k not in (instance or {})]
        message = f"missing required key '{missing[0]}'" if missing else message
        hint = hint or _required_hint(missing[0] if missing else "")
    elif validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        key = extra[0] if extra else "?"
        path = (*path, key)
        message = f"unknown key '{key}'"
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
    elif validator == "pattern":
        message = f"{instance!r} is not valid here"
    elif validator == "type":
        message = f"must be {_type_words(error.validator_value)}, not {_type_name(instance)}"
        if instance is False or instance is True:
            hint = "YAML reads yes/no/on/off as true/false: put the value in quotes"
    elif (
        validator == "oneOf"
        and path
        and any("minProperties" in (s or {}) for s in error.validator_value if isinstance(s, dict))
    ):
        message = "must be a text or a mapping of language to text"
    elif validator == "enum":
        message = f"{instance!r} is not one of {', '.join(map(repr, error.validator_value))}"
    elif validator == "propertyNames":
        message = f"{error.instance!r} has a key that is not valid here"
    return Problem(
        "schema",
        message,
        line=source.line_of(path),
        path=format_path(path) or None,
        file=source.file,
        hint=hint,
    )


def _required_hint(key: str) -> str:
    examples = {
        "id": "add  id: my-course  (a slug starting with a letter)",
        "title": "add  title: {vi: …, en: …}",
        "language": "add  language: vi",
        "activity_base": "add  activity_base: https://your.org/xapi/activities/",
        "lessons": "add a lessons: list",
        "video": "add  video: media/<file>.mp4",
        "slides": "add  slides: slides/<file>.pptx",
    }
    return examples.get(key, f"add '{key}'")


def _type_words(expected: str | Sequence[str]) -> str:
    names = [expected] if isinstance(expected, str) else list(expected)
    words = {
        "object": "a mapping",
        "array": "a list",
        "string": "a text",
        "number": "a number",
        "integer": "a whole number",
        "boolean": "true or false",
    }
    return " or ".join(words.get(n, n) for n in names)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "empty"
    return type(value).__name__


# --------------------------------------------------------------------------------------------
# building the model


class _CourseBuilder:
    """Builds a Course from schema-checked data, skipping what is broken and noting why."""

    def __init__(self, file: Path, data: dict[str, Any], source: SourceMap) -> None:
        self.file = file
        self.root = file.parent
        self.data = data
        self.source = source
        self.problems: list[Problem] = []
        self._bad_paths: set[DataPath] = set()

    def schema_problems(self) -> list[Problem]:
        validator = course_validator()
        out = []
        for error in sorted(validator.iter_errors(self.data), key=lambda e: list(map(str, e.path))):
            problem = _schema_problem(error, self.source)
            out.append(problem)
            self._bad_paths.add(tuple(error.absolute_path))
        return out

    @functools.cached_property
    def _real_root(self) -> Path:
        return self.root.resolve()

    @functools.lru_cache(maxsize=256)  # noqa: B019  (one builder per load; few folders)
    def _real_folder(self, folder: Path) -> Path:
        return folder.resolve()

    def _resolve(self, rel: str) -> Path:
        """Like ``Path.resolve`` (symlinks followed), resolving each folder only once."""
        joined = self.root / rel
        target = self._real_folder(joined.parent) / joined.name
        return target.resolve() if target.is_symlink() else target

    def _broken(self, path: DataPath) -> bool:
        """True when a schema error lies at or below ``path``."""
        return any(bad[: len(path)] == path for bad in self._bad_paths)

    def _problem(self, code: str, message: str, path: DataPath, **kw: Any) -> None:
        self.problems.append(
            Problem(
                code,
                message,
                file=self.file,
                line=self.source.line_of(path),
                path=format_path(path),
                **kw,
            )
        )

    def build(self) -> Course | None:
        d = self.data
        if any(self._broken((key,)) for key in ("id", "language", "activity_base")):
            return None
        language: str = d["language"]
        course_id: str = d["id"]
        base: str = d["activity_base"]
        policy = self._policy(language)
        lessons = self._lessons(course_id, base, language, policy)
        title = self._text(("title",), language)
        self._check_languages(("title",), title, language)
        return Course(
            id=course_id,
            title=title,
            description=self._text(("description",), language),
            language=language,
            activity_base=base,
            policy=policy,
            lessons=tuple(lessons),
            file=self.file,
            source=self.source,
            version=d.get("version") if not self._broken(("version",)) else None,
        )

    def _text(self, path: DataPath, language: str) -> dict[str, str]:
        value = _get(self.data, path)
        if value is None or self._broken(path):
            return {}
        if isinstance(value, str):
            return {language: value}
        return {str(k): str(v) for k, v in value.items()}

    def _check_languages(self, path: DataPath, text: Mapping[str, str], language: str) -> None:
        if text and language not in text:
            self._problem(
                "text-missing-language",
                f"no text in the course language '{language}'",
                path,
                severity=WARNING,
                hint=f"add  {language}: …",
            )

    def _policy(self, language: str) -> Policy:
        raw = self.data.get("policy") if not self._broken(("policy",)) else None
        if not isinstance(raw, dict):
            return Policy(captions=CaptionPolicy(languages=(language,)))
        duration = raw.get("duration", {})
        caps_raw = dict(raw.get("captions", {}))
        caps_raw["languages"] = tuple(caps_raw.get("languages", (language,)))
        captions = CaptionPolicy(**_known(CaptionPolicy, caps_raw))
        completion = CompletionPolicy(**_known(CompletionPolicy, raw.get("completion", {})))
        policy = Policy(
            min_duration_s=float(duration.get("min_s", Policy.min_duration_s)),
            max_duration_s=float(duration.get("max_s", Policy.max_duration_s)),
            captions=captions,
            completion=completion,
            severity=dict(raw.get("severity", {})),
        )
        if policy.min_duration_s > policy.max_duration_s:
            self._problem(
                "policy-invalid",
                f"duration.min_s ({policy.min_duration_s:g}) is above max_s "
                f"({policy.max_duration_s:g})",
                ("policy", "duration"),
                hint="swap the two values",
            )
        if captions.min_cue_s > captions.max_cue_s:
            self._problem(
                "policy-invalid",
                f"captions.min_cue_s ({captions.min_cue_s:g}) is above max_cue_s "
                f"({captions.max_cue_s:g})",
                ("policy", "captions"),
                hint="swap the two values",
            )
        return policy

    def _lessons(self, course_id: str, base: str, language: str, policy: Policy) -> list[Lesson]:
        raw_lessons = self.data.get("lessons")
        if not isinstance(raw_lessons, list):
            return []
        lessons: list[Lesson] = []
        first_seen: dict[str, int] = {}
        for index, raw in enumerate(raw_lessons):
            path: DataPath = ("lessons", index)
            if not isinstance(raw, dict):
                continue
            lesson_id = raw.get("id")
            if isinstance(lesson_id, str) and not self._broken((*path, "id")):
                if lesson_id in first_seen:
                    self._problem(
                        "lesson-duplicate-id",
                        f"lesson id '{lesson_id}' is already used by "
                        f"lessons[{first_seen[lesson_id]}]",
                        (*path, "id"),
                        lesson=lesson_id,
                        hint="give every lesson its own id",
                    )
                    continue
                first_seen[lesson_id] = index
            lesson = self._lesson(raw, index, course_id, base, language, policy)
            if lesson is not None:
                lessons.append(lesson)
        return lessons

    def _lesson(
        self,
        raw: dict[str, Any],
        index: int,
        course_id: str,
        base: str,
        language: str,
        policy: Policy,
    ) -> Lesson | None:
        path: DataPath = ("lessons", index)
        if any(key not in raw or self._broken((*path, key)) for key in ("id", "video", "slides")):
            return None
        lesson_id: str = raw["id"]
        title = self._text((*path, "title"), language)
        self._check_languages((*path, "title"), title, language)
        video = self._file((*path, "video"), raw["video"], VIDEO_SUFFIXES, lesson_id)
        slides = self._file((*path, "slides"), raw["slides"], SLIDE_SUFFIXES, lesson_id)
        captions: dict[str, Path] = {}
        raw_caps = raw.get("captions") if not self._broken((*path, "captions")) else None
        for lang, rel in (raw_caps or {}).items():
            file = self._file((*path, "captions", lang), rel, CAPTION_SUFFIXES, lesson_id)
            if file is not None:
                captions[lang] = file
        for lang in policy.captions.languages:
            if lang not in (raw_caps or {}) and not self._broken((*path, "captions")):
                self._problem(
                    "captions-missing-language",
                    f"no '{lang}' captions; the course policy requires them",
                    (*path, "captions") if raw_caps else path,
                    lesson=lesson_id,
                    hint=f"add  captions: {{{lang}: captions/{lesson_id}.{lang}.vtt}}",
                )
        times = raw.get("slide_times")
        slide_times = (
            tuple(float(t) for t in times)
            if isinstance(times, list) and not self._broken((*path, "slide_times"))
            else None
        )
        if video is None or slides is None:
            return None
        return Lesson(
            id=lesson_id,
            index=index,
            title=title,
            description=self._text((*path, "description"), language),
            video=video,
            slides=slides,
            slide_times=slide_times,
            captions=captions,
            activity_id=f"{base}{course_id}/{lesson_id}",
        )

    def _file(self, path: DataPath, rel: str, suffixes: Iterable[str], lesson: str) -> Path | None:
        """Resolve a course-relative path; report it if it leaves the folder or is missing."""
        suffixes = tuple(suffixes)
        target = self._resolve(rel)
        try:
            target.relative_to(self._real_root)
        except ValueError:
            self._problem(
                "file-outside-course",
                f"'{rel}' lies outside the course folder",
                path,
                lesson=lesson,
                hint="move the file into the course folder and give a path relative to course.yaml",
            )
            return None
        if not target.is_file():
            self._problem(
                "file-missing",
                f"'{rel}' does not exist",
                path,
                lesson=lesson,
                hint=_missing_hint(self.root, rel),
            )
            return None
        if target.suffix.lower() not in suffixes:
            self._problem(
                "file-type",
                f"'{rel}' is not a {' or '.join(suffixes)} file",
                path,
                lesson=lesson,
                hint=_type_hint(suffixes),
            )
            return None
        return target


def _missing_hint(root: Path, rel: str) -> str:
    """Suggest a file whose name differs in case or slightly (servers are case-sensitive)."""
    wanted = root / rel
    folder = wanted.parent
    if folder.is_dir():
        names = [p.name for p in folder.iterdir() if p.is_file()]
        same_case = [n for n in names if n.lower() == wanted.name.lower()]
        if same_case:
            return f"the file is called '{same_case[0]}': names are case-sensitive on servers"
        close = difflib.get_close_matches(wanted.name, names, n=1, cutoff=0.7)
        if close:
            return f"did you mean '{close[0]}'?"
    return "check the path; it is relative to course.yaml"


def _type_hint(suffixes: tuple[str, ...]) -> str:
    if suffixes == SLIDE_SUFFIXES:
        return "save the deck as PowerPoint .pptx"
    if suffixes == CAPTION_SUFFIXES:
        return "give WebVTT (.vtt) or SubRip (.srt) captions"
    return "export the video as H.264/AAC MP4, or WebM"


def _known(cls: type, raw: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in raw.items() if k in names}


def _get(data: Any, path: DataPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
