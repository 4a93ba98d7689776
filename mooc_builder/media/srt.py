"""A strict SubRip (.srt) parser that reports every problem with its line.

A SubRip file is a list of blocks separated by blank lines::

    1
    00:00:01,000 --> 00:00:04,000
    first line
    second line

Tolerated (players accept them): a byte order mark, CRLF or CR line ends, a missing final blank
line, whitespace-only separator lines, position coordinates after the end time (``X1:…``), and
``.`` instead of ``,`` before the milliseconds (one ``srt-decimal`` warning). Everything else that
players would misread is an error with its line: ``srt-index``, ``srt-timing``,
``srt-end-before-start``, ``srt-order``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mooc_builder.errors import ERROR, WARNING, Problem
from mooc_builder.media.webvtt import Cue, ParsedCaptions, clock_ms, prepare_lines

__all__ = ["parse_srt"]

# Digit runs are capped: Python refuses int() on more than 4300 digits.
_INDEX = re.compile(r"[ \t]*([0-9]{1,4000})[ \t]*")
_TIMESTAMP = re.compile(r"([0-9]{1,4000}):([0-9]{2}):([0-9]{2})([,.])([0-9]{3})")
_WS = " \t\f\v"
_TIMING_HINT = "write the timing line as 00:00:01,000 --> 00:00:04,000 (HH:MM:SS,mmm)"


def _timestamp(token: str) -> tuple[int | None, str, bool]:
    """(milliseconds or None, why it is wrong, whether '.' was used before the milliseconds)."""
    m = _TIMESTAMP.fullmatch(token)
    if m is not None:
        hours, minutes, seconds, sep, millis = m.groups()
        if int(minutes) > 59:
            return None, f"minutes must be 00-59, not {minutes}", False
        if int(seconds) > 59:
            return None, f"seconds must be 00-59, not {seconds}", False
        value = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)
        return value, "", sep == "."
    if not token:
        return None, "missing", False
    parts = token.split(":")
    if len(parts) != 3:
        return None, "expected HH:MM:SS,mmm", False
    hours, minutes, rest = parts
    if not re.fullmatch(r"[0-9]+", hours):
        return None, "hours must be digits", False
    if not re.fullmatch(r"[0-9]{2}", minutes):
        return None, "minutes must be two digits", False
    seconds, sep, millis = rest.partition(",") if "," in rest else rest.partition(".")
    if not re.fullmatch(r"[0-9]{2}", seconds):
        return None, "seconds must be two digits", False
    if not sep:
        return None, "expected ',' and three digits of milliseconds", False
    return None, "milliseconds must be three digits", False


@dataclass
class _Pending:
    """A cue whose text lines are being collected."""

    id: str
    start_ms: int
    end_ms: int
    line: int
    text: list[str] = field(default_factory=list)


class _SrtParser:
    def __init__(self, text: str, problems: list[Problem]) -> None:
        self.lines = text.split("\n")
        self.problems = problems
        self.cues: list[Cue] = []
        self.expected = 1
        self.pending: _Pending | None = None
        self.decimal_lines: list[int] = []

    def problem(self, code: str, index: int, message: str, hint: str) -> None:
        self.problems.append(Problem(code, message, severity=ERROR, line=index + 1, hint=hint))

    def timing(self, index: int, cue_id: str) -> bool:
        """Parse the timing line at ``index``; start a pending cue. False (reported) if bad."""
        line = self.lines[index]
        left, arrow, right = line.partition("-->")
        if not arrow:
            self.problem(
                "srt-timing",
                index,
                f"expected a timing line with '-->', found '{_cut(line)}': the cue is dropped",
                _TIMING_HINT,
            )
            return False
        start_text = left.strip(_WS)
        right = right.lstrip(_WS)
        end_text = right.split(None, 1)[0] if right.strip() else ""
        start, why_start, dot_start = _timestamp(start_text)
        end, why_end, dot_end = _timestamp(end_text)
        why = ""
        if start is None:
            why = f"start time '{_cut(start_text)}': {why_start}"
        elif end is None:
            why = f"end time '{_cut(end_text)}': {why_end}"
        if why or start is None or end is None:
            self.problem(
                "srt-timing", index, f"bad timing line ({why}): the cue is dropped", _TIMING_HINT
            )
            return False
        if dot_start or dot_end:
            self.decimal_lines.append(index)
        if end <= start:
            self.problem(
                "srt-end-before-start",
                index,
                f"the cue ends at {clock_ms(end)}, {'at' if end == start else 'before'} its start "
                f"{clock_ms(start)}",
                "the end time must be after the start time",
            )
        if self.cues and start < self.cues[-1].start_ms:
            previous = self.cues[-1]
            self.problem(
                "srt-order",
                index,
                f"the cue starts at {clock_ms(start)}, before the previous cue (line "
                f"{previous.line}) starts at {clock_ms(previous.start_ms)}",
                "cues must be in order of start time",
            )
        self.pending = _Pending(cue_id, start, end, index + 1)
        # Add at once so the order check of the next cue sees it; text is filled in on finish.
        self.cues.append(Cue(id=cue_id, start_ms=start, end_ms=end, text="", line=index + 1))
        return True

    def finish(self) -> None:
        pending = self.pending
        if pending is not None:
            self.cues[-1] = Cue(
                id=pending.id,
                start_ms=pending.start_ms,
                end_ms=pending.end_ms,
                text="\n".join(pending.text),
                line=pending.line,
            )
        self.pending = None

    def number(self, index: int, value: str) -> None:
        number = int(value)
        if number != self.expected:
            self.problem(
                "srt-index",
                index,
                f"cue number {number} where {self.expected} was expected",
                "number the cues 1, 2, 3, … in order (`mooc captions convert` renumbers them)",
            )
        self.expected = number + 1

    def no_timing(self, index: int) -> None:
        """Report the cue number at or before ``index`` that has no timing line after it."""
        while index > 0 and self.lines[index].strip(_WS) == "":
            index -= 1
        self.problem(
            "srt-timing",
            index,
            f"cue number '{_cut(self.lines[index].strip(_WS))}' has no timing line after it: "
            "the cue is dropped",
            _TIMING_HINT,
        )

    def is_timing(self, index: int) -> bool:
        if index >= len(self.lines) or "-->" not in self.lines[index]:
            return False
        left, _, right = self.lines[index].partition("-->")
        end_text = right.strip(_WS).split()[0] if right.strip(_WS) else ""
        return (
            _TIMESTAMP.fullmatch(left.strip(_WS)) is not None
            and _TIMESTAMP.fullmatch(end_text) is not None
        )

    def run(self) -> None:
        lines = self.lines
        state = "number"
        for index, line in enumerate(lines):
            if line.strip(_WS) == "":
                if state == "timing":
                    self.no_timing(index - 1)
                self.finish()
                state = "number"
                continue
            if state == "number":
                m = _INDEX.fullmatch(line)
                if m is not None:
                    self.number(index, m.group(1))
                    state = "timing"
                elif "-->" in line:
                    self.problem(
                        "srt-index",
                        index,
                        f"the cue has no number line before its timing (expected {self.expected})",
                        f"put the cue number ({self.expected}) on the line above the timing line",
                    )
                    cue_id = str(self.expected)
                    self.expected += 1
                    state = "text" if self.timing(index, cue_id) else "skip"
                elif self.is_timing(index + 1):
                    self.problem(
                        "srt-index",
                        index,
                        f"expected cue number {self.expected}, found '{_cut(line)}'",
                        "each cue starts with its number, then the timing line, then the text",
                    )
                    self.expected += 1
                    state = "timing"
                else:
                    hint = "each cue starts with its number, then the timing line, then the text"
                    if index == 0 and line.startswith("WEBVTT"):
                        hint = "this is WebVTT: rename the file to .vtt"
                    elif self.cues:
                        hint = "remove the blank line inside the previous cue's text"
                    self.problem(
                        "srt-index",
                        index,
                        f"expected cue number {self.expected}, found '{_cut(line)}': the block is "
                        "dropped",
                        hint,
                    )
                    state = "skip"
            elif state == "timing":
                cue_id = lines[index - 1].strip(_WS)
                state = "text" if self.timing(index, cue_id) else "skip"
            elif state == "text":
                pending = self.pending
                assert pending is not None
                if self.is_timing(index):
                    self.finish()
                    self.problem(
                        "srt-index",
                        index,
                        "a timing line inside cue text: the blank line and the number before "
                        "this cue are missing",
                        "end each cue with a blank line, then number the next cue",
                    )
                    cue_id = str(self.expected)
                    self.expected += 1
                    self.timing(index, cue_id)
                elif _INDEX.fullmatch(line) is not None and self.is_timing(index + 1):
                    self.finish()
                    self.problem(
                        "srt-index",
                        index,
                        "no blank line before this cue number: it would show as text of the cue "
                        "above",
                        "end each cue with a blank line",
                    )
                    self.number(index, line.strip(_WS))
                    state = "timing"
                else:
                    pending.text.append(line)
        if state == "timing":
            self.no_timing(len(lines) - 1)
        self.finish()
        if self.decimal_lines:
            count = len(self.decimal_lines)
            self.problems.append(
                Problem(
                    "srt-decimal",
                    f"'.' instead of ',' before the milliseconds ({count} timing line"
                    f"{'s' if count > 1 else ''}); SubRip uses ','",
                    severity=WARNING,
                    line=self.decimal_lines[0] + 1,
                    hint="write 00:00:01,000; `mooc captions convert` fixes it",
                )
            )


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def parse_srt(text: str) -> ParsedCaptions:
    """Parse decoded SubRip ``text``; cues carry WebVTT default settings.

    Each cue's ``id`` is its number as written and ``line`` the line of its timing line. Problems
    carry 1-based line numbers.
    """
    problems: list[Problem] = []
    prepared = prepare_lines(text, problems)
    parser = _SrtParser(prepared, problems)
    parser.run()
    problems.sort(key=lambda p: p.line or 0)
    return ParsedCaptions(
        format="srt", cues=tuple(parser.cues), regions=(), problems=tuple(problems)
    )
