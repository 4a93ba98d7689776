"""The strict WebVTT parser: cues as browsers build them, every problem with its line."""

from __future__ import annotations

import itertools
import time
import unicodedata

import pytest

from mooc_builder.errors import ERROR, WARNING
from mooc_builder.media.webvtt import (
    ParsedCaptions,
    _collect_timestamp,
    _timestamp,
    clock_ms,
    parse_webvtt,
)


def found(parsed: ParsedCaptions) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in parsed.problems]


def only(parsed: ParsedCaptions, code: str) -> list[int | None]:
    return [p.line for p in parsed.problems if p.code == code]


GOOD = """WEBVTT - lesson 1

NOTE made by hand
for the test

intro
00:00:01.000 --> 00:00:04.000
Xin chào
các bạn

00:04.500 --> 00:08.000 align:start line:-2
<v Lan>Hôm nay</v>
"""


def test_good_file_gives_cues_and_no_problems() -> None:
    parsed = parse_webvtt(GOOD)
    assert parsed.format == "webvtt"
    assert parsed.problems == ()
    first, second = parsed.cues
    assert (first.id, first.start_ms, first.end_ms, first.line) == ("intro", 1000, 4000, 7)
    assert first.text == "Xin chào\ncác bạn"
    assert (first.start, first.end) == (1.0, 4.0)
    assert (second.id, second.start_ms, second.end_ms, second.line) == ("", 4500, 8000, 11)
    assert second.align == "start"
    assert second.line_position == -2
    assert second.snap_to_lines is True
    assert second.text_lines == ["Hôm nay"]


def test_problems_have_hints_and_severities() -> None:
    text = "WEBVTT\nheader junk\n\n00:01.000 --> 00:00.500 foo\nx\n\nlost\n"
    parsed = parse_webvtt(text)
    assert found(parsed) == [
        ("vtt-header", 2),
        ("vtt-setting", 4),
        ("vtt-end-before-start", 4),
        ("vtt-orphan-text", 7),
    ]
    severities = {p.code: p.severity for p in parsed.problems}
    assert severities == {
        "vtt-header": WARNING,
        "vtt-end-before-start": ERROR,
        "vtt-setting": WARNING,
        "vtt-orphan-text": ERROR,
    }
    assert all(p.hint for p in parsed.problems)
    assert all(p.file is None and p.path is None for p in parsed.problems)


# --- signature and header ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("WEBVT\n\n00:01.000 --> 00:02.000\nx\n", "not the WEBVTT signature"),
        ("webvtt\n\n00:01.000 --> 00:02.000\nx\n", "capitals"),
        ("WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n", "followed by a space"),
        ("\n\nWEBVTT\n", "not the WEBVTT signature"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n", "not the WEBVTT signature"),
    ],
)
def test_signature_errors_give_no_cues(text: str, fragment: str) -> None:
    parsed = parse_webvtt(text)
    assert parsed.cues == ()
    assert found(parsed) == [("vtt-signature", 1)]
    assert fragment in parsed.problems[0].message


def test_signature_hint_spots_subrip() -> None:
    parsed = parse_webvtt("1\n00:00:01,000 --> 00:00:02,000\nx\n")
    assert "SubRip" in (parsed.problems[0].hint or "")


@pytest.mark.parametrize(
    "text", ["WEBVTT", "WEBVTT\n", "WEBVTT \n", "WEBVTT\t- title\n\n", "\ufeffWEBVTT\n\n"]
)
def test_valid_signatures(text: str) -> None:
    parsed = parse_webvtt(text)
    assert parsed.problems == ()
    assert parsed.cues == ()


def test_header_lines_are_reported() -> None:
    parsed = parse_webvtt("WEBVTT\nKind: captions\nLanguage: vi\n\n00:01.000 --> 00:02.000\nx\n")
    assert found(parsed) == [("vtt-header", 2)]
    assert len(parsed.cues) == 1


def test_cue_right_after_header_is_kept_with_a_warning() -> None:
    parsed = parse_webvtt("WEBVTT\n00:01.000 --> 00:02.000\nx\n")
    assert found(parsed) == [("vtt-header", 2)]
    assert [c.text for c in parsed.cues] == ["x"]


def test_old_region_header_line() -> None:
    parsed = parse_webvtt("WEBVTT\nRegion: id=a width=40%\n\n00:01.000 --> 00:02.000 region:a\nx\n")
    assert found(parsed) == [("vtt-region", 2), ("vtt-setting", 4)]
    assert parsed.cues[0].region is None


def test_timing_on_the_signature_line_drops_the_cue() -> None:
    parsed = parse_webvtt("WEBVTT 00:00:00.000 --> 00:00:01.000\ntext\n")
    assert parsed.cues == ()
    assert ("vtt-timing", 1) in found(parsed)


# --- timing lines -----------------------------------------------------------------------------

BAD_TIMING = (
    "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nok\n\n{timing}\nlost text\n\n"
    "2\n00:00:09.000 --> 00:00:10.000\nlast\n"
)


@pytest.mark.parametrize(
    ("timing", "fragment"),
    [
        ("00:00:04.500 --> 00:0:08.500", "minutes must be two digits"),
        ("00:00:04.500 --> 00:08.5", "milliseconds must be three digits"),
        ("00:0:04.500 --> 00:00:08.500", "minutes must be two digits"),
        ("00:4.500 --> 00:08.500", "seconds must be two digits"),
        ("00:00:01.000 00:00:02.000 -->", "expected '-->'"),
        ("00:00:01.000 -> 00:00:02.000 -->", "expected '-->'"),
        ("00:00:01,000 --> 00:00:02,000", "use '.'"),
        ("00:00:60.000 --> 00:01:00.000", "seconds must be 00-59"),
        ("00:60:00.000 --> 01:00:01.000", "minutes must be 00-59"),
        ("00:00:01.000 -->", "end time missing"),
        ("1:02.000 --> 1:03.000", "read as hours"),
        ("x00:00.000 --> 00:01.000", "expected a timestamp"),
        ("00:00 --> 00:01.000", "expected '.'"),
        ("\v00:00.000 --> 00:01.000", "\\x0b"),
    ],
)
def test_bad_timing_line(timing: str, fragment: str) -> None:
    parsed = parse_webvtt(BAD_TIMING.format(timing=timing))
    assert found(parsed) == [("vtt-timing", 7)]
    problem = parsed.problems[0]
    assert fragment in problem.message
    assert "browsers drop this cue" in problem.message
    assert [c.text for c in parsed.cues] == ["ok", "last"]


def test_bad_timing_after_an_id() -> None:
    parsed = parse_webvtt("WEBVTT\n\nid\n00:00:00.000 --> 00:00:01.0\ntext\n")
    assert found(parsed) == [("vtt-timing", 4)]
    assert parsed.cues == ()


def test_arrow_inside_cue_text_ends_the_cue() -> None:
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\nfirst\nA --> B\nlost\n\n00:03.000 --> 00:04.000\nnext\n"
    )
    parsed = parse_webvtt(text)
    assert found(parsed) == [("vtt-timing", 5)]
    assert "cue text" in parsed.problems[0].message
    assert "--&gt;" in (parsed.problems[0].hint or "")
    assert [c.text for c in parsed.cues] == ["first", "next"]


def test_cue_right_after_cue_text_is_still_a_cue() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\nfirst\n00:03.000 --> 00:04.000\nsecond\n"
    parsed = parse_webvtt(text)
    assert [(c.text, c.line) for c in parsed.cues] == [("first", 3), ("second", 5)]


def test_hours_minutes_forms() -> None:
    text = "WEBVTT\n\n01:02.003 --> 1:00:00.000\na\n\n123:00:00.000 --> 124:00:00.000\nb\n"
    parsed = parse_webvtt(text)
    assert parsed.problems == ()
    assert [(c.start_ms, c.end_ms) for c in parsed.cues] == [
        (62_003, 3_600_000),
        (442_800_000, 446_400_000),
    ]


@pytest.mark.parametrize("end", ["00:00:04.000", "00:00:04.499", "00:00:04.500"])
def test_end_not_after_start(end: str) -> None:
    parsed = parse_webvtt(f"WEBVTT\n\n1\n00:00:04.500 --> {end}\nx\n")
    assert found(parsed) == [("vtt-end-before-start", 4)]
    assert len(parsed.cues) == 1  # browsers keep it (it never shows)


def test_order() -> None:
    text = (
        "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\na\n\n00:00:05.000 --> 00:00:07.000\nb\n\n"
        "00:00:04.000 --> 00:00:08.000\nc\n"
    )
    parsed = parse_webvtt(text)
    assert found(parsed) == [("vtt-order", 9)]
    assert "0:04.000" in parsed.problems[0].message
    assert "line 6" in parsed.problems[0].message
    assert len(parsed.cues) == 3


# --- blocks -----------------------------------------------------------------------------------


def test_orphan_text() -> None:
    text = "WEBVTT\n\nno timing here\nsecond line\n\n00:01.000 --> 00:02.000\nx\n"
    parsed = parse_webvtt(text)
    assert found(parsed) == [("vtt-orphan-text", 3)]
    assert "and 1 more line" in parsed.problems[0].message


def test_blank_line_inside_cue_text() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\nfirst half\n\nsecond half\n"
    parsed = parse_webvtt(text)
    assert found(parsed) == [("vtt-orphan-text", 6)]
    assert "blank line" in (parsed.problems[0].hint or "")
    assert parsed.cues[0].text == "first half"


def test_comments_are_not_orphans() -> None:
    text = (
        "WEBVTT\n\nNOTE\nmulti-line\ncomment\n\nNOTE\tone\n\n"
        "00:01.000 --> 00:02.000\nx\n\nNOTE end\n"
    )
    parsed = parse_webvtt(text)
    assert parsed.problems == ()


def test_note_must_be_a_word() -> None:
    parsed = parse_webvtt("WEBVTT\n\nNOTES are not comments\n")
    assert found(parsed) == [("vtt-orphan-text", 3)]


def test_style_blocks() -> None:
    text = (
        "WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\nNOTE between\n\nSTYLE \n::cue(b) {}\n\n"
        "00:01.000 --> 00:02.000\nx\n\nSTYLE\n::cue { color: red }\n"
    )
    parsed = parse_webvtt(text)
    assert parsed.styles == ("::cue { color: yellow }", "::cue(b) {}")
    assert found(parsed) == [("vtt-header", 14)]
    assert "after the first cue" in parsed.problems[0].message


def test_region_after_a_cue_is_ignored() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\nREGION\nid:a\n"
    parsed = parse_webvtt(text)
    assert parsed.regions == ()
    assert found(parsed) == [("vtt-region", 6)]


# --- settings and regions ---------------------------------------------------------------------


def test_all_cue_settings() -> None:
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000 vertical:rl line:10%,end position:30%,line-left "
        "size:50% align:right\nx\n"
    )
    cue = parse_webvtt(text).cues[0]
    assert (cue.vertical, cue.line_position, cue.snap_to_lines, cue.line_align) == (
        "rl",
        10.0,
        False,
        "end",
    )
    assert (cue.position, cue.position_align, cue.size, cue.align) == (
        30.0,
        "line-left",
        50,
        "right",
    )


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ("colour:red", "not a cue setting"),
        ("align:middle", "align must be"),
        ("align", "name:value"),
        ("size:120%", "size must be"),
        ("position:50", "position must be"),
        ("position:50%,left", "position alignment"),
        ("line:abc", "line must be"),
        ("line:1e2", "line must be a number"),
        ("line:50%,middle", "line alignment"),
        ("vertical:up", "vertical must be"),
        ("align:start align:end", "more than once"),
        ("region:nowhere", "no REGION"),
    ],
)
def test_bad_cue_setting(settings: str, fragment: str) -> None:
    parsed = parse_webvtt(f"WEBVTT\n\n00:01.000 --> 00:02.000 {settings}\nx\n")
    assert found(parsed) == [("vtt-setting", 3)]
    assert fragment in parsed.problems[0].message
    assert parsed.problems[0].severity == WARNING
    assert len(parsed.cues) == 1


def test_setting_glued_to_the_end_time() -> None:
    parsed = parse_webvtt("WEBVTT\n\n00:01.000 --> 00:02.000align:start\nx\n")
    assert found(parsed) == [("vtt-setting", 3)]
    assert parsed.cues[0].align == "center"


REGIONS = """WEBVTT

REGION
id:fred width:40% lines:3
regionanchor:0%,100% viewportanchor:10%,90%
scroll:up

REGION
id:bill
width:wide
lines:-1 colour:red

REGION
width:10%

00:00:00.000 --> 00:00:20.000 region:fred align:left
<v Fred>Hi, my name is Fred

00:00:02.500 --> 00:00:22.500 region:bill align:right
<v Bill>Hi, I'm Bill
"""


def test_regions() -> None:
    parsed = parse_webvtt(REGIONS)
    fred, bill, anonymous = parsed.regions
    assert fred.id == "fred"
    assert (fred.width, fred.lines, fred.scroll) == (40.0, 3, "up")
    assert (fred.region_anchor_x, fred.region_anchor_y) == (0.0, 100.0)
    assert (fred.viewport_anchor_x, fred.viewport_anchor_y) == (10.0, 90.0)
    assert (bill.id, bill.width, bill.lines) == ("bill", 100.0, 3)
    assert anonymous.id == ""
    assert parsed.cues[0].region is fred
    assert parsed.cues[1].region is bill
    assert found(parsed) == [
        ("vtt-region", 10),
        ("vtt-region", 11),
        ("vtt-region", 11),
        ("vtt-region", 13),
    ]
    assert "width" in parsed.problems[0].message
    assert "no id" in parsed.problems[3].message


def test_duplicate_region_id_uses_the_last() -> None:
    text = (
        "WEBVTT\n\nREGION\nid:a\n\nREGION\nid:a\nlines:1\n\n00:01.000 --> 00:02.000 region:a\nx\n"
    )
    parsed = parse_webvtt(text)
    assert found(parsed) == [("vtt-region", 6)]
    assert parsed.cues[0].region is parsed.regions[1]


def test_region_with_line_setting_is_dropped() -> None:
    parsed = parse_webvtt("WEBVTT\n\nREGION\nid:a\n\n00:01.000 --> 00:02.000 region:a line:3\nx\n")
    assert parsed.cues[0].region is None
    assert found(parsed) == [("vtt-setting", 6)]


# --- line ends, BOM, NUL ----------------------------------------------------------------------

LINE_ENDS = (
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 bad\nfirst\n\n"
    "00:00:00.500 --> 00:00:03.000\nsecond\n\nlost\n"
)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_numbers_with_any_line_end(newline: str) -> None:
    parsed = parse_webvtt(LINE_ENDS.replace("\n", newline))
    assert found(parsed) == [("vtt-setting", 4), ("vtt-order", 7), ("vtt-orphan-text", 10)]
    assert [(c.line, c.text) for c in parsed.cues] == [(4, "first"), (7, "second")]


def test_mixed_line_ends_count_like_editors() -> None:
    text = "WEBVTT\r\n\r00:01.000 --> 00:02.000\na\r\nb\n\r\n00:03.000 --> 00:02.000\rc\n"
    parsed = parse_webvtt(text)
    assert [c.line for c in parsed.cues] == [3, 7]
    assert parsed.cues[0].text == "a\nb"
    assert found(parsed) == [("vtt-end-before-start", 7)]


def test_lf_cr_is_two_line_ends() -> None:
    parsed = parse_webvtt("WEBVTT\n\n00:01.000 --> 00:02.000\na\n\rb\n")
    assert parsed.cues[0].text == "a"
    assert found(parsed) == [("vtt-orphan-text", 6)]


def test_bom_does_not_shift_lines() -> None:
    parsed = parse_webvtt("\ufeffWEBVTT\n\n00:01.000 --> 00:02.000 x:y\nhi\n")
    assert found(parsed) == [("vtt-setting", 3)]
    assert parsed.cues[0].text == "hi"


def test_nul_becomes_replacement_character() -> None:
    parsed = parse_webvtt(
        "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03.000 --> 00:04.000\na\x00b\x00\n"
    )
    assert parsed.cues[1].text == "a\ufffdb\ufffd"
    assert found(parsed) == [("caption-encoding", 7)]
    assert "2 NUL characters" in parsed.problems[0].message


def test_nul_in_timing_drops_the_cue() -> None:
    parsed = parse_webvtt("WEBVTT\r\n\r\n00:01.000 -->\x00 00:02.000\r\nx\r\n")
    assert parsed.cues == ()
    assert found(parsed) == [("caption-encoding", 3), ("vtt-timing", 3)]


# --- text -------------------------------------------------------------------------------------


def test_parse_keeps_text_as_written() -> None:
    nfd = unicodedata.normalize("NFD", "Việt Nam")
    parsed = parse_webvtt(f"WEBVTT\n\n{nfd}\n00:01.000 --> 00:02.000\n{nfd}\n")
    cue = parsed.cues[0]
    assert cue.text == nfd  # as a browser sees it
    assert cue.id == nfd
    assert cue.text_lines == ["Việt Nam"]  # measured in NFC


@pytest.mark.parametrize(
    ("payload", "lines"),
    [
        ("<v Roger Bingham>We are in New York City", ["We are in New York City"]),
        ("<v.first.loud Esme>It's a blue apple tree!</v>", ["It's a blue apple tree!"]),
        (
            "<c.yellow.bg_blue>Vàng</c> <b>đậm</b> <i>nghiêng</i> <u>gạch</u>",
            ["Vàng đậm nghiêng gạch"],
        ),
        ("<lang vi>Xin chào</lang>", ["Xin chào"]),
        ("<ruby>漢<rt>kan</rt></ruby>", ["漢kan"]),
        ("Never <00:00:01.500>drink <00:02.000>liquid", ["Never drink liquid"]),
        ("a &amp; b &lt;c&gt;", ["a & b <c>"]),
        ("&lt;b&gt;not a tag&lt;/b&gt;", ["<b>not a tag</b>"]),
        ("100&nbsp;%", ["100\xa0%"]),
        ("&lrm;abc&rlm;", ["\u200eabc\u200f"]),
        ("Vi&#7879;t &#x1EC7;", ["Việt ệ"]),
        ("  two   spaces\t\there  ", ["two spaces here"]),
        ("line one\n<i>line two</i>", ["line one", "line two"]),
        ("cut <b", ["cut"]),
        ("<v Long\nName>spans lines", ["spans lines"]),
        ("", []),
    ],
)
def test_text_lines(payload: str, lines: list[str]) -> None:
    parsed = parse_webvtt(f"WEBVTT\n\n00:01.000 --> 00:02.000\n{payload}\n")
    cue = parsed.cues[0]
    assert cue.text == payload
    assert cue.text_lines == lines
    assert cue.plain_text == " ".join(lines)


def test_text_lines_are_a_copy() -> None:
    cue = parse_webvtt("WEBVTT\n\n00:01.000 --> 00:02.000\na\n").cues[0]
    cue.text_lines.append("b")
    assert cue.text_lines == ["a"]


def test_clock_ms() -> None:
    assert clock_ms(0) == "0:00.000"
    assert clock_ms(4500) == "0:04.500"
    assert clock_ms(201_040) == "3:21.040"
    assert clock_ms(3_600_000) == "60:00.000"
    assert clock_ms(-1500) == "-0:01.500"


# --- speed ------------------------------------------------------------------------------------


def stamp(ms: int) -> str:
    minutes, ms = divmod(ms, 60_000)
    return f"{minutes:02d}:{ms // 1000:02d}.{ms % 1000:03d}"


def test_thousand_cues_parse_fast() -> None:
    blocks = ["WEBVTT", ""]
    for n in range(1000):
        start = n * 3000
        blocks += [
            str(n + 1),
            f"{stamp(start)} --> {stamp(start + 2500)} align:start line:90%",
            "Quyền con người là quyền của mọi người",
            "<i>Human rights</i> &amp; duties",
            "",
        ]
    text = "\n".join(blocks)
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        parsed = parse_webvtt(text)
        best = min(best, time.perf_counter() - began)
    assert len(parsed.cues) == 1000
    assert parsed.problems == ()
    assert best < 0.05, f"parsing 1,000 cues took {best * 1000:.1f} ms"


def test_fast_timestamp_path_matches_the_spec_steps() -> None:
    """The one-regex path for well-formed timestamps agrees with the step-by-step algorithm."""
    parts = ["", "0", "00", "000", "05", "59", "60", "99", "123"]
    checked = 0
    for a, b, c, d in itertools.product(parts, parts, parts, ["", "0", "00", "000", "0000"]):
        for text in (f"{a}:{b}:{c}.{d}", f"{b}:{c}.{d}", f"{a}:{b}:{c}.{d}x", f"{b}:{c}.{d} -"):
            fast = _timestamp(text, 0)
            steps = _collect_timestamp(text, 0)
            assert fast[0] == steps[0], text
            if fast[0] is not None:
                assert fast[1] == steps[1], text
            checked += 1
    assert checked > 10_000


def test_huge_digit_runs_are_reported_not_fatal() -> None:
    digits = "9" * 5000  # beyond Python's int() limit of 4300 digits
    text = f"WEBVTT\n\nREGION\nid:a\nlines:{digits}\n\n{digits}:00:00.000 --> 00:01.000\nx\n"
    parsed = parse_webvtt(text)
    assert found(parsed) == [("vtt-region", 5), ("vtt-timing", 7)]
    assert parsed.regions[0].lines == 3
