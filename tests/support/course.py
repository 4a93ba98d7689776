"""Generate complete, valid courses for tests; broken fixtures start from one and change a part."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.support.captions import make_vtt
from tests.support.media import make_video
from tests.support.slides import make_deck

_VIDEO_CACHE = Path(tempfile.gettempdir()) / "mooc-builder-test-videos"


def cached_video(duration_s: float, container: str = "mp4", **kw: object) -> Path:
    """A generated video reused across tests (generation is the slow part of fixtures)."""
    key = "-".join([f"{duration_s:g}", container, *(f"{k}={v}" for k, v in sorted(kw.items()))])
    suffix = {"fmp4": "mp4", "mkv": "mkv"}.get(container, container)
    path = _VIDEO_CACHE / f"{key}.{suffix}"
    if not path.exists():
        _VIDEO_CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp." + suffix)
        make_video(tmp, duration_s, container=container, fps=5, **kw)  # type: ignore[arg-type]
        tmp.replace(path)
    return path


def lesson_yaml(n: int, languages: tuple[str, ...] = ("vi", "en")) -> str:
    """The course.yaml entry of lesson ``n`` (1-based), as written by :func:`make_course`."""
    caps = "".join(f"\n      {lang}: captions/lesson-{n}.{lang}.vtt" for lang in languages)
    return (
        f"  - id: lesson-{n}\n"
        f"    title: {{vi: Bài {n}, en: Lesson {n}}}\n"
        f"    video: media/lesson-{n}.mp4\n"
        f"    slides: slides/lesson-{n}.pptx\n"
        f"    slide_times: [0, 60, 120]\n"
        f"    captions:{caps}\n"
    )


def course_yaml(lessons: int = 1, languages: tuple[str, ...] = ("vi", "en")) -> str:
    """A valid course.yaml for :func:`make_course`."""
    head = (
        "id: test-course\n"
        "title: {vi: Khoá học thử, en: Test course}\n"
        "description: {vi: Mô tả, en: Description}\n"
        "language: vi\n"
        "activity_base: https://training.example.org/xapi/activities/\n"
        "policy:\n"
        "  captions:\n"
        f"    languages: [{', '.join(languages)}]\n"
        "lessons:\n"
    )
    return head + "".join(lesson_yaml(n, languages) for n in range(1, lessons + 1))


def make_course(
    root: Path,
    *,
    lessons: int = 1,
    duration_s: float = 200.0,
    languages: tuple[str, ...] = ("vi", "en"),
) -> Path:
    """Write a course that passes ``mooc check --strict`` and return its folder."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.yaml").write_text(course_yaml(lessons, languages), encoding="utf-8")
    video = cached_video(duration_s)
    for n in range(1, lessons + 1):
        target = root / "media" / f"lesson-{n}.mp4"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(video, target)
        make_deck(root / "slides" / f"lesson-{n}.pptx", picture_alt=["Biểu tượng"])
        for lang in languages:
            make_vtt(root / "captions" / f"lesson-{n}.{lang}.vtt", duration_s, lang)
    return root


def edit(file: Path, old: str, new: str) -> None:
    """Replace one exact occurrence of ``old`` in ``file`` (fails loudly if absent)."""
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(file: Path, needle: str) -> int:
    """1-based line number of the first line containing ``needle``."""
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {file}")


def make_short_course(root: Path, duration_s: float = 30.0) -> Path:
    """A two-lesson course of short videos (quick to play in a browser).

    The policy allows short lessons; lesson 1 has slide times, lesson 2 none (slides are
    turned by hand).
    """
    make_course(root, lessons=2, duration_s=duration_s)
    yaml_file = root / "course.yaml"
    edit(yaml_file, "policy:\n", "policy:\n  duration: {min_s: 10, max_s: 300}\n")
    third = round(duration_s / 3, 3)
    edit(yaml_file, "slide_times: [0, 60, 120]", f"slide_times: [0, {third:g}, {2 * third:g}]")
    edit(yaml_file, "    slide_times: [0, 60, 120]\n", "")
    return root
