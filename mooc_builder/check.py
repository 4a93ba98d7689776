"""``mooc check``: load the course, probe every media file, apply the policy, report everything.

The stages run in one direction: load -> validate -> probe -> rules. Probing gives facts
(:class:`LessonFacts`) that ``mooc build`` reuses; rules turn facts into :class:`Problem` s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mooc_builder.cache import BuildCache
from mooc_builder.course.model import Course, Lesson, Policy
from mooc_builder.course.validate import LoadResult, load_course
from mooc_builder.errors import ERROR, WARNING, Problem, Severity
from mooc_builder.media.captions import (
    CaptionQuality,
    ParsedCaptions,
    check_caption_quality,
    read_captions,
)
from mooc_builder.media.probe import ProbeError, VideoInfo, probe_video
from mooc_builder.media.slides import SlideDeck, SlidesError, read_slides
from mooc_builder.text import clock

Progress = Callable[[str, int, int], None]
"""Called as ``progress(item, done, total)`` after each unit of work (the CLI draws a bar)."""

# Problems whose severity a course may not change: they mean the input cannot be used at all.
PROTECTED_CODES = frozenset(
    {
        "schema",
        "yaml-syntax",
        "yaml-encoding",
        "yaml-key",
        "yaml-duplicate-key",
        "file-unreadable",
        "file-missing",
        "file-outside-course",
        "file-type",
        "course-empty",
        "lesson-duplicate-id",
        "video-unreadable",
        "video-unknown-container",
        "video-truncated",
        "video-corrupt",
        "video-no-duration",
        "caption-encoding",
        "caption-unreadable",
        "slides-corrupt",
    }
)


@dataclass(frozen=True)
class CaptionFacts:
    """A caption track as parsed, and its quality measures."""

    file: Path
    parsed: ParsedCaptions
    quality: CaptionQuality


@dataclass(frozen=True)
class LessonFacts:
    """What probing found for one lesson; ``None`` where a file could not be read."""

    lesson: Lesson
    video: VideoInfo | None
    captions: Mapping[str, CaptionFacts]
    slides: SlideDeck | None

    def to_json(self) -> dict[str, Any]:
        """The per-lesson part of ``mooc check --format json``."""
        video = self.video
        return {
            "id": self.lesson.id,
            "duration_s": round(video.duration_s, 3) if video else None,
            "video": {
                "container": video.container,
                "faststart": video.faststart,
                "video_codec": video.video_codec,
                "audio_codec": video.audio_codec,
                "width": video.width,
                "height": video.height,
                "fps": video.fps,
            }
            if video
            else None,
            "captions": {
                lang: {
                    "format": facts.parsed.format,
                    "cues": len(facts.parsed.cues),
                    "coverage": None
                    if facts.quality.coverage is None
                    else round(facts.quality.coverage, 4),
                }
                for lang, facts in self.captions.items()
            },
            "slides": {"count": self.slides.count} if self.slides else None,
        }


@dataclass(frozen=True)
class CheckReport:
    """Everything ``mooc check`` found, in the order a designer would fix it."""

    file: Path
    course: Course | None
    problems: tuple[Problem, ...]
    lessons: tuple[LessonFacts, ...] = field(default=())

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop publishing."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not stop publishing (unless ``--strict``)."""
        return [p for p in self.problems if p.severity == WARNING]

    def ok(self, strict: bool = False) -> bool:
        """True when the course may be published."""
        return not self.errors and not (strict and self.warnings)

    def facts(self, lesson_id: str) -> LessonFacts:
        """The probe results of one lesson."""
        for facts in self.lessons:
            if facts.lesson.id == lesson_id:
                return facts
        raise KeyError(lesson_id)

    def to_json(self, strict: bool = False, base: Path | None = None) -> dict[str, Any]:
        """The object printed by ``mooc check --format json``."""
        return {
            "course": self.course.id if self.course else None,
            "ok": self.ok(strict),
            "errors": [p.to_json(base) for p in self.errors],
            "warnings": [p.to_json(base) for p in self.warnings],
            "lessons": [facts.to_json() for facts in self.lessons],
        }


def check_course(
    path: str | Path,
    progress: Progress | None = None,
    cache: BuildCache | None = None,
    loaded: LoadResult | None = None,
) -> CheckReport:
    """Check the course at ``path`` (a folder or a course YAML file) and return every problem.

    ``cache`` lets repeated checks skip re-reading unchanged slide decks; ``loaded`` is the
    course already loaded from ``path`` by the caller, if it has it.
    Raises :class:`mooc_builder.errors.UsageError` only when ``path`` is not a course at all.
    """
    loaded = loaded or load_course(path)
    problems = list(loaded.problems)
    course = loaded.course
    if course is None:
        return CheckReport(loaded.file, None, tuple(problems))
    facts: list[LessonFacts] = []
    for done, lesson in enumerate(course.lessons, start=1):
        lesson_facts, lesson_problems = probe_lesson(course, lesson, cache)
        facts.append(lesson_facts)
        problems.extend(lesson_problems)
        if progress:
            progress(lesson.id, done, len(course.lessons))
    problems = apply_severity(problems, course.policy, course)
    return CheckReport(loaded.file, course, tuple(problems), tuple(facts))


def probe_lesson(
    course: Course, lesson: Lesson, cache: BuildCache | None = None
) -> tuple[LessonFacts, list[Problem]]:
    """Probe one lesson's video, captions and slides and apply the course policy to them."""
    where = _Where(course, lesson)
    problems: list[Problem] = []
    video = _video(course.policy, lesson, where, problems)
    slides = _slides(lesson, where, problems, cache)
    if slides is not None:
        problems.extend(_slide_times(lesson, slides, video, where))
    captions: dict[str, CaptionFacts] = {}
    duration = video.duration_s if video else None
    fps = video.fps if video else None
    for lang, file in lesson.captions.items():
        parsed = read_captions(file)
        quality = check_caption_quality(parsed.cues, course.policy.captions, duration, fps)
        path = f"{lesson.yaml_path}.captions.{lang}"
        for problem in (*parsed.problems, *quality.problems):
            problems.append(problem.at(file=file, path=path, lesson=lesson.id))
        captions[lang] = CaptionFacts(file, parsed, quality)
    return LessonFacts(lesson, video, captions, slides), problems


@dataclass(frozen=True)
class _Where:
    """Builds problems placed at a key of this lesson in course.yaml."""

    course: Course
    lesson: Lesson

    def problem(self, code: str, message: str, key: str, **kw: Any) -> Problem:
        path: tuple[str | int, ...] = ("lessons", self.lesson.index, key)
        return Problem(
            code,
            message,
            file=self.course.file,
            line=self.course.source.line_of(path),
            path=f"{self.lesson.yaml_path}.{key}",
            lesson=self.lesson.id,
            **kw,
        )

    def rel(self, file: Path) -> str:
        return file.relative_to(self.course.root).as_posix()


def _video(
    policy: Policy, lesson: Lesson, where: _Where, problems: list[Problem]
) -> VideoInfo | None:
    name = where.rel(lesson.video)
    try:
        info = probe_video(lesson.video)
    except ProbeError as exc:
        problems.append(where.problem(exc.code, f"'{name}': {exc.message}", "video", hint=exc.hint))
        return None
    duration = info.duration_s
    if duration < policy.min_duration_s:
        problems.append(
            where.problem(
                "video-too-short",
                f"'{name}' lasts {clock(duration)}, below the {clock(policy.min_duration_s)} "
                "minimum",
                "video",
                hint="lessons should last "
                f"{clock(policy.min_duration_s)}–{clock(policy.max_duration_s)}; "
                "or change policy.duration",
            )
        )
    elif duration > policy.max_duration_s:
        problems.append(
            where.problem(
                "video-too-long",
                f"'{name}' lasts {clock(duration)}, above the {clock(policy.max_duration_s)} "
                "maximum",
                "video",
                hint="split the lesson in two, or change policy.duration",
            )
        )
    if not info.faststart:
        problems.append(
            where.problem(
                "video-not-faststart",
                f"'{name}' keeps its index (moov) at the end: it cannot start playing until it "
                "is fully downloaded",
                "video",
                severity=WARNING,
                hint=f"remux it: ffmpeg -i {name} -c copy -movflags +faststart out.mp4",
            )
        )
    if not info.browser_playable:
        codecs = ", ".join(c for c in (info.video_codec, info.audio_codec) if c) or "unknown"
        problems.append(
            where.problem(
                "video-codec",
                f"'{name}' uses {codecs} in {info.container}, which browsers may not play",
                "video",
                severity=WARNING,
                hint="encode as H.264/AAC MP4: ffmpeg -i in -c:v libx264 -c:a aac "
                "-movflags +faststart out.mp4",
            )
        )
    return info


def _slides(
    lesson: Lesson, where: _Where, problems: list[Problem], cache: BuildCache | None
) -> SlideDeck | None:
    deck = cache.slides(lesson.slides) if cache else None
    if deck is None:
        try:
            deck = read_slides(lesson.slides)
        except SlidesError as exc:
            problems.append(where.problem(exc.code, exc.message, "slides", hint=exc.hint))
            return None
        if cache:
            cache.put_slides(lesson.slides, deck)

    def deck_problem(code: str, message: str, hint: str, severity: Severity = ERROR) -> Problem:
        return Problem(
            code,
            message,
            severity=severity,
            file=lesson.slides,
            path=f"{lesson.yaml_path}.slides",
            lesson=lesson.id,
            hint=hint,
        )

    if not deck.slides:
        problems.append(deck_problem("slides-empty", "the deck has no slides", "add the slides"))
    for slide in deck.slides:
        if slide.title is None:
            problems.append(
                deck_problem(
                    "slide-no-title",
                    f"slide {slide.number} has no title",
                    "give every slide a title in its title placeholder: it names the slide "
                    "in the player's navigation and for screen readers",
                )
            )
        missing = sum(1 for picture in slide.pictures if picture.needs_alt)
        if missing:
            problems.append(
                deck_problem(
                    "slide-picture-no-alt",
                    f"slide {slide.number} has {missing} picture{'s' if missing > 1 else ''} "
                    "without alt text (a file name does not count)",
                    "describe each picture (right-click > View Alt Text) or mark it decorative",
                    WARNING,
                )
            )
    return deck


def _slide_times(
    lesson: Lesson, deck: SlideDeck, video: VideoInfo | None, where: _Where
) -> Iterable[Problem]:
    times = lesson.slide_times
    if times is None:
        return
    if len(times) != deck.count:
        yield where.problem(
            "slide-times-count",
            f"slide_times has {len(times)} entr{'y' if len(times) == 1 else 'ies'} but the deck "
            f"has {deck.count} slide{'s' if deck.count != 1 else ''}",
            "slide_times",
            hint="give one time (in seconds) per slide, in order",
        )
    for i in range(1, len(times)):
        if times[i] <= times[i - 1]:
            yield where.problem(
                "slide-times-order",
                f"slide {i + 1} appears at {clock(times[i])}, not after slide {i} at "
                f"{clock(times[i - 1])}",
                "slide_times",
                hint="slide times must increase",
            )
    if video is not None:
        late = [(i, t) for i, t in enumerate(times) if t >= video.duration_s]
        for i, t in late:
            yield where.problem(
                "slide-times-range",
                f"slide {i + 1} appears at {clock(t)}, after the video ends at "
                f"{clock(video.duration_s)}",
                "slide_times",
                hint="every slide must appear while the video plays",
            )


def apply_severity(problems: Iterable[Problem], policy: Policy, course: Course) -> list[Problem]:
    """Apply ``policy.severity``: raise, lower or silence problems by code."""
    overrides = policy.severity
    out: list[Problem] = []
    for code in sorted(set(overrides) & PROTECTED_CODES):
        out.append(
            Problem(
                "policy-severity",
                f"the severity of '{code}' cannot be changed: it means a file cannot be used",
                severity=WARNING,
                file=course.file,
                line=course.source.line_of(("policy", "severity", code)),
                path=f"policy.severity.{code}",
                hint="remove this line",
            )
        )
    for problem in problems:
        wanted = overrides.get(problem.code)
        if wanted is None or problem.code in PROTECTED_CODES:
            out.append(problem)
        elif wanted in (ERROR, WARNING):
            out.append(replace(problem, severity=wanted))
    return out
