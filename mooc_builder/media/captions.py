"""Caption files: read (strict WebVTT or SubRip), check quality, convert and normalise.

This is the public API the rest of mooc-builder uses. Reading never raises: every finding is a
:class:`~mooc_builder.errors.Problem` with a 1-based line number, for the caller to place with
:meth:`Problem.at`.

Problem codes
    Errors: ``vtt-signature``, ``vtt-timing``, ``vtt-end-before-start``, ``vtt-order``,
    ``vtt-orphan-text``, ``srt-index``, ``srt-timing``, ``srt-end-before-start``, ``srt-order``,
    ``caption-encoding``, ``caption-unreadable``, ``caption-empty``, ``caption-overlap``,
    ``caption-after-end``.
    Warnings: ``vtt-setting``, ``vtt-header``, ``vtt-region``, ``srt-decimal``,
    ``caption-not-nfc``, ``caption-cps``, ``caption-line-length``, ``caption-lines``,
    ``caption-too-short``, ``caption-too-long``, ``caption-gap``, ``caption-uncovered``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from mooc_builder.course.model import CaptionPolicy
from mooc_builder.errors import WARNING, MoocError, Problem, UsageError, errors_in
from mooc_builder.media.srt import parse_srt
from mooc_builder.media.webvtt import (
    Cue,
    ParsedCaptions,
    Region,
    clock_ms,
    iter_lines,
    parse_webvtt,
)
from mooc_builder.text import graphemes, is_nfc, nfc
from mooc_builder.write import write_file_atomic

__all__ = [
    "CaptionQuality",
    "Cue",
    "ParsedCaptions",
    "Region",
    "check_caption_quality",
    "convert_captions",
    "format_srt",
    "format_webvtt",
    "normalize_captions",
    "parse_srt",
    "parse_webvtt",
    "read_captions",
    "webvtt_bytes",
]

DEFAULT_FPS = 25.0
"""Frame rate assumed for ``caption-gap`` when the video's is unknown."""

_ENCODING_HINT = "save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8)"
_BAD_BYTE = re.compile(r"[\udc80-\udcff]")


# --- reading -------------------------------------------------------------------------------------


def _format_of(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix == ".vtt":
        return "webvtt"
    if suffix == ".srt":
        return "srt"
    return "webvtt" if data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT") else "srt"


def _line_at(text: str, index: int) -> int:
    """1-based line of ``text[index]``, counting CR, LF and CRLF as one line end each."""
    head = text[:index]
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


def _decode(data: bytes) -> tuple[str | None, list[Problem]]:
    """UTF-8 decode as browsers do (bad bytes -> U+FFFD), reporting the first bad byte's line.

    Returns ``None`` for UTF-16 files: they cannot be read as captions at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [
            Problem(
                "caption-encoding",
                "the file is UTF-16; caption files must be UTF-8 (browsers read them as UTF-8)",
                line=1,
                hint=_ENCODING_HINT,
            )
        ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    loose = data.decode("utf-8", errors="surrogateescape")
    bad = _BAD_BYTE.findall(loose)
    first = _BAD_BYTE.search(loose)
    assert first is not None
    byte = ord(first.group()) - 0xDC00
    count = len(bad)
    others = f" ({count} invalid bytes in the file)" if count > 1 else ""
    problem = Problem(
        "caption-encoding",
        f"byte 0x{byte:02X} is not valid UTF-8{others}: players show \ufffd instead",
        line=_line_at(loose, first.start()),
        hint=_ENCODING_HINT,
    )
    return data.decode("utf-8", errors="replace"), [problem]


def _nfc_problems(text: str) -> list[Problem]:
    if is_nfc(text):
        return []
    first = 1
    for number, line in iter_lines(text):
        if not is_nfc(line):
            first = number
            break
    return [
        Problem(
            "caption-not-nfc",
            "the text is not in Unicode NFC: letters such as 'ệ' are stored as several code "
            "points, which breaks search and character counts (measured here after NFC)",
            severity=WARNING,
            line=first,
            hint="run `mooc captions normalize FILE`",
        )
    ]


def read_captions(path: Path) -> ParsedCaptions:
    """Read and parse the caption file at ``path`` (``.vtt`` WebVTT or ``.srt`` SubRip).

    Never raises for bad content: an unreadable file gives ``caption-unreadable``, bytes that
    are not UTF-8 give ``caption-encoding`` (at the line of the first bad byte; the rest is read
    as a browser would, with U+FFFD), text not in NFC gives one ``caption-not-nfc`` warning at
    the first such line. Cue text and ids are returned in NFC.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return ParsedCaptions(
            format=_format_of(path, b""),
            cues=(),
            regions=(),
            problems=(
                Problem(
                    "caption-unreadable",
                    f"cannot read the caption file: {reason}",
                    hint="check that the file exists and can be read",
                ),
            ),
        )
    fmt = _format_of(path, data)
    text, problems = _decode(data)
    if text is None:
        return ParsedCaptions(format=fmt, cues=(), regions=(), problems=tuple(problems))
    problems.extend(_nfc_problems(text))
    parsed = parse_webvtt(nfc(text)) if fmt == "webvtt" else parse_srt(nfc(text))
    problems.extend(parsed.problems)
    problems.sort(key=lambda p: p.line or 0)
    return replace(parsed, problems=tuple(problems))


# --- quality -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptionQuality:
    """The caption quality rules applied to one track."""

    problems: tuple[Problem, ...]
    coverage: float | None
    """Share (0-1) of ``[0, duration]`` covered by the union of cues; ``None`` if the duration
    is unknown."""
    uncovered: tuple[tuple[float, float], ...]
    """Stretches without any cue longer than ``policy.max_uncovered_s``, in seconds."""


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f} s"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _cue_problems(cue: Cue, policy: CaptionPolicy) -> list[Problem]:
    out: list[Problem] = []

    def add(code: str, message: str, hint: str) -> None:
        out.append(Problem(code, message, severity=WARNING, line=cue.line, hint=hint))

    lines = cue.text_lines
    counts = [graphemes(line) for line in lines]
    if len(lines) > policy.max_lines:
        add(
            "caption-lines",
            f"cue has {len(lines)} lines, above {policy.max_lines}",
            "shorten the text or split it over two cues",
        )
    long_lines = [(k, n) for k, n in enumerate(counts, start=1) if n > policy.max_chars_per_line]
    if long_lines:
        k, n = max(long_lines, key=lambda item: item[1])
        more = f" ({len(long_lines)} lines are too long)" if len(long_lines) > 1 else ""
        add(
            "caption-line-length",
            f"line {k} of the cue has {n} characters, above {policy.max_chars_per_line}{more}",
            "break the line at a space between words, or split the cue",
        )
    duration = cue.end_ms - cue.start_ms
    if duration <= 0:
        return out  # reported by the parser (end before start)
    if duration < policy.min_cue_s * 1000:
        add(
            "caption-too-short",
            f"cue lasts {_seconds(duration)}, below {policy.min_cue_s:g} s",
            "show it longer, or merge it with a neighbouring cue",
        )
    elif duration > policy.max_cue_s * 1000:
        add(
            "caption-too-long",
            f"cue lasts {_seconds(duration)}, above {policy.max_cue_s:g} s",
            "split it into shorter cues that follow the speech",
        )
    chars = sum(counts)
    cps = chars * 1000 / duration
    if cps > policy.max_cps:
        add(
            "caption-cps",
            f"cue shows {chars} characters in {_seconds(duration)}: {cps:.1f} characters per "
            f"second, above {policy.max_cps:g}",
            "split the cue or lengthen it, or shorten the text",
        )
    return out


def _timeline_problems(ordered: Sequence[Cue], policy: CaptionPolicy, fps: float) -> list[Problem]:
    """Overlaps and too-small gaps between cues in order of start time."""
    out: list[Problem] = []
    latest: Cue | None = None  # the cue that ends last so far
    for cue in ordered:
        if latest is not None:
            gap = cue.start_ms - latest.end_ms
            if gap < 0:
                out.append(
                    Problem(
                        "caption-overlap",
                        f"the cue starts at {clock_ms(cue.start_ms)}, before the cue at line "
                        f"{latest.line} ends at {clock_ms(latest.end_ms)}",
                        line=cue.line,
                        hint="end the earlier cue before this one starts (overlapping cues "
                        "stack on screen)",
                    )
                )
            elif gap * fps < policy.min_gap_frames * 1000:
                frames = gap * fps / 1000
                out.append(
                    Problem(
                        "caption-gap",
                        f"gap of {_seconds(gap)} ({frames:.1f} frames at {fps:g} fps) after the "
                        f"cue at line {latest.line} ends at {clock_ms(latest.end_ms)}, below "
                        f"{_plural(policy.min_gap_frames, 'frame')}",
                        severity=WARNING,
                        line=cue.line,
                        hint=f"leave at least {_plural(policy.min_gap_frames, 'frame')} between "
                        "cues so viewers notice the change: end the earlier cue sooner",
                    )
                )
        if latest is None or cue.end_ms > latest.end_ms:
            latest = cue
    return out


def check_caption_quality(
    cues: Sequence[Cue],
    policy: CaptionPolicy,
    duration_s: float | None,
    fps: float | None = None,
) -> CaptionQuality:
    """Apply the caption rules of ``policy`` to ``cues`` of a video lasting ``duration_s``.

    Per cue (warnings): lines, line length and reading speed in graphemes after NFC
    (``caption-lines``, ``caption-line-length``, ``caption-cps``), duration
    (``caption-too-short``, ``caption-too-long``). Between cues: ``caption-overlap`` (error) and
    ``caption-gap`` (below ``policy.min_gap_frames`` frames at ``fps``, default 25). Against the
    video: ``caption-after-end`` (error) and ``caption-uncovered`` stretches longer than
    ``policy.max_uncovered_s``, at the start, between cues and at the end. No cues at all is
    ``caption-empty`` (error). Each problem names the line of the cue's timing line.
    """
    frame_rate = fps if fps and fps > 0 else DEFAULT_FPS
    duration_ms = duration_s * 1000 if duration_s is not None and duration_s > 0 else None
    problems: list[Problem] = []
    if not cues:
        problems.append(
            Problem(
                "caption-empty",
                "the caption file has no cues",
                hint="caption all speech (WCAG 2.1 SC 1.2.2): add cues with timing lines",
            )
        )
    for cue in cues:
        problems.extend(_cue_problems(cue, policy))
        if duration_ms is not None and cue.end_ms > duration_ms + 0.5:
            when = (
                f"starts at {clock_ms(cue.start_ms)}"
                if cue.start_ms >= duration_ms
                else f"ends at {clock_ms(cue.end_ms)}"
            )
            problems.append(
                Problem(
                    "caption-after-end",
                    f"the cue {when}, after the video ends at {clock_ms(duration_ms)}",
                    line=cue.line,
                    hint="end every cue before the video ends (or check that the captions "
                    "belong to this video)",
                )
            )
    ordered = sorted((c for c in cues if c.end_ms > c.start_ms), key=lambda c: c.start_ms)
    problems.extend(_timeline_problems(ordered, policy, frame_rate))

    # Coverage: walk the cues in start order, keeping the end of the covered union so far.
    stretches: list[tuple[float, float, int | None]] = []  # (from ms, to ms, line to report)
    covered_to = 0.0
    covered = 0.0
    last: Cue | None = None
    for cue in ordered:
        start, end = float(cue.start_ms), float(cue.end_ms)
        if duration_ms is not None:
            start, end = min(start, duration_ms), min(end, duration_ms)
        if start > covered_to:
            stretches.append((covered_to, start, cue.line))
        if end > covered_to:
            covered += end - max(start, covered_to)
            covered_to = end
        if last is None or cue.end_ms >= last.end_ms:
            last = cue
    if duration_ms is not None and covered_to < duration_ms:
        stretches.append((covered_to, duration_ms, last.line if last else None))
    if not cues:
        stretches = []  # caption-empty says it all
    uncovered: list[tuple[float, float]] = []
    limit_ms = policy.max_uncovered_s * 1000
    for start, end, line in stretches:
        if end - start <= limit_ms:
            continue
        uncovered.append((start / 1000, end / 1000))
        problems.append(
            Problem(
                "caption-uncovered",
                f"no caption from {clock_ms(start)} to {clock_ms(end)} ({_seconds(end - start)}), "
                f"longer than {policy.max_uncovered_s:g} s",
                severity=WARNING,
                line=line,
                hint="caption all speech (WCAG 2.1 SC 1.2.2); if nobody speaks there, raise "
                "policy.captions.max_uncovered_s or ignore this warning",
            )
        )
    if not cues and duration_ms is not None and duration_ms > limit_ms:
        uncovered.append((0.0, duration_ms / 1000))
    coverage = None
    if duration_ms is not None:
        coverage = min(1.0, max(0.0, covered / duration_ms))
    problems.sort(key=lambda p: p.line or 0)
    return CaptionQuality(tuple(problems), coverage, tuple(uncovered))


# --- writing -------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>?")
_SIMPLE_TAG = re.compile(r"<(/?)([biu])(?:\.[^ \t\n\f\r>]*)?(?:[ \t\n\f\r][^>]*)?>?", re.IGNORECASE)
_FONT_TAG = re.compile(r"</?font(?:[ \t\n\f\r][^>]*)?>?", re.IGNORECASE)
_CHAR_REF = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def vtt_timestamp(ms: int) -> str:
    """``4500`` -> ``00:00:04.500``, a WebVTT timestamp."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _srt_timestamp(ms: int) -> str:
    return vtt_timestamp(ms).replace(".", ",")


def _number(value: float) -> str:
    """A WebVTT number: plain decimal notation (no exponent), shortest round-trip digits."""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _settings(cue: Cue) -> str:
    parts: list[str] = []
    if cue.vertical:
        parts.append(f"vertical:{cue.vertical}")
    if cue.line_position is not None:
        value = _number(cue.line_position) + ("" if cue.snap_to_lines else "%")
        if cue.line_align != "start":
            value += f",{cue.line_align}"
        parts.append(f"line:{value}")
    if cue.position is not None:
        value = _number(cue.position) + "%"
        if cue.position_align != "auto":
            value += f",{cue.position_align}"
        parts.append(f"position:{value}")
    if cue.size != 100:
        parts.append(f"size:{_number(cue.size)}%")
    if cue.align != "center":
        parts.append(f"align:{cue.align}")
    if cue.region is not None and cue.region.id:
        # Last: vertical, line and size settings drop the region when they come after it.
        parts.append(f"region:{cue.region.id}")
    return (" " + " ".join(parts)) if parts else ""


def _region_block(region: Region) -> str:
    lines = [
        "REGION",
        f"id:{region.id}",
        f"width:{_number(region.width)}%",
        f"lines:{region.lines}",
        f"regionanchor:{_number(region.region_anchor_x)}%,{_number(region.region_anchor_y)}%",
        f"viewportanchor:{_number(region.viewport_anchor_x)}%,{_number(region.viewport_anchor_y)}%",
    ]
    if region.scroll:
        lines.append(f"scroll:{region.scroll}")
    return "\n".join(lines)


def _srt_text_to_vtt(text: str) -> str:
    """SubRip payload as WebVTT cue text: <b>/<i>/<u> kept, <font> dropped, '-->' escaped."""
    text = _FONT_TAG.sub("", text)
    return text.replace("-->", "--&gt;")


def _vtt_text_to_srt(text: str) -> str:
    """WebVTT cue text as SubRip: <b>/<i>/<u> kept (classes dropped), other tags removed,
    character references decoded except &lt; and &gt; (which would read as tags)."""
    out: list[str] = []
    pos = 0
    for m in _TAG.finditer(text):
        out.append(_decode_refs(text[pos : m.start()]))
        simple = _SIMPLE_TAG.fullmatch(m.group())
        if simple is not None:
            out.append(f"<{simple.group(1)}{simple.group(2).lower()}>")
        pos = m.end()
    out.append(_decode_refs(text[pos:]))
    return "".join(out)


def _decode_refs(segment: str) -> str:
    if "&" not in segment:
        return segment
    return _CHAR_REF.sub(
        lambda m: m.group() if m.group() in ("&lt;", "&gt;") else html.unescape(m.group()),
        segment,
    )


def _text_lines(text: str) -> list[str]:
    """Payload lines safe to write: lines that are blank would end the cue, so they go."""
    return [line for line in text.split("\n") if line.strip(" \t\f\v")]


def format_webvtt(parsed: ParsedCaptions) -> str:
    """Write ``parsed`` as a WebVTT file (LF line ends, NFC, one final newline).

    Regions and STYLE blocks of a WebVTT source are kept; comments are not. SubRip payloads keep
    their ``<b>``, ``<i>``, ``<u>`` tags; cue numbers become cue identifiers.
    """
    blocks = ["WEBVTT"]
    blocks.extend(_region_block(r) for r in parsed.regions if r.id)
    blocks.extend(f"STYLE\n{style}" for style in parsed.styles)
    for cue in parsed.cues:
        text = _srt_text_to_vtt(cue.text) if parsed.format == "srt" else cue.text
        head = f"{vtt_timestamp(cue.start_ms)} --> {vtt_timestamp(cue.end_ms)}{_settings(cue)}"
        lines = ([cue.id] if cue.id else []) + [head] + _text_lines(text)
        blocks.append("\n".join(lines))
    return nfc("\n\n".join(blocks) + "\n")


def webvtt_bytes(parsed: ParsedCaptions) -> bytes:
    """``parsed`` as the UTF-8 bytes of a WebVTT file (:func:`format_webvtt`), for packaging."""
    return format_webvtt(parsed).encode("utf-8")


def format_srt(cues: Sequence[Cue], source_format: str = "webvtt") -> str:
    """Write ``cues`` as a SubRip file numbered from 1 (LF line ends, NFC).

    WebVTT cue settings have no SubRip equivalent and are dropped; markup other than ``<b>``,
    ``<i>``, ``<u>`` is removed.
    """
    blocks: list[str] = []
    for number, cue in enumerate(cues, start=1):
        text = _vtt_text_to_srt(cue.text) if source_format == "webvtt" else cue.text
        head = f"{_srt_timestamp(cue.start_ms)} --> {_srt_timestamp(cue.end_ms)}"
        blocks.append("\n".join([str(number), head, *_text_lines(text)]))
    return nfc("".join(block + "\n\n" for block in blocks))


def convert_captions(src: Path, dst: Path) -> ParsedCaptions:
    """Convert ``src`` (.srt or .vtt) to ``dst`` (.vtt or .srt, by its suffix); return the parse.

    Refuses with :class:`MoocError` (its problems placed at ``src``) when the source has errors:
    a converted file would silently lose cues. The output is NFC with LF line ends and is written
    atomically, so ``dst`` is either the old file or the complete new one.
    """
    src, dst = Path(src), Path(dst)
    target = dst.suffix.lower()
    if target not in (".vtt", ".srt"):
        raise UsageError(
            f"cannot convert to '{dst.name}': the target must end in .vtt or .srt",
            hint="name the output file .vtt (WebVTT) or .srt (SubRip)",
        )
    parsed = read_captions(src)
    errors = errors_in(parsed.problems)
    if errors:
        raise MoocError(
            f"{src.name} has {_plural(len(errors), 'error')}: not converted",
            [p.at(file=src) for p in parsed.problems],
            hint="fix the errors first; a converted file would silently lose cues",
        )
    text = format_webvtt(parsed) if target == ".vtt" else format_srt(parsed.cues, parsed.format)
    write_file_atomic(dst, text.encode("utf-8"))
    return parsed


def _normalized(text: str, webvtt: bool) -> str:
    """NFC, LF line ends, no trailing spaces or tabs, no BOM, exactly one final newline.

    In WebVTT a whitespace-only line does not end a block, but an empty one does: a
    whitespace-only line between two text lines of a block is removed rather than emptied, so
    the text after it stays in its cue.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    raw = text.split("\n")
    lines: list[str] = []
    for k, line in enumerate(raw):
        stripped = line.rstrip(" \t")
        if webvtt and line and not stripped and lines and lines[-1]:
            following = raw[k + 1] if k + 1 < len(raw) else ""
            if following.strip(" \t") and "-->" not in following:
                continue
        lines.append(stripped)
    out = "\n".join(lines).rstrip("\n")
    return out + "\n" if out else ""


def normalize_captions(path: Path) -> bool:
    """Rewrite ``path`` in place: NFC, LF line ends, no trailing spaces, no BOM, one final newline.

    Cue timings and text are otherwise untouched. Returns True if the file changed. Refuses
    with :class:`MoocError` if the file cannot be read or is not UTF-8 (the file is left as it
    was); the rewrite is atomic.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = Problem(
            "caption-unreadable",
            f"cannot read the caption file: {exc.strerror or exc}",
            file=path,
            hint="check that the file exists and can be read",
        )
        raise MoocError(f"cannot read {path}", [problem]) from exc
    text, problems = _decode(data)
    if text is None or problems:
        raise MoocError(
            f"{path.name} is not UTF-8: not normalised",
            [p.at(file=path) for p in problems],
            hint=_ENCODING_HINT,
        )
    webvtt = _format_of(path, data) == "webvtt"
    new = _normalized(text, webvtt).encode("utf-8")
    if new == data:
        return False
    write_file_atomic(path, new)
    return True
