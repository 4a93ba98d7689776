"""The broken-course suite: one generated fixture per failure kind.

Each case starts from a course that passes ``mooc check --strict``, breaks one thing the way a
designer would, and asserts the problem's code, severity, file and line.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mooc_builder.check import check_course
from mooc_builder.errors import Problem
from tests.support.captions import vtt_text
from tests.support.course import cached_video, edit, line_of, make_course
from tests.support.slides import make_deck

YAML = "course.yaml"
VTT_VI = "captions/lesson-1.vi.vtt"
VTT_EN = "captions/lesson-1.en.vtt"
DECK = "slides/lesson-1.pptx"
VIDEO = "media/lesson-1.mp4"


@dataclass(frozen=True)
class Expect:
    code: str
    file: str
    line: int | None
    severity: str = "error"
    message: str | None = None
    """A fragment the message must contain."""


Breaker = Callable[[Path], Expect]
CASES: dict[str, Breaker] = {}


def case(func: Breaker) -> Breaker:
    CASES[func.__name__] = func
    return func


@pytest.fixture(scope="module")
def good_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("good") / "course")


def test_good_course_passes_strict(good_course: Path) -> None:
    report = check_course(good_course)
    assert [p.format() for p in report.problems] == []
    assert report.ok(strict=True)


# --- course.yaml ---------------------------------------------------------------------------


@case
def yaml_syntax(root: Path) -> Expect:
    edit(root / YAML, "language: vi\n", "language: vi\n  bad: [indent\n")
    return Expect("yaml-syntax", YAML, 5)


@case
def yaml_duplicate_key(root: Path) -> Expect:
    edit(root / YAML, "language: vi\n", "language: vi\nlanguage: en\n")
    return Expect("yaml-duplicate-key", YAML, 5, message="first one is at line 4")


@case
def schema_missing_video(root: Path) -> Expect:
    edit(root / YAML, "    video: media/lesson-1.mp4\n", "")
    return Expect("schema", YAML, line_of(root / YAML, "- id: lesson-1"), message="'video'")


@case
def schema_course_id_starts_with_digit(root: Path) -> Expect:
    edit(root / YAML, "id: test-course", "id: 2026-course")
    return Expect("schema", YAML, 1)


@case
def schema_unknown_key(root: Path) -> Expect:
    edit(root / YAML, "    slides: slides/lesson-1.pptx\n", "    slide: slides/lesson-1.pptx\n")
    return Expect("schema", YAML, line_of(root / YAML, "slide: "), message="'slide'")


@case
def schema_activity_base_without_slash(root: Path) -> Expect:
    edit(root / YAML, "xapi/activities/", "xapi/activities")
    return Expect("schema", YAML, 5)


@case
def schema_bad_language_tag(root: Path) -> Expect:
    edit(root / YAML, "language: vi", "language: Vietnamese")
    return Expect("schema", YAML, 4)


@case
def schema_norway_problem(root: Path) -> Expect:
    edit(root / YAML, "language: vi", "language: no")
    return Expect("schema", YAML, 4, message="true/false")


@case
def duplicate_lesson_id(root: Path) -> Expect:
    text = (root / YAML).read_text(encoding="utf-8")
    (root / YAML).write_text(text + text[text.index("  - id: lesson-1") :], encoding="utf-8")
    lines = (root / YAML).read_text(encoding="utf-8").splitlines()
    second = [n for n, ln in enumerate(lines, 1) if "- id: lesson-1" in ln][1]
    return Expect("lesson-duplicate-id", YAML, second)


@case
def missing_video_file(root: Path) -> Expect:
    (root / VIDEO).unlink()
    return Expect("file-missing", YAML, line_of(root / YAML, "video:"))


@case
def wrong_case_file_name(root: Path) -> Expect:
    (root / VIDEO).rename(root / "media" / "Lesson-1.mp4")
    return Expect("file-missing", YAML, line_of(root / YAML, "video:"))


@case
def file_outside_course(root: Path) -> Expect:
    shutil.copyfile(root / VIDEO, root.parent / "outside.mp4")
    edit(root / YAML, "video: media/lesson-1.mp4", "video: ../outside.mp4")
    return Expect("file-outside-course", YAML, line_of(root / YAML, "video:"))


@case
def slides_not_pptx(root: Path) -> Expect:
    (root / "slides" / "lesson-1.ppt").write_bytes(b"\xd0\xcf\x11\xe0")
    edit(root / YAML, "slides/lesson-1.pptx", "slides/lesson-1.ppt")
    return Expect("file-type", YAML, line_of(root / YAML, "slides:"))


@case
def missing_caption_language(root: Path) -> Expect:
    edit(root / YAML, "      en: captions/lesson-1.en.vtt\n", "")
    return Expect("captions-missing-language", YAML, line_of(root / YAML, "    captions:"))


@case
def yaml_text_not_nfc(root: Path) -> Expect:
    edit(root / YAML, "Khoá học thử", unicodedata.normalize("NFD", "Khoá học thử"))
    return Expect("text-not-nfc", YAML, 2, severity="warning")


# --- video ---------------------------------------------------------------------------------


@case
def video_too_short(root: Path) -> Expect:
    shutil.copyfile(cached_video(100.0), root / VIDEO)
    (root / VTT_VI).write_text(vtt_text(100.0, "vi"), encoding="utf-8")
    (root / VTT_EN).write_text(vtt_text(100.0, "en"), encoding="utf-8")
    edit(root / YAML, "[0, 60, 120]", "[0, 30, 60]")
    return Expect(
        "video-too-short", YAML, line_of(root / YAML, "video:"), message="lasts 1:40, below"
    )


@case
def video_too_long(root: Path) -> Expect:
    shutil.copyfile(cached_video(310.0), root / VIDEO)
    return Expect("video-too-long", YAML, line_of(root / YAML, "video:"), message="5:10")


@case
def video_not_faststart(root: Path) -> Expect:
    shutil.copyfile(cached_video(200.0, faststart=False), root / VIDEO)
    return Expect("video-not-faststart", YAML, line_of(root / YAML, "video:"), "warning")


@case
def video_truncated(root: Path) -> Expect:
    data = (root / VIDEO).read_bytes()
    (root / VIDEO).write_bytes(data[: len(data) // 3])
    return Expect("video-truncated", YAML, line_of(root / YAML, "video:"))


@case
def video_unknown_container(root: Path) -> Expect:
    (root / VIDEO).write_bytes(b"%PDF-1.7\n" + b"\0" * 2000)
    return Expect("video-unknown-container", YAML, line_of(root / YAML, "video:"))


@case
def video_webm_without_duration(root: Path) -> Expect:
    # A WebM whose header never got its Duration (as live recorders write them).
    data = bytearray(cached_video(200.0, container="webm").read_bytes())
    info = data.find(b"\x15\x49\xa9\x66")  # Segment > Info
    at = data.find(b"\x44\x89\x88", info)  # Duration, an 8-byte float
    assert info > 0
    assert at > info
    data[at : at + 11] = b"\xec\x89" + bytes(9)  # a Void element of the same 11 bytes
    (root / "media" / "lesson-1.webm").write_bytes(bytes(data))
    edit(root / YAML, "media/lesson-1.mp4", "media/lesson-1.webm")
    return Expect("video-no-duration", YAML, line_of(root / YAML, "video:"))


# --- captions ------------------------------------------------------------------------------


@case
def vtt_missing_signature(root: Path) -> Expect:
    edit(root / VTT_VI, "WEBVTT\n", "WEBVT\n")
    return Expect("vtt-signature", VTT_VI, 1)


@case
def vtt_bad_timestamp(root: Path) -> Expect:
    edit(root / VTT_VI, "00:00:04.500 --> 00:00:08.500", "00:00:04.500 --> 00:0:08.500")
    return Expect("vtt-timing", VTT_VI, line_of(root / VTT_VI, "00:0:08.500"))


@case
def vtt_end_before_start(root: Path) -> Expect:
    edit(root / VTT_VI, "00:00:04.500 --> 00:00:08.500", "00:00:04.500 --> 00:00:04.000")
    return Expect(
        "vtt-end-before-start", VTT_VI, line_of(root / VTT_VI, "00:00:04.500 --> 00:00:04.000")
    )


@case
def caption_overlap(root: Path) -> Expect:
    edit(root / VTT_EN, "00:00:04.500 --> 00:00:08.500", "00:00:03.500 --> 00:00:08.500")
    return Expect("caption-overlap", VTT_EN, line_of(root / VTT_EN, "00:00:03.500 -->"))


@case
def caption_too_fast(root: Path) -> Expect:
    edit(
        root / VTT_VI,
        "Quyền con người là quyền của mọi người 2\n",
        "Quyền con người\nlà quyền của mọi người, ở mọi nơi 2\n",
    )
    edit(root / VTT_VI, "00:00:04.500 --> 00:00:08.500", "00:00:04.500 --> 00:00:06.000")
    return Expect("caption-cps", VTT_VI, line_of(root / VTT_VI, "00:00:04.500 -->"), "warning")


@case
def caption_line_too_long(root: Path) -> Expect:
    edit(
        root / VTT_EN,
        "Human rights belong to every person 3\n",
        "Human rights belong to every person, everywhere 3\n",
    )
    return Expect(
        "caption-line-length", VTT_EN, line_of(root / VTT_EN, "00:00:09.000 -->"), "warning"
    )


@case
def caption_after_video_end(root: Path) -> Expect:
    text = (root / VTT_VI).read_text(encoding="utf-8")
    (root / VTT_VI).write_text(
        text + "\n99\n00:03:20.200 --> 00:03:25.000\nHết giờ\n", encoding="utf-8"
    )
    return Expect("caption-after-end", VTT_VI, line_of(root / VTT_VI, "00:03:20.200 -->"))


@case
def caption_not_utf8(root: Path) -> Expect:
    line = line_of(root / VTT_EN, "every person 5")
    data = (root / VTT_EN).read_bytes().replace(b"every person 5", b"every p\xe9rson 5")
    (root / VTT_EN).write_bytes(data)
    return Expect("caption-encoding", VTT_EN, line)


@case
def caption_not_nfc(root: Path) -> Expect:
    nfd = unicodedata.normalize("NFD", "Quyền con người là quyền của mọi người 7")
    edit(root / VTT_VI, "Quyền con người là quyền của mọi người 7\n", nfd + "\n")
    line = line_of(root / VTT_VI, nfd)
    return Expect("caption-not-nfc", VTT_VI, line, "warning")


@case
def caption_gap_in_coverage(root: Path) -> Expect:
    text = (root / VTT_EN).read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    kept = [b for b in blocks if not any(f"\n{n}\n" in f"\n{b}\n" for n in range(10, 14))]
    (root / VTT_EN).write_text("\n\n".join(kept), encoding="utf-8")
    return Expect(
        "caption-uncovered", VTT_EN, line_of(root / VTT_EN, "00:00:58.500 -->"), "warning"
    )


# --- slides --------------------------------------------------------------------------------


@case
def slide_without_title(root: Path) -> Expect:
    make_deck(root / DECK, ["Mở đầu", None, "Tổng kết"])
    return Expect("slide-no-title", DECK, None, message="slide 2")


@case
def picture_without_alt_text(root: Path) -> Expect:
    make_deck(root / DECK, picture_alt=["Biểu tượng", None])
    return Expect("slide-picture-no-alt", DECK, None, "warning", message="slide 2")


@case
def picture_alt_text_is_a_file_name(root: Path) -> Expect:
    make_deck(root / DECK, picture_alt=["IMG_2041.JPG"])
    return Expect("slide-picture-no-alt", DECK, None, "warning", message="slide 1")


@case
def slides_corrupt(root: Path) -> Expect:
    (root / DECK).write_bytes(b"PK\x03\x04 not really a zip")
    return Expect("slides-corrupt", YAML, line_of(root / YAML, "slides:"))


@case
def slide_times_count(root: Path) -> Expect:
    edit(root / YAML, "[0, 60, 120]", "[0, 60]")
    return Expect("slide-times-count", YAML, line_of(root / YAML, "slide_times"))


@case
def slide_times_order(root: Path) -> Expect:
    edit(root / YAML, "[0, 60, 120]", "[0, 120, 60]")
    return Expect("slide-times-order", YAML, line_of(root / YAML, "slide_times"))


@case
def slide_times_after_video(root: Path) -> Expect:
    edit(root / YAML, "[0, 60, 120]", "[0, 60, 250]")
    return Expect("slide-times-range", YAML, line_of(root / YAML, "slide_times"))


# --- the test ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_course(name: str, good_course: Path, tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(good_course, root)
    expect = CASES[name](root)
    report = check_course(root)
    found = [
        p
        for p in report.problems
        if p.code == expect.code and (expect.message is None or expect.message in p.message)
    ]
    assert found, f"no {expect.code} among:\n" + "\n".join(p.format() for p in report.problems)
    problem: Problem = found[0]
    assert problem.severity == expect.severity, problem.format()
    assert problem.file == (root / expect.file).resolve(), problem.format()
    assert problem.line == expect.line, problem.format()
    if expect.message:
        assert expect.message in problem.message, problem.format()
    assert problem.hint, f"{problem.code} gives no hint on what to do"
    assert report.ok() is (expect.severity != "error")
    assert not report.ok(strict=True)
