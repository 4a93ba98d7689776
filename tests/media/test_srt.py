"""The strict SubRip parser: cues, and every problem with its line."""

from __future__ import annotations

import pytest

from mooc_builder.errors import ERROR, WARNING
from mooc_builder.media.srt import parse_srt
from mooc_builder.media.webvtt import ParsedCaptions


def found(parsed: ParsedCaptions) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in parsed.problems]


def cues(parsed: ParsedCaptions) -> list[tuple[str, int, int, str, int]]:
    return [(c.id, c.start_ms, c.end_ms, c.text, c.line) for c in parsed.cues]


GOOD = """1
00:00:01,000 --> 00:00:04,000
Xin chào
các bạn

2
00:00:05,000 --> 00:00:06,500 X1:100 X2:600 Y1:50 Y2:80
<i>Hôm nay</i> <font color="#ffff00">chúng ta</font>

"""


def test_good_file() -> None:
    parsed = parse_srt(GOOD)
    assert parsed.format == "srt"
    assert parsed.problems == ()
    assert parsed.regions == ()
    assert cues(parsed) == [
        ("1", 1000, 4000, "Xin chào\ncác bạn", 2),
        ("2", 5000, 6500, '<i>Hôm nay</i> <font color="#ffff00">chúng ta</font>', 7),
    ]
    second = parsed.cues[1]
    assert second.text_lines == ["Hôm nay chúng ta"]
    assert (second.align, second.line_position, second.position, second.size) == (
        "center",
        None,
        None,
        100.0,
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_bom_line_ends_and_no_final_blank_line(newline: str) -> None:
    text = "\ufeff1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03,000 --> 00:00:04,000\nB"
    parsed = parse_srt(text.replace("\n", newline))
    assert parsed.problems == ()
    assert cues(parsed) == [("1", 1000, 2000, "A", 2), ("2", 3000, 4000, "B", 6)]


def test_whitespace_only_separator_and_extra_blank_lines() -> None:
    text = (
        "\n\n1\n00:00:01,000 --> 00:00:02,000\nA\n  \n\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n\n\n"
    )
    parsed = parse_srt(text)
    assert parsed.problems == ()
    assert [c.line for c in parsed.cues] == [4, 10]


def test_decimal_point_is_one_warning() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03.000 --> 00:00:04.000\nB\n\n"
        "3\n00:00:05,000 --> 00:00:06.000\nC\n"
    )
    parsed = parse_srt(text)
    assert found(parsed) == [("srt-decimal", 6)]
    problem = parsed.problems[0]
    assert problem.severity == WARNING
    assert "2 timing lines" in problem.message
    assert [c.start_ms for c in parsed.cues] == [1000, 3000, 5000]


def test_missing_number_keeps_the_cue() -> None:
    parsed = parse_srt("00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert found(parsed) == [("srt-index", 1)]
    assert cues(parsed) == [("1", 1000, 2000, "A", 1), ("2", 3000, 4000, "B", 5)]


def test_bad_number_before_a_timing_line() -> None:
    parsed = parse_srt(
        "x1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n"
    )
    assert found(parsed) == [("srt-index", 1)]
    assert [c.text for c in parsed.cues] == ["A", "B"]


def test_numbers_out_of_sequence() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nA\n\n3\n00:00:03,000 --> 00:00:04,000\nB\n\n"
        "4\n00:00:05,000 --> 00:00:06,000\nC\n"
    )
    parsed = parse_srt(text)
    assert found(parsed) == [("srt-index", 5)]
    assert "cue number 3 where 2 was expected" in parsed.problems[0].message
    assert len(parsed.cues) == 3


def test_text_block_without_number_or_timing() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nA\n\nafter a blank line\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nB\n"
    )
    parsed = parse_srt(text)
    assert found(parsed) == [("srt-index", 5)]
    assert "blank line" in (parsed.problems[0].hint or "")
    assert [c.text for c in parsed.cues] == ["A", "B"]


@pytest.mark.parametrize(
    ("timing", "fragment"),
    [
        ("00:00:01,000 -> 00:00:02,000", "'-->'"),
        ("00:00:01,000 --> 00:0:02,000", "end time '00:0:02,000': minutes must be two digits"),
        ("0:1:01,000 --> 00:00:02,000", "start time '0:1:01,000': minutes must be two digits"),
        ("00:00:1,000 --> 00:00:02,000", "seconds must be two digits"),
        ("00:00:01,00 --> 00:00:02,000", "milliseconds must be three digits"),
        ("00:00:01 --> 00:00:02,000", "expected ','"),
        ("00:01,000 --> 00:00:02,000", "expected HH:MM:SS,mmm"),
        ("00:00:61,000 --> 00:01:02,000", "seconds must be 00-59"),
        ("00:60:00,000 --> 01:00:02,000", "minutes must be 00-59"),
        ("00:00:01,000 --> ", "end time '': missing"),
        ("00:00:01,000 --> 00:00:02,000x", "end time"),
    ],
)
def test_bad_timing_drops_the_cue(timing: str, fragment: str) -> None:
    text = (
        f"1\n00:00:00,000 --> 00:00:00,500\nok\n\n2\n{timing}\nlost\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nlast\n"
    )
    parsed = parse_srt(text)
    assert found(parsed) == [("srt-timing", 6)]
    assert fragment in parsed.problems[0].message
    assert parsed.problems[0].severity == ERROR
    assert [c.text for c in parsed.cues] == ["ok", "last"]


def test_number_without_timing_line() -> None:
    parsed = parse_srt("1\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n\n3\n")
    assert found(parsed) == [("srt-timing", 1), ("srt-timing", 7)]
    assert [c.text for c in parsed.cues] == ["B"]


def test_end_before_start_and_order() -> None:
    text = (
        "1\n00:00:05,000 --> 00:00:04,000\nA\n\n2\n00:00:03,000 --> 00:00:06,000\nB\n\n"
        "3\n00:00:07,000 --> 00:00:07,000\nC\n"
    )
    parsed = parse_srt(text)
    assert found(parsed) == [
        ("srt-end-before-start", 2),
        ("srt-order", 6),
        ("srt-end-before-start", 10),
    ]
    assert "line 2" in parsed.problems[1].message
    assert len(parsed.cues) == 3


def test_missing_blank_line_before_a_number() -> None:
    parsed = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert found(parsed) == [("srt-index", 4)]
    assert cues(parsed) == [("1", 1000, 2000, "A", 2), ("2", 3000, 4000, "B", 5)]


def test_missing_blank_line_and_number() -> None:
    parsed = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nA\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert found(parsed) == [("srt-index", 4)]
    assert cues(parsed) == [("1", 1000, 2000, "A", 2), ("2", 3000, 4000, "B", 4)]


def test_numbers_in_text_stay_text() -> None:
    parsed = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nChapter\n2\nfollows\n")
    assert parsed.problems == ()
    assert parsed.cues[0].text == "Chapter\n2\nfollows"


def test_webvtt_named_srt() -> None:
    parsed = parse_srt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n")
    assert parsed.problems[0].code == "srt-index"
    assert parsed.problems[0].line == 1
    assert ".vtt" in (parsed.problems[0].hint or "")


def test_nul_is_reported() -> None:
    parsed = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nA\x00\n")
    assert found(parsed) == [("caption-encoding", 3)]
    assert parsed.cues[0].text == "A\ufffd"


def test_empty_file_has_no_cues_and_no_parse_problems() -> None:
    assert parse_srt("") == ParsedCaptions("srt", (), (), ())


def test_huge_digit_runs_are_reported_not_fatal() -> None:
    digits = "9" * 5000  # beyond Python's int() limit of 4300 digits
    parsed = parse_srt(f"{digits}\n{digits}:00:00,000 --> 00:00:01,000\nx\n")
    assert found(parsed) == [("srt-index", 1)]
    assert parsed.cues == ()
