"""The caption API: reading files, quality rules, convert and normalise."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mooc_builder.course.model import CaptionPolicy
from mooc_builder.errors import ERROR, WARNING, MoocError, Problem, UsageError
from mooc_builder.media.captions import (
    CaptionQuality,
    Cue,
    ParsedCaptions,
    check_caption_quality,
    convert_captions,
    normalize_captions,
    parse_srt,
    parse_webvtt,
    read_captions,
    webvtt_bytes,
)
from mooc_builder.text import graphemes

POLICY = CaptionPolicy()


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def found(problems: Sequence[Problem]) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in problems]


def cue(start_ms: int, end_ms: int, text: str = "Xin chào", line: int = 1) -> Cue:
    return Cue(id="", start_ms=start_ms, end_ms=end_ms, text=text, line=line)


def quality(*cues: Cue, duration_s: float | None = None, **kw: Any) -> CaptionQuality:
    policy = replace(POLICY, **kw)
    return check_caption_quality(cues, policy, duration_s)


def codes(result: CaptionQuality) -> list[tuple[str, int | None]]:
    return found(result.problems)


# --- read_captions ------------------------------------------------------------------------------

VTT = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nXin chào\n"
SRT = "1\n00:00:01,000 --> 00:00:04,000\nXin chào\n"


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.vtt", VTT, "webvtt"),
        ("a.VTT", VTT, "webvtt"),
        ("a.srt", SRT, "srt"),
        ("a.txt", VTT, "webvtt"),
        ("a.txt", SRT, "srt"),
    ],
)
def test_read_picks_the_parser(tmp_path: Path, name: str, content: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    parsed = read_captions(path)
    assert parsed.format == fmt
    assert parsed.problems == ()
    assert [(c.start_ms, c.end_ms, c.text) for c in parsed.cues] == [(1000, 4000, "Xin chào")]


def test_vtt_suffix_means_webvtt_rules(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    path.write_text(SRT, encoding="utf-8")
    parsed = read_captions(path)
    assert found(parsed.problems) == [("vtt-signature", 1)]
    assert parsed.cues == ()


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "a.vtt"
    if kind == "directory":
        path.mkdir()
    parsed = read_captions(path)
    assert found(parsed.problems) == [("caption-unreadable", None)]
    assert parsed.problems[0].severity == ERROR
    assert parsed.problems[0].hint
    assert parsed.cues == ()


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_invalid_utf8_names_the_line(tmp_path: Path, newline: bytes) -> None:
    data = (
        b"WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n"
        b"00:03.000 --> 00:04.000\nQuy\xe1\xbb\x81n v\xe0 ngh\xe9a\n"
    )
    path = tmp_path / "a.vtt"
    path.write_bytes(data.replace(b"\n", newline))
    parsed = read_captions(path)
    assert found(parsed.problems) == [("caption-encoding", 7)]
    problem = parsed.problems[0]
    assert "0xE0" in problem.message
    assert "2 invalid bytes" in problem.message
    assert "UTF-8" in (problem.hint or "")
    # read on as a browser would: bad bytes become U+FFFD
    assert parsed.cues[1].text == "Quyền v\ufffd ngh\ufffda"


def test_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    path.write_bytes(VTT.encode("utf-16"))
    parsed = read_captions(path)
    assert found(parsed.problems) == [("caption-encoding", 1)]
    assert "UTF-16" in parsed.problems[0].message
    assert parsed.cues == ()


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    path.write_bytes(b"\xef\xbb\xbf" + VTT.encode())
    assert read_captions(path).problems == ()


def test_nfd_text_gives_one_warning_and_nfc_cues(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\nXin chao\n\n"
        f"{nfd('Lời mở đầu')}\n00:03.000 --> 00:04.000\n{nfd('Quyền con người')}\n\n"
        f"00:05.000 --> 00:06.000\n{nfd('Việt Nam')}\n"
    )
    path = tmp_path / "a.vtt"
    path.write_text(text, encoding="utf-8")
    parsed = read_captions(path)
    assert found(parsed.problems) == [("caption-not-nfc", 6)]
    problem = parsed.problems[0]
    assert problem.severity == WARNING
    assert problem.hint == "run `mooc captions normalize FILE`"
    assert parsed.cues[1].id == "Lời mở đầu"
    assert parsed.cues[1].text == "Quyền con người"
    assert parsed.cues[2].text == "Việt Nam"
    assert "Việt" in parsed.cues[2].plain_text


def test_tone_placement_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    path.write_text(f"WEBVTT\n\n00:01.000 --> 00:02.000\n{nfd('hòa')} hoà\n", encoding="utf-8")
    assert read_captions(path).cues[0].text == "hòa hoà"  # NFC does not move tone marks


# --- quality rules ------------------------------------------------------------------------------


def test_good_cues_give_no_problems() -> None:
    result = quality(cue(0, 4000, line=3), cue(4500, 8000, line=7), duration_s=8.0)
    assert result == CaptionQuality((), 1000 * 7.5 / 8000, ())


def test_no_cues() -> None:
    result = quality(duration_s=200.0)
    assert codes(result) == [("caption-empty", None)]
    assert result.problems[0].severity == ERROR
    assert result.coverage == 0.0
    assert result.uncovered == ((0.0, 200.0),)
    assert quality().coverage is None


def test_cps_at_and_over_the_limit() -> None:
    at = quality(cue(0, 4000, "a" * 34 + "\n" + "b" * 34))  # 68 / 4 s = 17.0
    assert codes(at) == []
    over = quality(cue(0, 4000, "a" * 35 + "\n" + "b" * 34, line=12))
    assert codes(over) == [("caption-cps", 12)]
    problem = over.problems[0]
    assert problem.severity == WARNING
    assert problem.message == (
        "cue shows 69 characters in 4.000 s: 17.2 characters per second, above 17"
    )
    assert "split the cue or lengthen it" in (problem.hint or "")


def test_cps_counts_what_is_shown() -> None:
    text = "<v Lan><i>" + "x" * 30 + "</i>&amp;</v>"  # 31 shown characters
    assert codes(quality(cue(0, 2000, text))) == []  # 15.5 cps
    assert codes(quality(cue(0, 1800, text))) == [("caption-cps", 1)]  # 17.2 cps


def test_line_length_at_and_over_the_limit() -> None:
    assert codes(quality(cue(0, 4000, "a" * 42))) == []
    over = quality(cue(0, 4000, "short\n" + "b" * 43, line=5))
    assert codes(over) == [("caption-line-length", 5)]
    assert "line 2 of the cue has 43 characters, above 42" in over.problems[0].message


def test_line_length_counts_graphemes_after_nfc() -> None:
    # ơ̆ (o-horn + breve) stays two code points after NFC: one character on screen.
    letter = unicodedata.normalize("NFC", "o\u031b\u0306")
    assert len(letter) == 2
    assert graphemes(letter) == 1
    assert codes(quality(cue(0, 5000, nfd(letter) * 42))) == []  # 126 code points in NFD
    assert codes(quality(cue(0, 5000, letter * 43))) == [("caption-line-length", 1)]
    vietnamese = nfd("Quyền con người là quyền của mọi người, ở")  # 42 graphemes
    assert len(vietnamese) > 42
    assert codes(quality(cue(0, 5000, vietnamese))) == []


def test_lines_at_and_over_the_limit() -> None:
    assert codes(quality(cue(0, 4000, "một\nhai"))) == []
    over = quality(cue(0, 4000, "một\nhai\nba", line=9))
    assert codes(over) == [("caption-lines", 9)]
    assert "3 lines, above 2" in over.problems[0].message


def test_duration_limits() -> None:
    assert codes(quality(cue(0, 833, "ok"))) == []
    assert codes(quality(cue(0, 832, "ok", line=4))) == [("caption-too-short", 4)]
    assert codes(quality(cue(0, 7000))) == []
    long = quality(cue(0, 7001, line=8))
    assert codes(long) == [("caption-too-long", 8)]
    assert long.problems[0].message == "cue lasts 7.001 s, above 7 s"


def test_gap_in_frames() -> None:
    first = cue(0, 1000, line=1)
    assert codes(quality(first, cue(1080, 2000, line=5))) == []  # 2 frames at 25 fps
    short = quality(first, cue(1079, 2000, line=5))
    assert codes(short) == [("caption-gap", 5)]
    assert "0.079 s (2.0 frames at 25 fps)" in short.problems[0].message
    assert "0:01.000" in short.problems[0].message
    assert codes(quality(first, cue(1000, 2000, line=5))) == [("caption-gap", 5)]
    assert codes(quality(first, cue(1000, 2000), min_gap_frames=0)) == []
    at_50 = check_caption_quality([first, cue(1040, 2000, line=5)], POLICY, None, fps=50)
    assert codes(at_50) == []
    at_50 = check_caption_quality([first, cue(1039, 2000, line=5)], POLICY, None, fps=50)
    assert codes(at_50) == [("caption-gap", 5)]


def test_overlap() -> None:
    result = quality(cue(0, 1000, line=3), cue(999, 2000, line=7))
    assert codes(result) == [("caption-overlap", 7)]
    problem = result.problems[0]
    assert problem.severity == ERROR
    assert (
        problem.message == "the cue starts at 0:00.999, before the cue at line 3 ends at 0:01.000"
    )


def test_overlap_with_a_long_earlier_cue() -> None:
    result = quality(
        cue(0, 6000, line=1), cue(1000, 2000, line=5), cue(3000, 4000, line=9), duration_s=6.0
    )
    assert codes(result) == [("caption-overlap", 5), ("caption-overlap", 9)]
    assert "line 1" in result.problems[1].message


def test_after_end() -> None:
    assert codes(quality(cue(25000, 30000), duration_s=30.0, max_uncovered_s=60)) == []
    result = quality(cue(25000, 30001, line=6), duration_s=30.0, max_uncovered_s=60)
    assert codes(result) == [("caption-after-end", 6)]
    assert result.problems[0].message == (
        "the cue ends at 0:30.001, after the video ends at 0:30.000"
    )
    late = quality(cue(0, 4000), cue(31000, 32000, line=6), duration_s=30.0, max_uncovered_s=60)
    assert codes(late) == [("caption-after-end", 6)]
    assert late.problems[0].message.startswith("the cue starts at 0:31.000, after the video")


def test_uncovered_stretches() -> None:
    cues = (
        cue(10_000, 14_000, line=3),  # 0:00-0:10 uncovered: exactly the limit, fine
        cue(14_500, 18_500, line=7),
        cue(28_501, 32_000, line=11),  # 10.001 s after the previous cue
        cue(32_500, 36_000, line=15),
    )
    result = quality(*cues, duration_s=46.001)  # 10.001 s after the last cue
    assert codes(result) == [("caption-uncovered", 11), ("caption-uncovered", 15)]
    assert result.uncovered == ((18.5, 28.501), (36.0, 46.001))
    assert result.problems[0].message == (
        "no caption from 0:18.500 to 0:28.501 (10.001 s), longer than 10 s"
    )
    assert "WCAG" in (result.problems[0].hint or "")


def test_uncovered_start() -> None:
    result = quality(cue(10_001, 14_000, line=3), duration_s=14.0)
    assert codes(result) == [("caption-uncovered", 3)]
    assert result.uncovered == ((0.0, 10.001),)


def test_uncovered_without_duration() -> None:
    result = quality(cue(0, 4000), cue(20_000, 24_000, line=5))
    assert codes(result) == [("caption-uncovered", 5)]
    assert result.coverage is None


def test_coverage_is_the_union_within_the_video() -> None:
    cues = (cue(0, 10_000), cue(5_000, 15_000), cue(20_000, 40_000))
    result = quality(*cues, duration_s=30.0)
    assert result.coverage == pytest.approx(25 / 30)
    assert result.uncovered == ()
    assert ("caption-overlap", 1) in codes(result)
    assert quality(*cues).coverage is None


def test_bad_cues_are_left_to_the_parser() -> None:
    """A cue that ends before it starts is the parser's error; timing rules skip it."""
    result = quality(cue(5000, 4000, line=1), cue(6000, 9000, line=5), duration_s=9.0)
    assert codes(result) == []
    assert result.coverage == pytest.approx(3 / 9)


def test_every_quality_problem_is_placed_and_explained() -> None:
    parsed = parse_webvtt(
        "WEBVTT\n\n00:00:12.000 --> 00:00:12.400\n"
        + "x" * 50
        + "\n\n00:00:12.300 --> 00:00:25.000\na\nb\nc\n"
    )
    result = check_caption_quality(parsed.cues, POLICY, 40.0)
    assert {p.code for p in result.problems} == {
        "caption-line-length",
        "caption-too-short",
        "caption-cps",
        "caption-overlap",
        "caption-lines",
        "caption-too-long",
        "caption-uncovered",
    }
    lines = {c.line for c in parsed.cues}
    for problem in result.problems:
        assert problem.line in lines, problem
        assert problem.hint, problem
        assert problem.file is None


# --- convert ------------------------------------------------------------------------------------

SRT_SOURCE = (
    "1\r\n00:00:01,000 --> 00:00:04,000\r\n<i>" + nfd("Quyền con người") + "</i>\r\n"
    "A --> B &amp; C\r\n\r\n"
    '2\r\n00:00:05.000 --> 00:00:07,500\r\n<font color="red">' + nfd("Việt Nam") + "</font>\r\n"
)


def test_convert_srt_to_vtt_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "in.srt"
    src.write_bytes(SRT_SOURCE.encode())
    dst = tmp_path / "out.vtt"
    parsed = convert_captions(src, dst)
    assert found(parsed.problems) == [("caption-not-nfc", 3), ("srt-decimal", 7)]
    data = dst.read_bytes()
    assert data.startswith(b"WEBVTT\n\n")
    assert b"\r" not in data
    assert data.endswith(b"\n")
    assert not data.endswith(b"\n\n")
    text = data.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    again = parse_webvtt(text)
    assert again.problems == ()
    assert [(c.id, c.start_ms, c.end_ms) for c in again.cues] == [
        (c.id, c.start_ms, c.end_ms) for c in parsed.cues
    ]
    assert [c.text_lines for c in again.cues] == [c.text_lines for c in parsed.cues]
    assert again.cues[0].text_lines == ["Quyền con người", "A --> B & C"]
    assert again.cues[1].text == "Việt Nam"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.srt", "out.vtt"]


def test_convert_vtt_to_srt(tmp_path: Path) -> None:
    src = tmp_path / "in.vtt"
    src.write_text(
        "WEBVTT\n\nSTYLE\n::cue { color: lime }\n\nNOTE kept out\n\n"
        "intro\n00:01.000 --> 00:04.000 align:start\n<v Lan><i.loud>Xin chào</i> &amp; &lt;3</v>\n"
        "<c.yellow>bạn</c>\n\n01:00:00.000 --> 01:00:02.000\nhết\n",
        encoding="utf-8",
    )
    dst = tmp_path / "out.srt"
    convert_captions(src, dst)
    text = dst.read_text(encoding="utf-8")
    assert text == (
        "1\n00:00:01,000 --> 00:00:04,000\n<i>Xin chào</i> & &lt;3\nbạn\n\n"
        "2\n01:00:00,000 --> 01:00:02,000\nhết\n\n"
    )
    again = parse_srt(text)
    assert again.problems == ()
    assert [c.text_lines for c in again.cues] == [["Xin chào & <3", "bạn"], ["hết"]]


def test_convert_vtt_to_vtt_keeps_settings_regions_and_styles(tmp_path: Path) -> None:
    source = (
        "WEBVTT\n\nREGION\nid:fred\nwidth:40% lines:4 regionanchor:0%,100%\n"
        "viewportanchor:10.5%,90% scroll:up\n\nSTYLE\n::cue { color: lime }\n\n"
        "a\n00:01.000 --> 00:04.000 region:fred align:left\nx\n\n"
        "00:05.000 --> 00:06.000 vertical:lr line:-1,center position:20%,line-right size:50%\ny\n\n"
        "00:07.000 --> 00:08.000 line:33.5%\nz\n\n"
        "00:09.000 --> 00:10.000 line:2 size:80% region:fred\nregion kept: it comes last\n"
    )
    src = tmp_path / "in.vtt"
    src.write_text(source, encoding="utf-8")
    dst = tmp_path / "out.vtt"
    parsed = convert_captions(src, dst)
    again = parse_webvtt(dst.read_text(encoding="utf-8"))
    # region + line + size on one cue is suspect (a warning) in the source and in the copy
    assert [p.code for p in parsed.problems] == ["vtt-setting"]
    assert [p.code for p in again.problems] == ["vtt-setting"]
    assert again.regions == parsed.regions
    assert again.styles == parsed.styles

    def facts(c: Cue) -> tuple[object, ...]:
        return (
            c.id, c.start_ms, c.end_ms, c.text, c.vertical, c.line_position, c.snap_to_lines,
            c.line_align, c.position, c.position_align, c.size, c.align, c.region,
        )  # fmt: skip

    assert [facts(c) for c in again.cues] == [facts(c) for c in parsed.cues]
    assert parsed.cues[-1].region is not None
    assert again.cues[-1].region is again.regions[0]


def test_convert_refuses_a_source_with_errors(tmp_path: Path) -> None:
    src = tmp_path / "in.srt"
    src.write_text("1\n00:00:01,000 --> 00:00:0,000\nx\n", encoding="utf-8")
    dst = tmp_path / "out.vtt"
    dst.write_bytes(b"old content")
    with pytest.raises(MoocError) as caught:
        convert_captions(src, dst)
    assert "not converted" in caught.value.message
    assert [(p.code, p.line, p.file) for p in caught.value.problems] == [("srt-timing", 2, src)]
    assert dst.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.srt", "out.vtt"]


def test_convert_needs_a_caption_suffix(tmp_path: Path) -> None:
    src = tmp_path / "in.srt"
    src.write_text(SRT, encoding="utf-8")
    with pytest.raises(UsageError):
        convert_captions(src, tmp_path / "out.txt")


def test_webvtt_bytes() -> None:
    parsed = parse_srt(SRT)
    assert webvtt_bytes(parsed) == "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nXin chào\n".encode()


def test_parsed_captions_is_reexported() -> None:
    assert ParsedCaptions is type(parse_srt(""))


# --- normalize ----------------------------------------------------------------------------------


def test_normalize_rewrites_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    messy = (
        "\ufeffWEBVTT  \r\n\r\n00:01.000 --> 00:02.000 \t\r\n"
        + nfd("Quyền con người")
        + "  \r\n\r\n\r\n"
    )
    path.write_bytes(messy.encode("utf-8"))
    assert normalize_captions(path) is True
    assert path.read_bytes() == "WEBVTT\n\n00:01.000 --> 00:02.000\nQuyền con người\n".encode()
    assert normalize_captions(path) is False
    assert read_captions(path).problems == ()


def test_normalize_keeps_cue_text_together(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    text = (
        "WEBVTT\n \n00:01.000 --> 00:02.000\nline one\n  \nline three\n   \n"
        "00:03.000 --> 00:04.000\nnext\n"
    )
    path.write_text(text, encoding="utf-8")
    before = parse_webvtt(text)
    assert normalize_captions(path) is True
    after = read_captions(path)
    assert after.problems == ()
    assert path.read_text(encoding="utf-8") == (
        "WEBVTT\n\n00:01.000 --> 00:02.000\nline one\nline three\n\n00:03.000 --> 00:04.000\nnext\n"
    )
    shown_before = [[line for line in c.text_lines if line] for c in before.cues]
    assert [c.text_lines for c in after.cues] == shown_before
    assert [c.start_ms for c in after.cues] == [c.start_ms for c in before.cues]


def test_normalize_srt(tmp_path: Path) -> None:
    path = tmp_path / "a.srt"
    path.write_bytes(
        b"1\r\n00:00:01,000 --> 00:00:02,000\r\nA \r\n \r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nB"
    )
    assert normalize_captions(path) is True
    assert (
        path.read_bytes()
        == b"1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n"
    )
    assert normalize_captions(path) is False


def test_normalize_refuses_non_utf8_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    data = b"WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nngh\xe9a  \r\n"
    path.write_bytes(data)
    with pytest.raises(MoocError) as caught:
        normalize_captions(path)
    assert [(p.code, p.line, p.file) for p in caught.value.problems] == [
        ("caption-encoding", 4, path)
    ]
    assert path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["a.vtt"]


def test_normalize_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.vtt"
    path.write_text("WEBVTT \n", encoding="utf-8")
    path.chmod(0o640)
    assert normalize_captions(path) is True
    assert path.stat().st_mode & 0o777 == 0o640


def test_failed_write_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.vtt"
    original = b"WEBVTT   \r\n"
    path.write_bytes(original)

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        normalize_captions(path)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["a.vtt"]
