"""The course as the rest of mooc-builder sees it: frozen values, resolved paths, defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mooc_builder.course.load import SourceMap

Text = Mapping[str, str]
"""Text per BCP 47 language tag, e.g. ``{"vi": "Quyền con người", "en": "Human rights"}``."""


def pick(text: Text, language: str, fallback: str = "") -> str:
    """The text in ``language``, else in its primary subtag, else the first one given."""
    if language in text:
        return text[language]
    primary = language.split("-")[0]
    for tag, value in text.items():
        if tag.split("-")[0] == primary:
            return value
    return next(iter(text.values()), fallback)


@dataclass(frozen=True)
class CaptionPolicy:
    """Caption quality rules (defaults: STANDARDS.md, adult viewers)."""

    languages: tuple[str, ...] = ()
    max_lines: int = 2
    max_chars_per_line: int = 42
    max_cps: float = 17.0
    min_cue_s: float = 0.833
    max_cue_s: float = 7.0
    min_gap_frames: int = 2
    max_uncovered_s: float = 10.0


@dataclass(frozen=True)
class CompletionPolicy:
    """When the player reports a lesson completed."""

    min_played: float = 0.95
    all_slides: bool = True


@dataclass(frozen=True)
class Policy:
    """Publishing rules of a course."""

    min_duration_s: float = 180.0
    max_duration_s: float = 300.0
    captions: CaptionPolicy = field(default_factory=CaptionPolicy)
    completion: CompletionPolicy = field(default_factory=CompletionPolicy)
    severity: Mapping[str, str] = field(default_factory=dict)
    """Overrides per problem code: ``error``, ``warning`` or ``off``."""


@dataclass(frozen=True)
class Lesson:
    """One video lesson with its slides and captions. Paths are absolute."""

    id: str
    index: int
    """Position in ``lessons`` (0-based), also the index in course.yaml paths."""
    title: Text
    description: Text
    video: Path
    slides: Path
    slide_times: tuple[float, ...] | None
    captions: Mapping[str, Path]
    activity_id: str
    """The lesson's activity IRI: activity_base + course id + "/" + lesson id."""

    @property
    def yaml_path(self) -> str:
        """Where this lesson stands in course.yaml, e.g. ``lessons[2]``."""
        return f"lessons[{self.index}]"


@dataclass(frozen=True)
class Course:
    """A loaded, validated course."""

    id: str
    title: Text
    description: Text
    language: str
    activity_base: str
    policy: Policy
    lessons: tuple[Lesson, ...]
    file: Path
    """The course.yaml file (absolute)."""
    source: SourceMap
    version: str | None = None

    @property
    def root(self) -> Path:
        """The course folder; every path of the course lies inside it."""
        return self.file.parent

    @property
    def activity_id(self) -> str:
        """The course's own activity IRI: activity_base + course id."""
        return self.activity_base + self.id

    @property
    def languages(self) -> tuple[str, ...]:
        """The course language first, then every other language used by titles or captions."""
        seen: dict[str, None] = {self.language: None}
        for text in (self.title, self.description):
            seen.update(dict.fromkeys(text))
        for lesson in self.lessons:
            seen.update(dict.fromkeys(lesson.title))
            seen.update(dict.fromkeys(lesson.captions))
        return tuple(seen)

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson with this id (KeyError if there is none)."""
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)
