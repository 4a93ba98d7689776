"""A strict WebVTT parser: the cues a browser builds, and every authoring problem with its line.

The parsing follows the W3C "WebVTT parser algorithm" (https://www.w3.org/TR/webvtt1/#file-parsing)
step by step: NUL becomes U+FFFD, CR and CRLF become LF, the signature is checked, the header is
skipped, then blocks are collected (cues, STYLE, REGION, comments), with the same rules for lines
containing ``-->`` as the spec. Cue settings and region settings are parsed as the spec says, so
:func:`parse_webvtt` yields exactly the cues a conforming browser exposes as ``VTTCue`` objects.

Where a browser silently drops or ignores something, we also report it as a :class:`Problem`
with its 1-based line number (``vtt-*`` codes; the module docs of
:mod:`mooc_builder.media.captions` list them).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from mooc_builder.errors import ERROR, WARNING, Problem, Severity
from mooc_builder.text import clock, nfc

__all__ = [
    "Cue",
    "ParsedCaptions",
    "Region",
    "clock_ms",
    "display_lines",
    "parse_webvtt",
]


@dataclass(frozen=True)
class Region:
    """A WebVTT region (``REGION`` block), with the JS ``VTTRegion`` defaults."""

    id: str
    width: float = 100.0
    lines: int = 3
    region_anchor_x: float = 0.0
    region_anchor_y: float = 100.0
    viewport_anchor_x: float = 0.0
    viewport_anchor_y: float = 100.0
    scroll: str = ""
    """``""`` (none) or ``"up"``."""


@dataclass(frozen=True)
class Cue:
    """One caption cue as a browser exposes it (``VTTCue``), plus the line it was found on."""

    id: str
    start_ms: int
    """WebVTT timestamps are millisecond-exact: kept as integers."""
    end_ms: int
    text: str
    """Raw cue payload, markup kept, lines joined with ``\\n``."""
    line: int
    """1-based line number of the cue's timing line in the file."""
    vertical: str = ""
    """``""`` (horizontal), ``"rl"`` or ``"lr"``."""
    line_position: float | None = None
    """``VTTCue.line``; ``None`` means ``"auto"``."""
    snap_to_lines: bool = True
    line_align: str = "start"
    position: float | None = None
    """``VTTCue.position``; ``None`` means ``"auto"``."""
    position_align: str = "auto"
    size: float = 100.0
    align: str = "center"
    region: Region | None = None

    @property
    def start(self) -> float:
        """Start time in seconds."""
        return self.start_ms / 1000

    @property
    def end(self) -> float:
        """End time in seconds."""
        return self.end_ms / 1000

    @cached_property
    def _display(self) -> tuple[str, ...]:
        return tuple(display_lines(self.text))

    @property
    def text_lines(self) -> list[str]:
        """The lines a viewer sees: markup removed, character references decoded, NFC.

        Tags (``<b>``, ``<i>``, ``<u>``, ``<c.x>``, ``<v Name>``, ``<lang x>``, ``<ruby>``,
        ``<rt>``, timestamp tags, SubRip ``<font>``) are removed with their annotations; their
        content stays. Spaces and tabs collapse and are trimmed at line ends, as the
        ``white-space: pre-line`` of cue boxes does.
        """
        return list(self._display)

    @property
    def plain_text(self) -> str:
        """The display lines joined with single spaces."""
        return " ".join(self._display)


@dataclass(frozen=True)
class ParsedCaptions:
    """The result of parsing a caption file: cues, regions and the problems found."""

    format: str
    """``"webvtt"`` or ``"srt"``."""
    cues: tuple[Cue, ...]
    regions: tuple[Region, ...]
    problems: tuple[Problem, ...]
    """Each with code, severity, message, line (1-based) and hint; the caller places them in
    context with :meth:`Problem.at`."""
    styles: tuple[str, ...] = field(default=())
    """The text of each ``STYLE`` block browsers accept (before the first cue)."""


# --- display text ----------------------------------------------------------------------------

# The cue text tokenizer turns "<" into a tag that runs to the next ">" or the end of the text.
_TAG = re.compile(r"<[^>]*>?")
_BLANKS = re.compile(r"[ \t]+")


def display_lines(text: str) -> list[str]:
    """The display lines of a cue payload (see :attr:`Cue.text_lines`); ``[]`` for no text."""
    if not text:
        return []
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    text = nfc(text)
    return [_BLANKS.sub(" ", line).strip(" ") for line in text.split("\n")]


def clock_ms(ms: int | float) -> str:
    """``4500`` -> ``0:04.500``: caption times in messages (always with milliseconds)."""
    return clock(ms / 1000, exact=True)


# --- shared input preparation ----------------------------------------------------------------


def prepare_lines(text: str, problems: list[Problem]) -> str:
    """Apply the spec's preprocessing: drop one BOM, CRLF/CR -> LF, NUL -> U+FFFD (reported)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        first = text.index("\x00")
        count = text.count("\x00")
        problems.append(
            Problem(
                "caption-encoding",
                f"the file holds {count} NUL character{'s' if count > 1 else ''} (U+0000); "
                "players show them as \ufffd",
                line=text.count("\n", 0, first) + 1,
                hint="the file may be UTF-16 or damaged: save it as UTF-8 text",
            )
        )
        text = text.replace("\x00", "\ufffd")
    return text


# --- the parser ------------------------------------------------------------------------------

_WS_CHARS = " \t\n\f\r"  # ASCII whitespace (HTML "skip whitespace", "split on spaces")
_DIGITS = re.compile(r"[0-9]+")
_SPLIT = re.compile(r"[ \t\n\f\r]+")
_PERCENT = re.compile(r"[0-9]+(?:\.[0-9]+)?%")
_LINE_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ANY_DIGIT = re.compile(r"[0-9]")
_ALL_DIGITS = re.compile(r"[0-9]+")
_OLD_REGION = re.compile(r"Region:", re.IGNORECASE)

_TIMING_HINT = "write the timing line as 00:00:01.000 --> 00:00:04.000 (hh:mm:ss.ttt or mm:ss.ttt)"
_SETTING_HINT = (
    "valid settings: vertical:rl|lr, line:N or N%[,start|center|end], "
    "position:N%[,line-left|center|line-right], size:N%, align:start|center|end|left|right, "
    "region:ID"
)
_REGION_HINT = (
    "valid region settings: id:NAME, width:N%, lines:N, regionanchor:X%,Y%, "
    "viewportanchor:X%,Y%, scroll:up"
)


def _percentage(value: str) -> float | None:
    """The spec's "parse a percentage string": a number in 0..100, or None."""
    if _PERCENT.fullmatch(value) is None:
        return None
    number = _float(value[:-1])
    if number is None or number < 0 or number > 100:
        return None
    return number


def _float(value: str) -> float | None:
    """HTML "rules for parsing floating-point number values" on an already validated string.

    The result is the nearest double; values that round to +/-2^1024 are errors, and -0 is not
    in the result set, so it becomes +0.
    """
    number = float(value)
    if number in (float("inf"), float("-inf")):
        return None
    if number == 0:
        return 0.0
    return number


_MAX_DIGITS = 4000
"""Longest digit run read as an integer (Python refuses int() on more than 4300 digits)."""


def _skip_ws(s: str, pos: int) -> int:
    n = len(s)
    while pos < n and s[pos] in _WS_CHARS:
        pos += 1
    return pos


def _token_at(s: str, pos: int) -> str:
    end = pos
    n = len(s)
    while end < n and s[end] not in _WS_CHARS:
        end += 1
    return _show(s[pos:end])


def _show(text: str, limit: int = 40) -> str:
    """``text`` for a message: invisible control characters escaped, long text cut."""
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
        for c in text
    )


# Well-formed timestamps, matched in one go; anything else takes the step-by-step path below,
# which also says what is wrong. Both give the same result for every input they accept.
_FAST_TIMESTAMP = re.compile(
    r"(?:([0-9]+):)?([0-9]{2}):([0-9]{2})\.([0-9]{3})(?![0-9])",
)


def _timestamp(s: str, pos: int) -> tuple[int | None, int, str]:
    """The spec's "collect a WebVTT timestamp": (milliseconds or None, new position, why)."""
    m = _FAST_TIMESTAMP.match(s, pos)
    if m is not None and m.end() - pos <= _MAX_DIGITS:
        hours, minutes, seconds, millis = m.groups()
        v2, v3 = int(minutes), int(seconds)
        if v2 <= 59 and v3 <= 59:
            return ((int(hours or 0) * 60 + v2) * 60 + v3) * 1000 + int(millis), m.end(), ""
    return _collect_timestamp(s, pos)


def _collect_timestamp(s: str, pos: int) -> tuple[int | None, int, str]:
    """The spec's algorithm step by step, saying what is wrong when it fails."""
    n = len(s)
    start = pos
    m = _DIGITS.match(s, pos)
    if m is None:
        return None, pos, "expected a timestamp such as 00:01.000 or 00:00:01.000"
    first = m.group()
    if len(first) > _MAX_DIGITS:
        return None, pos, f"the first number has {len(first)} digits"
    v1 = int(first)
    hours = len(first) != 2 or v1 > 59
    pos = m.end()
    if pos >= n or s[pos] != ":":
        return None, pos, f"expected ':' after '{first}'"
    pos += 1
    m = _DIGITS.match(s, pos)
    digits = m.group() if m else ""
    after = m.end() if m else pos
    if not digits:
        return None, pos, f"expected two digits after '{s[start:pos]}'"
    if len(digits) != 2:
        unit = "minutes" if hours or (after < n and s[after] == ":") else "seconds"
        return None, pos, f"{unit} must be two digits"
    v2 = int(digits)
    pos = after
    if hours or (pos < n and s[pos] == ":"):
        if pos >= n or s[pos] != ":":
            return (
                None,
                pos,
                f"'{first}' is read as hours (a first part that is not two digits up to 59 means "
                "hours), so seconds must follow: hh:mm:ss.ttt",
            )
        pos += 1
        m = _DIGITS.match(s, pos)
        digits = m.group() if m else ""
        if not digits:
            return None, pos, f"expected two digits after '{s[start:pos]}'"
        if len(digits) != 2:
            return None, pos, "seconds must be two digits"
        v3 = int(digits)
        pos = m.end() if m else pos
    else:
        v1, v2, v3 = 0, v1, v2
    if pos >= n or s[pos] != ".":
        if pos < n and s[pos] == ",":
            return None, pos, "use '.' before the milliseconds, not ',' (that is SubRip style)"
        return None, pos, "expected '.' and three digits of milliseconds"
    pos += 1
    m = _DIGITS.match(s, pos)
    digits = m.group() if m else ""
    if len(digits) != 3:
        return None, pos, "milliseconds must be three digits"
    v4 = int(digits)
    pos = m.end() if m else pos
    if v2 > 59:
        return None, pos, f"minutes must be 00-59, not {v2:02d}"
    if v3 > 59:
        return None, pos, f"seconds must be 00-59, not {v3:02d}"
    return ((v1 * 60 + v2) * 60 + v3) * 1000 + v4, pos, ""


@dataclass
class _CueBuilder:
    """The mutable state of a cue while its settings are parsed."""

    start_ms: int = 0
    end_ms: int = 0
    vertical: str = ""
    line_position: float | None = None
    snap_to_lines: bool = True
    line_align: str = "start"
    position: float | None = None
    position_align: str = "auto"
    size: float = 100.0
    align: str = "center"
    region: Region | None = None


@dataclass
class _RegionBuilder:
    id: str = ""
    width: float = 100.0
    lines: int = 3
    region_anchor_x: float = 0.0
    region_anchor_y: float = 100.0
    viewport_anchor_x: float = 0.0
    viewport_anchor_y: float = 100.0
    scroll: str = ""


_Warn = Callable[[str], None]
"""The ``warn(message)`` callback used while parsing settings."""


def _split_setting(token: str) -> tuple[str, str] | None:
    colon = token.find(":")
    if colon <= 0 or colon == len(token) - 1:
        return None
    return token[:colon], token[colon + 1 :]


class _WebVTTParser:
    """One run of the WebVTT parser algorithm over a prepared (LF-only) string."""

    def __init__(self, text: str, problems: list[Problem]) -> None:
        self.input = text
        self.lines = text.split("\n")
        self.n = len(self.lines)
        self.i = 0
        self.problems = problems
        self.cues: list[Cue] = []
        self.regions: list[Region] = []
        self.styles: list[str] = []
        self.seen_cue = False
        self.last_block: str = "header"
        """What the previous block was, for better messages: header, cue, dropped, other."""
        self.blank_before = True
        """Whether at least one blank line preceded the current block."""
        self.ended_on_blank = False
        """Whether the last block collected ended on (and consumed) a blank line."""

    # -- problems ------------------------------------------------------------------------------

    def problem(
        self, code: str, severity: Severity, index: int, message: str, hint: str | None
    ) -> None:
        self.problems.append(Problem(code, message, severity=severity, line=index + 1, hint=hint))

    # -- positions -----------------------------------------------------------------------------

    def at_end(self, i: int) -> bool:
        """True when position ``i`` (start of line i) is past the end of the input."""
        return i >= self.n or (i == self.n - 1 and self.lines[i] == "")

    def skip_newlines(self) -> bool:
        """Collect a sequence of LF characters; True if at least one was skipped."""
        start = self.i
        while self.i < self.n - 1 and self.lines[self.i] == "":
            self.i += 1
        return self.i > start

    # -- the algorithm -------------------------------------------------------------------------

    def run(self) -> None:
        text = self.input
        if not self.signature(text):
            return
        first = self.lines[0]
        if "-->" in first:
            self.problem(
                "vtt-timing",
                ERROR,
                0,
                "a cue timing on the WEBVTT line is read as header text: the cue is dropped",
                "put the WEBVTT line alone on the first line, then a blank line, then the cues",
            )
        if self.n == 1:
            return  # no LF after the signature line: no cues
        self.i = 1
        if self.at_end(1):
            return
        if self.lines[1] != "":
            self.collect_block(in_header=True)
            self.blank_before = self.ended_on_blank
        else:
            self.i = 2
            self.blank_before = True
        if self.skip_newlines():
            self.blank_before = True
        while not self.at_end(self.i):
            self.collect_block(in_header=False)
            self.blank_before = self.skip_newlines() or self.ended_on_blank

    def signature(self, text: str) -> bool:
        hint = "start the file with a line reading WEBVTT (capitals), then a blank line"
        if text == "":
            self.problem("vtt-signature", ERROR, 0, "the file is empty: no WEBVTT signature", hint)
            return False
        ok = text.startswith("WEBVTT") and (len(text) == 6 or text[6] in " \t\n")
        if ok:
            return True
        first = self.lines[0]
        shown = _show(first)
        if text.startswith("WEBVTT"):
            message = (
                f"the first line '{shown}' does not start with the WEBVTT signature: WEBVTT must "
                "be followed by a space, a tab or the end of the line; browsers load no cues"
            )
        elif text[:6].upper() == "WEBVTT":
            message = (
                f"the first line '{shown}' is not the WEBVTT signature: it must be in capitals; "
                "browsers load no cues"
            )
        else:
            message = f"the first line '{shown}' is not the WEBVTT signature: browsers load no cues"
        if first.strip().isdigit() or "-->" in first:
            hint += "; this looks like SubRip: rename it to .srt or run `mooc captions convert`"
        self.problem("vtt-signature", ERROR, 0, message, hint)
        return False

    def collect_block(self, in_header: bool) -> None:
        """The spec's "collect a WebVTT block"; reports what the block loses."""
        lines = self.lines
        n = self.n
        i = self.i
        first_index = i
        line_count = 0
        previous = i
        buffer: list[str] = []
        buffer_index: list[int] = []
        seen_arrow = False
        cue: _CueBuilder | None = None
        cue_id = ""
        timing_index = -1
        timing_failed = False
        stylesheet = False
        region = False
        ended_on_arrow = False
        ended_on_blank = False
        while True:
            line = lines[i] if i < n else ""
            index = i
            line_count += 1
            if i >= n - 1:
                seen_eof = True
                i = n
            else:
                seen_eof = False
                i += 1
            if "-->" in line:
                if not in_header and (line_count == 1 or (line_count == 2 and not seen_arrow)):
                    seen_arrow = True
                    previous = i
                    cue_id = "\n".join(buffer)
                    timing_index = index
                    cue = self.timings_and_settings(line, index)
                    if cue is None:
                        timing_failed = True
                    else:
                        buffer = []
                        buffer_index = []
                        self.seen_cue = True
                else:
                    i = previous
                    ended_on_arrow = True
                    break
            elif line == "":
                ended_on_blank = True
                break
            else:
                if not in_header and line_count == 2 and not self.seen_cue and buffer:
                    head = buffer[0]
                    if head.startswith("STYLE") and head[5:].strip(_WS_CHARS) == "":
                        stylesheet = True
                        buffer = []
                        buffer_index = []
                    elif head.startswith("REGION") and head[6:].strip(_WS_CHARS) == "":
                        region = True
                        buffer = []
                        buffer_index = []
                buffer.append(line)
                buffer_index.append(index)
                previous = i
            if seen_eof:
                break
        self.i = i
        self.ended_on_blank = ended_on_blank

        if cue is not None:
            self.add_cue(cue, cue_id, "\n".join(buffer), timing_index)
            self.last_block = "cue"
        elif stylesheet:
            self.styles.append("\n".join(buffer))
            self.last_block = "other"
        elif region:
            self.add_region(buffer, buffer_index, first_index)
            self.last_block = "other"
        elif in_header:
            self.header_lines(buffer, buffer_index, ended_on_arrow, i)
            self.last_block = "header"
        elif timing_failed:
            self.last_block = "dropped"
        else:
            self.dropped_block(buffer, buffer_index, first_index)

    # -- block kinds ---------------------------------------------------------------------------

    def header_lines(
        self, buffer: list[str], indexes: list[int], ended_on_arrow: bool, next_i: int
    ) -> None:
        old_regions = [
            k for k, text in zip(indexes, buffer, strict=True) if _OLD_REGION.match(text)
        ]
        for k in old_regions:
            self.problem(
                "vtt-region",
                WARNING,
                k,
                "old-style 'Region:' header line: browsers ignore it, and cues cannot use it",
                "define the region in a REGION block (REGION, then id:NAME width:40% …) after "
                "a blank line",
            )
        others = [k for k in indexes if k not in old_regions]
        if others:
            k = others[0]
            text = self.lines[k]
            shown = _show(text)
            what = "whitespace" if text.strip(_WS_CHARS) == "" else f"'{shown}'"
            self.problem(
                "vtt-header",
                WARNING,
                k,
                f"{what} on the line after WEBVTT is header text that browsers ignore",
                "leave a blank line after the WEBVTT line; header text belongs on the WEBVTT line "
                "itself (WEBVTT - title)",
            )
        if ended_on_arrow:
            self.problem(
                "vtt-header",
                WARNING,
                next_i,
                "no blank line between the header and the first cue",
                "leave a blank line after the WEBVTT line",
            )

    def dropped_block(self, buffer: list[str], indexes: list[int], first_index: int) -> None:
        """A block that yields nothing: a comment, a misplaced STYLE/REGION, or orphan text."""
        previous = self.last_block
        self.last_block = "other"
        if not buffer:
            return
        head = buffer[0]
        if head.startswith("NOTE") and (len(head) == 4 or head[4] in " \t"):
            return
        if head.startswith("STYLE") and head[5:].strip(_WS_CHARS) == "":
            if self.seen_cue:
                self.problem(
                    "vtt-header",
                    WARNING,
                    indexes[0],
                    "STYLE block after the first cue: browsers ignore it",
                    "move STYLE blocks up, between the WEBVTT header and the first cue",
                )
            return
        if head.startswith("REGION") and head[6:].strip(_WS_CHARS) == "":
            if self.seen_cue:
                message = "REGION block after the first cue: browsers ignore it"
                hint = "move REGION blocks up, between the WEBVTT header and the first cue"
            else:
                message = "REGION block without settings: it defines nothing"
                hint = _REGION_HINT
            self.problem("vtt-region", WARNING, indexes[0], message, hint)
            return
        shown = _show(head)
        more = f" and {len(buffer) - 1} more line{'s' if len(buffer) > 2 else ''}"
        more = more if len(buffer) > 1 else ""
        if previous == "cue" and self.blank_before:
            message = (
                f"text '{shown}'{more} follows a blank line, so it is not part of the cue above "
                "and has no timing line: browsers drop it"
            )
            hint = "remove the blank line inside the cue text (a blank line ends a cue)"
        else:
            message = f"text '{shown}'{more} has no timing line: browsers drop it"
            hint = (
                "add a timing line such as 00:00:01.000 --> 00:00:04.000 above the text, or "
                "start a comment with NOTE"
            )
        self.problem("vtt-orphan-text", ERROR, first_index, message, hint)

    # -- cues ----------------------------------------------------------------------------------

    def timings_and_settings(self, line: str, index: int) -> _CueBuilder | None:
        """The spec's "collect WebVTT cue timings and settings"; None (reported) on failure."""
        cue = _CueBuilder()
        pos = _skip_ws(line, 0)
        start, after, why = _timestamp(line, pos)
        if start is None:
            return self.timing_failed(line, index, f"start time '{_token_at(line, pos)}': {why}")
        pos = _skip_ws(line, after)
        if not line.startswith("-->", pos):
            shown = _token_at(line, pos) or "the end of the line"
            if shown != "the end of the line":
                shown = f"'{shown}'"
            return self.timing_failed(
                line, index, f"expected '-->' after the start time, found {shown}"
            )
        pos = _skip_ws(line, pos + 3)
        end, after, why = _timestamp(line, pos)
        if end is None:
            token = _token_at(line, pos)
            what = f"end time '{token}'" if token else "end time missing"
            return self.timing_failed(line, index, f"{what}: {why}" if token else what)
        cue.start_ms = start
        cue.end_ms = end
        remainder = line[after:]
        if remainder and remainder[0] not in _WS_CHARS:
            self.problem(
                "vtt-setting",
                WARNING,
                index,
                f"'{_token_at(remainder, 0)}' right after the end time is not a cue setting: "
                "browsers ignore it",
                "put a space between the end time and the cue settings",
            )
            remainder = remainder[len(_token_at(remainder, 0)) :]
        self.settings(remainder, cue, index)
        return cue

    def timing_failed(self, line: str, index: int, why: str) -> _CueBuilder | None:
        if self.last_block == "cue" and not self.blank_before:
            message = (
                f"a line of cue text contains '-->' but is not a timing line ({why}): browsers "
                "end the cue above before it and drop the text up to the next blank line"
            )
            hint = "cue text cannot contain '-->': write '--&gt;' instead"
        else:
            message = f"bad cue timing line ({why}): browsers drop this cue"
            hint = _TIMING_HINT
        self.problem("vtt-timing", ERROR, index, message, hint)
        return None

    def settings(self, remainder: str, cue: _CueBuilder, index: int) -> None:
        """The spec's "parse the WebVTT cue settings", warning about what browsers ignore."""
        seen: set[str] = set()
        region_named = False

        def warn(message: str) -> None:
            self.problem("vtt-setting", WARNING, index, message, _SETTING_HINT)

        for token in _SPLIT.split(remainder):
            if not token:
                continue
            shown = _show(token)
            parts = _split_setting(token)
            if parts is None:
                warn(f"'{shown}' is not a cue setting (name:value): browsers ignore it")
                continue
            name, value = parts
            if name in seen and name in (
                "region",
                "vertical",
                "line",
                "position",
                "size",
                "align",
            ):
                warn(f"'{name}' is given more than once on this cue")
            seen.add(name)
            if name == "region":
                region_named = True
                found = None
                for candidate in reversed(self.regions):
                    if candidate.id == value:
                        found = candidate
                        break
                cue.region = found
                if found is None:
                    warn(
                        f"'{shown}': no REGION block with id '{_show(value)}' comes before "
                        "the first cue: browsers ignore it"
                    )
            elif name == "vertical":
                if value == "rl" or value == "lr":
                    cue.vertical = value
                    cue.region = None
                else:
                    warn(f"'{shown}': vertical must be rl or lr: browsers ignore it")
            elif name == "line":
                self.line_setting(shown, value, cue, warn)
            elif name == "position":
                self.position_setting(shown, value, cue, warn)
            elif name == "size":
                number = _percentage(value)
                if number is None:
                    warn(f"'{shown}': size must be a percentage 0%-100%: browsers ignore it")
                    continue
                cue.size = number
                if number != 100:
                    cue.region = None
            elif name == "align":
                if value in ("start", "center", "end", "left", "right"):
                    cue.align = value
                else:
                    warn(
                        f"'{shown}': align must be start, center, end, left or right: "
                        "browsers ignore it"
                    )
            else:
                warn(f"'{shown}': '{name}' is not a cue setting: browsers ignore it")
        if region_named and (cue.vertical or cue.line_position is not None or cue.size != 100):
            warn(
                "a cue in a region cannot also set vertical, line or size: the region is "
                "dropped or the setting is ignored"
            )

    def line_setting(self, shown: str, value: str, cue: _CueBuilder, warn: _Warn) -> None:
        linepos, comma, linealign = value.partition(",")
        if _ANY_DIGIT.search(linepos) is None:
            warn(f"'{shown}': line must be a number or a percentage: browsers ignore it")
            return
        percent = linepos.endswith("%")
        if percent:
            number = _percentage(linepos)
            if number is None:
                warn(f"'{shown}': line percentages must be 0%-100%: browsers ignore it")
                return
        else:
            if _LINE_NUMBER.fullmatch(linepos) is None:
                warn(f"'{shown}': line must be a number such as -1 or 2: browsers ignore it")
                return
            parsed = _float(linepos)
            if parsed is None:
                warn(f"'{shown}': line number out of range: browsers ignore it")
                return
            number = parsed
        if comma:
            if linealign not in ("start", "center", "end"):
                warn(
                    f"'{shown}': line alignment must be start, center or end: browsers ignore "
                    "the whole setting"
                )
                return
            cue.line_align = linealign
        cue.line_position = number
        cue.snap_to_lines = not percent
        cue.region = None

    def position_setting(self, shown: str, value: str, cue: _CueBuilder, warn: _Warn) -> None:
        colpos, comma, colalign = value.partition(",")
        number = _percentage(colpos)
        if number is None:
            warn(f"'{shown}': position must be a percentage 0%-100%: browsers ignore it")
            return
        if comma:
            if colalign not in ("line-left", "center", "line-right"):
                warn(
                    f"'{shown}': position alignment must be line-left, center or line-right: "
                    "browsers ignore the whole setting"
                )
                return
            cue.position_align = colalign
        cue.position = number

    def add_cue(self, built: _CueBuilder, cue_id: str, text: str, index: int) -> None:
        cue = Cue(
            id=cue_id,
            start_ms=built.start_ms,
            end_ms=built.end_ms,
            text=text,
            line=index + 1,
            vertical=built.vertical,
            line_position=built.line_position,
            snap_to_lines=built.snap_to_lines,
            line_align=built.line_align,
            position=built.position,
            position_align=built.position_align,
            size=built.size,
            align=built.align,
            region=built.region,
        )
        if cue.end_ms <= cue.start_ms:
            self.problem(
                "vtt-end-before-start",
                ERROR,
                index,
                f"the cue ends at {clock_ms(cue.end_ms)}, "
                f"{'at' if cue.end_ms == cue.start_ms else 'before'} its start "
                f"{clock_ms(cue.start_ms)}",
                "the end time must be after the start time",
            )
        if self.cues and cue.start_ms < self.cues[-1].start_ms:
            previous = self.cues[-1]
            self.problem(
                "vtt-order",
                ERROR,
                index,
                f"the cue starts at {clock_ms(cue.start_ms)}, before the previous cue (line "
                f"{previous.line}) starts at {clock_ms(previous.start_ms)}",
                "cues must be in order of start time",
            )
        self.cues.append(cue)

    # -- regions -------------------------------------------------------------------------------

    def region_warner(self, index: int) -> _Warn:
        def warn(message: str) -> None:
            self.problem("vtt-region", WARNING, index, message, _REGION_HINT)

        return warn

    def add_region(self, buffer: list[str], indexes: list[int], first_index: int) -> None:
        """The spec's "collect WebVTT region settings", line by line for the messages."""
        region = _RegionBuilder()
        seen: set[str] = set()
        has_id = False

        for text, index in zip(buffer, indexes, strict=True):
            warn = self.region_warner(index)
            for token in _SPLIT.split(text):
                if not token:
                    continue
                shown = _show(token)
                parts = _split_setting(token)
                if parts is None:
                    warn(f"'{shown}' is not a region setting (name:value): browsers ignore it")
                    continue
                name, value = parts
                if name in seen and name in (
                    "id",
                    "width",
                    "lines",
                    "regionanchor",
                    "viewportanchor",
                    "scroll",
                ):
                    warn(f"region setting '{name}' is given more than once")
                seen.add(name)
                if name == "id":
                    region.id = value
                    has_id = True
                elif name == "width":
                    number = _percentage(value)
                    if number is None:
                        warn(f"'{shown}': width must be a percentage 0%-100%: browsers ignore it")
                    else:
                        region.width = number
                elif name == "lines":
                    if _ALL_DIGITS.fullmatch(value) is None:
                        warn(f"'{shown}': lines must be a whole number: browsers ignore it")
                    elif len(value) > _MAX_DIGITS:
                        warn(f"'{shown}': lines has {len(value)} digits: ignored here")
                    else:
                        region.lines = int(value)
                elif name in ("regionanchor", "viewportanchor"):
                    x_text, comma, y_text = value.partition(",")
                    x = _percentage(x_text) if comma else None
                    y = _percentage(y_text) if comma else None
                    if x is None or y is None:
                        warn(
                            f"'{shown}': {name} must be two percentages 0%-100% such as 0%,100%: "
                            "browsers ignore it"
                        )
                    elif name == "regionanchor":
                        region.region_anchor_x, region.region_anchor_y = x, y
                    else:
                        region.viewport_anchor_x, region.viewport_anchor_y = x, y
                elif name == "scroll":
                    if value == "up":
                        region.scroll = "up"
                    else:
                        warn(f"'{shown}': scroll can only be 'up': browsers ignore it")
                else:
                    warn(f"'{shown}': '{name}' is not a region setting: browsers ignore it")
        if not has_id or region.id == "":
            self.problem(
                "vtt-region",
                WARNING,
                first_index,
                "this REGION has no id, so no cue can use it",
                "add a line id:NAME to the REGION block",
            )
        elif any(r.id == region.id for r in self.regions):
            self.problem(
                "vtt-region",
                WARNING,
                first_index,
                f"a REGION with id '{region.id}' is already defined: cues use the last one",
                "give every region its own id",
            )
        self.regions.append(
            Region(
                id=region.id,
                width=region.width,
                lines=region.lines,
                region_anchor_x=region.region_anchor_x,
                region_anchor_y=region.region_anchor_y,
                viewport_anchor_x=region.viewport_anchor_x,
                viewport_anchor_y=region.viewport_anchor_y,
                scroll=region.scroll,
            )
        )


def parse_webvtt(text: str) -> ParsedCaptions:
    """Parse decoded WebVTT ``text`` (it may start with U+FEFF) as a browser does.

    Returns the cues and regions a conforming browser builds, the accepted STYLE blocks, and every
    authoring problem found, each with its 1-based line number. Cue text is kept as written (no
    NFC here: :func:`mooc_builder.media.captions.read_captions` normalises).
    """
    problems: list[Problem] = []
    prepared = prepare_lines(text, problems)
    parser = _WebVTTParser(prepared, problems)
    parser.run()
    problems.sort(key=lambda p: p.line or 0)
    return ParsedCaptions(
        format="webvtt",
        cues=tuple(parser.cues),
        regions=tuple(parser.regions),
        problems=tuple(problems),
        styles=tuple(parser.styles),
    )


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` over ``text`` split at CR, LF and CRLF, as caption parsers count."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    yield from enumerate(text.split("\n"), start=1)
