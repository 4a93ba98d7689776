"""Regenerate the "human-rights" example course from ``source/lessons.yaml``.

For every lesson this writes, next to this folder:

* ``slides/<lesson>.pptx``: a 16:9 deck with a filled title placeholder, bilingual body text,
  speaker notes (the narration) and one generated picture with alt text per slide;
* ``captions/<lesson>.vi.vtt`` and ``captions/<lesson>.en.vtt``: one cue per narrated
  utterance, both languages with the same timings;
* ``media/<lesson>.mp4``: the slides rendered at 1280x720 with the Vietnamese narration
  (H.264/AAC, ``moov`` before ``mdat``);

and finally ``course.yaml`` with each lesson's ``slide_times``.

Prerequisites: ``espeak-ng`` with its Vietnamese voice (``apt-get install espeak-ng``),
DejaVu Sans fonts (``fonts-dejavu-core``), and the Python packages python-pptx, Pillow,
imageio-ffmpeg (which ships ffmpeg), PyYAML, regex and jsonschema (all installed with
mooc-builder).

Usage::

    python courses/human-rights/source/make_media.py            # regenerate everything
    python courses/human-rights/source/make_media.py --dry-run  # synthesise and check only

The output is deterministic (fixed zip timestamps, no encoder metadata) apart from possible
encoder noise. Captions are checked against the course caption policy before anything is
written, by mooc-builder's own caption rules (the ones `mooc check` applies); the script
stops with every broken rule listed if one fails.
"""

from __future__ import annotations

import argparse
import array
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import unicodedata
import wave
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import jsonschema
import yaml
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from mooc_builder.course.model import CaptionPolicy
from mooc_builder.media.captions import check_caption_quality, vtt_timestamp
from mooc_builder.media.webvtt import parse_webvtt
from mooc_builder.text import graphemes

HERE = Path(__file__).resolve().parent
COURSE_DIR = HERE.parent
SOURCE = HERE / "lessons.yaml"
SCHEMA = COURSE_DIR.parent.parent / "mooc_builder" / "course" / "course.schema.json"

COURSE_ID = "human-rights"
ACTIVITY_BASE = "https://training.example.gov.vn/xapi/activities/"
LANGS = ("vi", "en")

# --- publishing policy (written to course.yaml and enforced here) ---------------------------
MIN_DURATION_S = 180
MAX_DURATION_S = 300
TARGET_DURATION_S = (200, 260)
MAX_LINES = 2
MAX_CHARS_PER_LINE = 42
MAX_CPS = 17.0
MIN_CUE_S = 0.833
MAX_CUE_S = 7.0
MIN_GAP_FRAMES = 2
FPS = 25
MAX_UNCOVERED_S = 10.0
MIN_PLAYED = 0.95
MAX_VIDEO_BYTES = 3_000_000
CAPTION_POLICY = CaptionPolicy(
    languages=LANGS,
    max_lines=MAX_LINES,
    max_chars_per_line=MAX_CHARS_PER_LINE,
    max_cps=MAX_CPS,
    min_cue_s=MIN_CUE_S,
    max_cue_s=MAX_CUE_S,
    min_gap_frames=MIN_GAP_FRAMES,
    max_uncovered_s=MAX_UNCOVERED_S,
)

# --- narration timing (milliseconds) --------------------------------------------------------
VOICE = "vi"
SPEED_WPM = 120  # espeak-ng -s; 140 reads Vietnamese at ~17 characters per second, too fast
LEAD_MS = 600  # silence before the first utterance
GAP_MS = 300  # pause between utterances on one slide
SLIDE_GAP_MS = 1000  # pause between the last utterance of a slide and the next slide's first
SLIDE_LEAD_MS = 450  # a new slide appears this long before its first utterance
TAIL_MS = 1500  # silence after the last utterance
TARGET_CPS = 16.0  # cues are held at least long enough to read at this speed
MIN_CUE_MS = 1000
SILENCE_THRESHOLD = 300  # 16-bit sample amplitude treated as silence when trimming
TRIM_PAD_MS = 30

# --- slide geometry (pixels of a 1280x720 frame; 1 px = 9525 EMU on a 13.333 in slide) -------
W, H = 1280, 720
EMU_PER_PX = 9525
MARGIN_X = 60
TITLE_Y, TITLE_H, TITLE_PT = 34, 50, 28
SUBTITLE_Y, SUBTITLE_H, SUBTITLE_PT = 88, 32, 16
RULE_Y = 132
BODY_X, BODY_Y, BODY_W, BODY_H = 60, 160, 700, 500
BULLET_INDENT = 28
BODY_SIZES_PT = ((20, 15), (18, 14), (16, 13))
PIC_X, PIC_Y, PIC_SIZE = 800, 168, 420
PIC_CANVAS = 840  # pictures are drawn at 2x and shown at PIC_SIZE

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "italic": "DejaVuSans-Oblique.ttf",
}
PPTX_FONT = "Arial"  # DejaVu Sans is wider than Arial, so text that fits the frame fits the deck

NAVY = (31, 58, 95)
TEAL = (33, 128, 117)
PALE_TEAL = (170, 214, 207)
LIGHT = (232, 244, 242)
GREY = (96, 104, 114)
LIGHT_GREY = (222, 226, 231)
AMBER = (233, 178, 60)
RED = (186, 64, 52)
WHITE = (255, 255, 255)
TEXT = (33, 37, 41)

FIXED_TIME = datetime(2025, 1, 1)
ZIP_TIME = (2025, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The sources or a result break a rule; the message lists every problem."""


# =============================================================================================
# Source model
# =============================================================================================


@dataclass(frozen=True)
class Text:
    """A text in both course languages."""

    vi: str
    en: str


@dataclass(frozen=True)
class Utterance:
    """One narrated sentence: one caption cue in each language."""

    vi_lines: tuple[str, ...]
    en_lines: tuple[str, ...]
    say: str

    @property
    def vi(self) -> str:
        """Vietnamese caption text on one line."""
        return " ".join(self.vi_lines)

    @property
    def en(self) -> str:
        """English caption text on one line."""
        return " ".join(self.en_lines)


@dataclass(frozen=True)
class Picture:
    """A generated picture: its drawing parameters and alt text."""

    kind: str
    params: dict[str, Any]
    alt: Text


@dataclass(frozen=True)
class SlideSource:
    """One slide as authored."""

    title: Text
    bullets: tuple[Text, ...]
    picture: Picture
    narration: tuple[Utterance, ...]


@dataclass(frozen=True)
class LessonSource:
    """One lesson as authored."""

    id: str
    title: Text
    description: Text
    slides: tuple[SlideSource, ...]


@dataclass(frozen=True)
class CourseSource:
    """The whole authored course."""

    version: str
    title: Text
    description: Text
    lessons: tuple[LessonSource, ...]


def nfc(text: str) -> str:
    """Normalise to NFC and collapse runs of spaces (YAML folding can leave doubles)."""
    return " ".join(unicodedata.normalize("NFC", text).split(" ")).strip()


def _text(node: Any, where: str) -> Text:
    if not isinstance(node, dict) or not all(isinstance(node.get(k), str) for k in LANGS):
        raise BuildError(f"{where}: expected {{vi: ..., en: ...}}")
    return Text(nfc(node["vi"]), nfc(node["en"]))


def _lines(text: str) -> tuple[str, ...]:
    """Split authored text at its explicit breaks, or break it when it is one long line."""
    text = unicodedata.normalize("NFC", text).strip()
    if "\n" in text:
        return tuple(" ".join(line.split()) for line in text.split("\n"))
    try:
        return break_lines(" ".join(text.split()))
    except BuildError:
        return (" ".join(text.split()),)  # reported with the other caption problems


# English line breaking: words a line should not end with (articles, prepositions, auxiliaries,
# numbers and adjectives before their noun), words a line may well start with, and phrases
# that read badly when split across two lines.
_WEAK_ENDINGS = frozenset({
    "a", "an", "the", "of", "to", "and", "or", "in", "on", "for", "with", "by", "so", "that",
    "where", "when", "as", "about", "its", "their", "our", "is", "are", "be", "can", "cannot",
    "must", "should", "will", "has", "one", "two", "three", "four", "five", "six", "seven",
    "eight", "nine", "all", "every", "each", "most", "general", "due", "human", "national",
    "simple", "familiar", "core"
})  # fmt: skip
_GOOD_STARTS = frozenset({
    "and", "or", "but", "so", "that", "to", "in", "on", "of", "for", "with", "from", "as",
    "when", "which", "who", "since", "under", "without"
})  # fmt: skip
_KEEP_TOGETHER = (
    "nine core",
    "core human rights",
    "human rights",
    "persons with disabilities",
    "sign language",
    "National Assembly",
    "General Assembly",
    "Rights of the Child",
    "Law on Children",
    "Law on Persons",
    "United Nations",
    "general principles",
    "due weight",
    "health care",
    "Universal Periodic Review",
)


def _break_cost(words: Sequence[str], i: int) -> float:
    """How bad it is to break ``words`` before word ``i`` (lower is better)."""
    first, second = " ".join(words[:i]), " ".join(words[i:])
    cost: float = abs(graphemes(first) - graphemes(second))
    if first[-1] in ",;:.":
        cost -= 18
    if words[i - 1].lower() in _WEAK_ENDINGS or words[i - 1].endswith("'s"):
        cost += 12
    if words[i].lower() in _GOOD_STARTS:
        cost -= 4
    joined = " ".join(words)
    at = len(first)  # position of the space where the break falls
    for phrase in _KEEP_TOGETHER:
        start = joined.find(phrase)
        while start != -1:
            if start < at < start + len(phrase):
                cost += 20
            start = joined.find(phrase, start + 1)
    return cost


def break_lines(text: str, limit: int = MAX_CHARS_PER_LINE) -> tuple[str, ...]:
    """Break a caption into at most two lines at a space.

    A text that fits on one line stays on one line. Otherwise the break balances the two
    lines, prefers to follow punctuation or precede a conjunction or preposition, and avoids
    ending a line on an article or splitting phrases such as "human rights".
    """
    if graphemes(text) <= limit:
        return (text,)
    words = text.split(" ")
    options = [
        i
        for i in range(1, len(words))
        if graphemes(" ".join(words[:i])) <= limit and graphemes(" ".join(words[i:])) <= limit
    ]
    if not options:
        raise BuildError(f"cannot break into two lines of {limit} characters: {text!r}")
    i = min(options, key=lambda i: _break_cost(words, i))
    return (" ".join(words[:i]), " ".join(words[i:]))


_ITEM_KEYS = {"label", "note", "muted", "text", "ok", "year"}


def _check_items(picture: Picture, where: str) -> None:
    """Catch YAML surprises in picture items (``off:`` is a boolean, unquoted commas split)."""
    for item in picture.params.get("items", []):
        if isinstance(item, str):
            continue
        keys = set(item) if isinstance(item, dict) else {None}
        if not keys <= _ITEM_KEYS or any(
            v is None or (k in {"label", "note", "text", "year"} and not isinstance(v, str))
            for k, v in item.items()
        ):
            raise BuildError(f"{where}: picture item {item!r}: quote text that has commas")


def load_source(path: Path) -> CourseSource:
    """Read and check ``lessons.yaml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    course = data["course"]
    lessons: list[LessonSource] = []
    for li, lesson in enumerate(data["lessons"]):
        lid = lesson["id"]
        slides: list[SlideSource] = []
        for si, slide in enumerate(lesson["slides"], start=1):
            where = f"{lid} slide {si}"
            pic = dict(slide["picture"])
            picture = Picture(
                kind=pic.pop("kind"), alt=_text(pic.pop("alt"), f"{where} picture alt"), params=pic
            )
            _check_items(picture, where)
            narration = tuple(
                Utterance(
                    vi_lines=_lines(cue["vi"]),
                    en_lines=_lines(cue["en"]),
                    say=nfc(cue.get("say") or " ".join(cue["vi"].split())),
                )
                for cue in slide["narration"]
            )
            if not narration:
                raise BuildError(f"{where}: no narration")
            slides.append(
                SlideSource(
                    title=_text(slide["title"], f"{where} title"),
                    bullets=tuple(
                        _text(b, f"{where} bullet {i}")
                        for i, b in enumerate(slide["bullets"], start=1)
                    ),
                    picture=picture,
                    narration=narration,
                )
            )
        if not 5 <= len(slides) <= 8:
            raise BuildError(f"lesson {li + 1} ({lid}) has {len(slides)} slides, expected 5-8")
        lessons.append(
            LessonSource(
                id=lid,
                title=_text(lesson["title"], f"{lid} title"),
                description=_text(lesson["description"], f"{lid} description"),
                slides=tuple(slides),
            )
        )
    return CourseSource(
        version=str(course["version"]),
        title=_text(course["title"], "course title"),
        description=_text(course["description"], "course description"),
        lessons=tuple(lessons),
    )


# =============================================================================================
# Narration: espeak-ng, one utterance per cue
# =============================================================================================


@dataclass(frozen=True)
class Speech:
    """A synthesised utterance with its silence trimmed."""

    samples: array.array[int]
    rate: int

    @property
    def ms(self) -> int:
        """Length in whole milliseconds (rounded up)."""
        return math.ceil(len(self.samples) * 1000 / self.rate)


def synthesise(text: str, workdir: Path, name: str) -> Speech:
    """Speak ``text`` with espeak-ng's Vietnamese voice and trim leading/trailing silence."""
    out = workdir / f"{name}.wav"
    subprocess.run(
        ["espeak-ng", "-v", VOICE, "-s", str(SPEED_WPM), "-w", str(out), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(out), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise BuildError("espeak-ng did not produce 16-bit mono audio")
        rate = wav.getframerate()
        samples = array.array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    loud = [i for i, s in enumerate(samples) if abs(s) > SILENCE_THRESHOLD]
    if not loud:
        raise BuildError(f"espeak-ng produced silence for {text!r}")
    pad = rate * TRIM_PAD_MS // 1000
    start, end = max(0, loud[0] - pad), min(len(samples), loud[-1] + pad)
    return Speech(samples[start:end], rate)


@dataclass(frozen=True)
class Cue:
    """A caption cue: times in milliseconds and the lines in both languages."""

    start_ms: int
    end_ms: int
    vi: tuple[str, ...]
    en: tuple[str, ...]


@dataclass(frozen=True)
class Timeline:
    """A lesson's narration laid out in time."""

    cues: tuple[Cue, ...]
    slide_ms: tuple[int, ...]
    total_ms: int
    audio: array.array[int]
    rate: int


def lay_out(lesson: LessonSource, speech: Sequence[Sequence[Speech]]) -> Timeline:
    """Place the utterances one after another and compute cue and slide times.

    A cue lasts as long as its utterance, but at least long enough for the longer of its two
    languages to be read at ``TARGET_CPS``; the extra time is silence before the next utterance.
    """
    rate = speech[0][0].rate
    cues: list[Cue] = []
    placed: list[tuple[int, Speech]] = []
    slide_ms: list[int] = []
    t = LEAD_MS
    for si, (slide, spoken) in enumerate(zip(lesson.slides, speech, strict=True)):
        if si:
            t += SLIDE_GAP_MS - GAP_MS
            slide_ms.append(t - SLIDE_LEAD_MS)
        else:
            slide_ms.append(0)
        for utt, sp in zip(slide.narration, spoken, strict=True):
            chars = max(graphemes(utt.vi), graphemes(utt.en))
            length = max(sp.ms, math.ceil(chars * 1000 / TARGET_CPS), MIN_CUE_MS)
            cues.append(Cue(t, t + length, utt.vi_lines, utt.en_lines))
            placed.append((t, sp))
            t += length + GAP_MS
    total = cues[-1].end_ms + TAIL_MS
    audio = array.array("h", bytes(2 * math.ceil(total * rate / 1000)))
    for at, sp in placed:
        pos = round(at * rate / 1000)
        audio[pos : pos + len(sp.samples)] = sp.samples
    return Timeline(tuple(cues), tuple(slide_ms), total, audio, rate)


# =============================================================================================
# Caption rules and WebVTT
# =============================================================================================


def caption_problems(cues: Sequence[Cue], lang: str, total_ms: int) -> list[str]:
    """Every way the ``lang`` track breaks the course caption policy (empty when it is fine).

    The track is judged exactly as ``mooc check`` will judge it: parsed by mooc-builder's strict
    WebVTT parser, then measured by its caption rules under the policy of course.yaml.
    """
    parsed = parse_webvtt(webvtt(cues, lang))
    quality = check_caption_quality(parsed.cues, CAPTION_POLICY, total_ms / 1000, FPS)
    return [f"{lang}:{p.line}: {p.message}" for p in (*parsed.problems, *quality.problems)]


def webvtt(cues: Iterable[Cue], lang: str) -> str:
    """The caption track of one language as WebVTT text (LF line ends, NFC)."""
    parts = ["WEBVTT", ""]
    for cue in cues:
        parts.append(f"{vtt_timestamp(cue.start_ms)} --> {vtt_timestamp(cue.end_ms)}")
        parts.extend(cue.vi if lang == "vi" else cue.en)
        parts.append("")
    return unicodedata.normalize("NFC", "\n".join(parts))


# =============================================================================================
# Drawing: fonts, text layout, pictures, slide frames
# =============================================================================================

_FONTS: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def font(style: str, px: int) -> ImageFont.FreeTypeFont:
    """A DejaVu Sans face at ``px`` pixels."""
    key = (style, px)
    if key not in _FONTS:
        _FONTS[key] = ImageFont.truetype(str(FONT_DIR / FONT_FILES[style]), px)
    return _FONTS[key]


def pt_px(pt: float) -> int:
    """Points to pixels of the 96-dpi frame."""
    return round(pt * 96 / 72)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap of ``text`` to ``width`` pixels."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and face.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def fitted(style: str, text: str, px: int, width: float) -> ImageFont.FreeTypeFont:
    """The largest face up to ``px`` pixels that shows ``text`` on one line within ``width``."""
    size = px
    while size > 12 and font(style, size).getlength(text) > width:
        size -= 2
    return font(style, size)


def balanced(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Wrap like :func:`wrap`, but even out the lines of a two-line result (no orphan word).

    An explicit ``\\n`` in picture text is kept as a line break, so authors can keep
    two-syllable Vietnamese words together.
    """
    if "\n" in text:
        return [line for part in text.split("\n") for line in balanced(part, face, width)]
    lines = wrap(text, face, width)
    if len(lines) != 2:
        return lines
    words = text.split()
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    fitting = [s for s in splits if max(face.getlength(s[0]), face.getlength(s[1])) <= width]
    best = min(fitting, key=lambda s: max(face.getlength(s[0]), face.getlength(s[1])))
    return list(best)


def centred_text(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    blocks: Sequence[tuple[str, ImageFont.FreeTypeFont, tuple[int, int, int]]],
    gap: float = 10,
) -> None:
    """Draw text blocks (text, font, colour) wrapped and centred in ``box``, top to bottom."""
    x0, y0, x1, y1 = box
    laid: list[tuple[list[str], ImageFont.FreeTypeFont, tuple[int, int, int], float]] = []
    for text, face, colour in blocks:
        lines = balanced(text, face, x1 - x0)
        laid.append((lines, face, colour, face.size * 1.22))
    height = sum(len(lines) * lh for lines, _, _, lh in laid) + gap * (len(laid) - 1)
    y = y0 + (y1 - y0 - height) / 2
    for lines, face, colour, lh in laid:
        for line in lines:
            draw.text(((x0 + x1) / 2, y + lh / 2), line, font=face, fill=colour, anchor="mm")
            y += lh
        y += gap


def draw_picture(picture: Picture) -> Image.Image:
    """Render a slide picture at ``PIC_CANVAS`` pixels square."""
    img = Image.new("RGB", (PIC_CANVAS, PIC_CANVAS), WHITE)
    draw = ImageDraw.Draw(img)
    p = picture.params
    match picture.kind:
        case "grid":
            _grid(draw, p["items"], int(p.get("columns", 3)))
        case "timeline":
            _timeline(draw, p["items"])
        case "cycle":
            _cycle(draw, [str(x) for x in p["items"]])
        case "compare":
            _compare(draw, p["left"], p["right"])
        case "checklist":
            _checklist(draw, p["items"])
        case "icon":
            _icon(draw, str(p["icon"]), str(p.get("label", "")))
        case other:
            raise BuildError(f"unknown picture kind {other!r}")
    return img


def _grid(draw: ImageDraw.ImageDraw, items: Sequence[dict[str, Any]], columns: int) -> None:
    s, pad = PIC_CANVAS, 22
    rows = math.ceil(len(items) / columns)
    cell_w = (s - pad * (columns + 1)) / columns
    cell_h = min(cell_w, (s - pad * (rows + 1)) / rows)
    top = (s - rows * cell_h - (rows - 1) * pad) / 2
    label_px = round(min(cell_h * 0.25, 64))
    for i, item in enumerate(items):
        r, c = divmod(i, columns)
        x0 = pad + c * (cell_w + pad)
        y0 = top + r * (cell_h + pad)
        muted = bool(item.get("muted"))
        draw.rounded_rectangle(
            (x0, y0, x0 + cell_w, y0 + cell_h), radius=26, fill=LIGHT_GREY if muted else TEAL
        )
        colour = GREY if muted else WHITE
        label = str(item["label"])
        blocks = [(label, fitted("bold", label, label_px, cell_w - 32), colour)]
        if item.get("note"):
            blocks.append((str(item["note"]), font("regular", round(label_px * 0.62)), colour))
        centred_text(draw, (x0 + 14, y0 + 8, x0 + cell_w - 14, y0 + cell_h - 8), blocks)


def _timeline(draw: ImageDraw.ImageDraw, items: Sequence[dict[str, Any]]) -> None:
    s = PIC_CANVAS
    x, top, bottom = 100, 70, s - 170
    step = (bottom - top) / max(1, len(items) - 1)
    draw.line((x, top, x, bottom), fill=PALE_TEAL, width=12)
    year_font, label_font = font("bold", 58), font("regular", 40)
    for i, item in enumerate(items):
        y = top + i * step
        draw.ellipse((x - 30, y - 30, x + 30, y + 30), fill=TEAL, outline=WHITE, width=6)
        draw.text((x + 60, y), str(item["year"]), font=year_font, fill=NAVY, anchor="lm")
        for j, line in enumerate(balanced(str(item["label"]), label_font, s - x - 90)):
            draw.text((x + 60, y + 58 + j * 46), line, font=label_font, fill=TEXT, anchor="lm")


def _cycle(draw: ImageDraw.ImageDraw, items: Sequence[str]) -> None:
    c, radius = PIC_CANVAS / 2, 255
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=PALE_TEAL, width=16)
    n = len(items)
    for i in range(n):  # arrowheads half-way between the steps, pointing clockwise
        a = math.radians(-90 + (i + 0.5) * 360 / n)
        px, py = c + radius * math.cos(a), c + radius * math.sin(a)
        tx, ty = -math.sin(a), math.cos(a)  # clockwise tangent (y grows downwards)
        nx, ny = math.cos(a), math.sin(a)
        tip = (px + tx * 34, py + ty * 34)
        back1 = (px - tx * 20 + nx * 30, py - ty * 20 + ny * 30)
        back2 = (px - tx * 20 - nx * 30, py - ty * 20 - ny * 30)
        draw.polygon([tip, back1, back2], fill=NAVY)
    for i, label in enumerate(items):
        a = math.radians(-90 + i * 360 / n)
        bx, by = c + radius * math.cos(a), c + radius * math.sin(a)
        box = (bx - 162, by - 60, bx + 162, by + 60)
        draw.rounded_rectangle(box, radius=34, fill=TEAL)
        centred_text(draw, box, [(label, fitted("bold", label, 46, 290), WHITE)])


def _compare(draw: ImageDraw.ImageDraw, left: dict[str, str], right: dict[str, str]) -> None:
    s = PIC_CANVAS
    boxes = (
        (30, 30, s - 30, 340, left, LIGHT_GREY, NAVY),
        (30, 500, s - 30, s - 30, right, TEAL, WHITE),
    )
    for x0, y0, x1, y1, part, fill, colour in boxes:
        draw.rounded_rectangle((x0, y0, x1, y1), radius=30, fill=fill)
        centred_text(
            draw,
            (x0 + 30, y0 + 20, x1 - 30, y1 - 20),
            [(part["head"], font("bold", 58), colour), (part["text"], font("regular", 48), colour)],
            gap=24,
        )
    mid = s / 2
    draw.rectangle((mid - 22, 355, mid + 22, 430), fill=NAVY)
    draw.polygon([(mid - 60, 425), (mid + 60, 425), (mid, 488)], fill=NAVY)


def _tick(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    pts = [
        (cx - 0.5 * r, cy + 0.02 * r),
        (cx - 0.12 * r, cy + 0.4 * r),
        (cx + 0.55 * r, cy - 0.38 * r),
    ]
    draw.line(pts, fill=WHITE, width=max(4, round(r * 0.22)), joint="curve")


def _cross(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    d, w = 0.42 * r, max(4, round(r * 0.22))
    draw.line((cx - d, cy - d, cx + d, cy + d), fill=WHITE, width=w)
    draw.line((cx - d, cy + d, cx + d, cy - d), fill=WHITE, width=w)


def _checklist(draw: ImageDraw.ImageDraw, items: Sequence[dict[str, Any]]) -> None:
    s = PIC_CANVAS
    step = (s - 80) / len(items)
    face = font("bold", 44)
    for i, item in enumerate(items):
        cy = 40 + step * (i + 0.5)
        ok = bool(item.get("ok"))
        draw.rounded_rectangle((20, cy - step / 2 + 12, s - 20, cy + step / 2 - 12), 24, fill=LIGHT)
        draw.ellipse((50, cy - 50, 150, cy + 50), fill=TEAL if ok else RED)
        (_tick if ok else _cross)(draw, 100, cy, 50)
        lines = balanced(str(item["text"]), face, s - 220)
        y = cy - (len(lines) - 1) * 26
        for line in lines:
            draw.text((180, y), line, font=face, fill=NAVY, anchor="lm")
            y += 52


def _icon(draw: ImageDraw.ImageDraw, name: str, label: str) -> None:
    s = PIC_CANVAS
    c = s / 2
    bg = NAVY if name == "access" else LIGHT
    draw.ellipse((20, 20, s - 20, s - 20), fill=bg)
    match name:
        case "globe":
            r = 270
            draw.ellipse((c - r, c - r, c + r, c + r), fill=WHITE, outline=NAVY, width=16)
            for k in (0.55, 0.0):
                rx = r * k
                if rx:
                    draw.ellipse((c - rx, c - r, c + rx, c + r), outline=TEAL, width=12)
            draw.line((c, c - r, c, c + r), fill=TEAL, width=12)
            for dy in (-0.5, 0.0, 0.5):
                half = r * math.sqrt(1 - dy * dy)
                y = c + dy * r
                draw.line((c - half, y, c + half, y), fill=TEAL, width=12)
        case "family":
            draw.ellipse((268, 160, 392, 284), fill=NAVY)
            draw.rounded_rectangle((250, 300, 410, 560), radius=60, fill=NAVY)
            draw.rounded_rectangle((262, 520, 318, 700), radius=26, fill=NAVY)
            draw.rounded_rectangle((342, 520, 398, 700), radius=26, fill=NAVY)
            draw.ellipse((500, 330, 590, 420), fill=TEAL)
            draw.rounded_rectangle((488, 432, 602, 600), radius=44, fill=TEAL)
            draw.rounded_rectangle((496, 570, 538, 700), radius=20, fill=TEAL)
            draw.rounded_rectangle((552, 570, 594, 700), radius=20, fill=TEAL)
            draw.line((400, 420, 500, 480), fill=NAVY, width=30, joint="curve")
        case "access":
            draw.ellipse((120, 120, s - 120, s - 120), outline=WHITE, width=18)
            draw.ellipse((c - 48, 190, c + 48, 286), fill=WHITE)
            draw.line((250, 340, 590, 340), fill=WHITE, width=34)
            draw.line((c, 300, c, 500), fill=WHITE, width=40)
            draw.line((c, 490, 330, 650), fill=WHITE, width=34)
            draw.line((c, 490, 510, 650), fill=WHITE, width=34)
        case "speech":
            draw.rounded_rectangle((100, 150, 560, 440), radius=50, fill=TEAL)
            draw.polygon([(180, 430), (260, 430), (160, 530)], fill=TEAL)
            for k, width in enumerate((300, 340, 220)):
                y = 225 + k * 70
                draw.rounded_rectangle((160, y, 160 + width, y + 26), radius=13, fill=WHITE)
            draw.rounded_rectangle((300, 400, 740, 680), radius=50, fill=NAVY)
            draw.polygon([(620, 670), (690, 670), (720, 770)], fill=NAVY)
            _tick(draw, 520, 540, 110)
        case "shield":
            pts = [(420, 100), (660, 180), (650, 430), (590, 580), (420, 730), (250, 580),
                   (190, 430), (180, 180)]  # fmt: skip
            draw.polygon(pts, fill=TEAL)
            draw.line([*pts, pts[0]], fill=NAVY, width=14, joint="curve")
            if label:
                draw.text((c, 400), label, font=font("bold", 170), fill=WHITE, anchor="mm")
        case "document":
            draw.polygon([(230, 110), (520, 110), (610, 200), (610, 730), (230, 730)], fill=WHITE)
            draw.line(
                [(230, 110), (520, 110), (610, 200), (610, 730), (230, 730), (230, 110)],
                fill=NAVY,
                width=14,
                joint="curve",
            )
            draw.polygon([(520, 110), (520, 200), (610, 200)], fill=PALE_TEAL)
            for k in range(6):
                y = 250 + k * 62
                draw.rounded_rectangle((290, y, 550 - (k % 3) * 40, y + 20), radius=10, fill=GREY)
            draw.ellipse((470, 560, 650, 740), fill=TEAL)
            _tick(draw, 560, 650, 70)
        case other:
            raise BuildError(f"unknown icon {other!r}")


@dataclass(frozen=True)
class BodyLine:
    """One rendered line of body text."""

    text: str
    x: int
    y: float
    style: str
    px: int
    colour: tuple[int, int, int]
    bullet: bool


def body_layout(bullets: Sequence[Text]) -> tuple[tuple[int, int], list[BodyLine]]:
    """Lay out the bilingual bullets in the body box at the largest size that fits."""
    for vi_pt, en_pt in BODY_SIZES_PT:
        lines: list[BodyLine] = []
        y = float(BODY_Y)
        for i, bullet in enumerate(bullets):
            if i:
                y += pt_px(12)
            vi_px, en_px = pt_px(vi_pt), pt_px(en_pt)
            width = BODY_W - BULLET_INDENT
            for j, line in enumerate(wrap(bullet.vi, font("regular", vi_px), width)):
                lines.append(
                    BodyLine(line, BODY_X + BULLET_INDENT, y, "regular", vi_px, TEXT, j == 0)
                )
                y += vi_px * 1.2
            y += pt_px(2)
            for line in wrap(bullet.en, font("italic", en_px), width):
                lines.append(
                    BodyLine(line, BODY_X + BULLET_INDENT, y, "italic", en_px, GREY, False)
                )
                y += en_px * 1.2
        if y - BODY_Y <= BODY_H:
            return (vi_pt, en_pt), lines
    raise BuildError(f"bullets do not fit the slide: {[b.vi for b in bullets]}")


def render_slide(slide: SlideSource, picture: Image.Image) -> Image.Image:
    """The 1280x720 video frame of a slide: the same text and picture as the deck."""
    img = Image.new("RGB", (W, H), WHITE)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, W, 10), fill=TEAL)
    title_font = font("bold", pt_px(TITLE_PT))
    if title_font.getlength(slide.title.vi) > W - 2 * MARGIN_X:
        raise BuildError(f"title too long for one line: {slide.title.vi!r}")
    draw.text((MARGIN_X, TITLE_Y), slide.title.vi, font=title_font, fill=NAVY)
    draw.text(
        (MARGIN_X, SUBTITLE_Y), slide.title.en, font=font("italic", pt_px(SUBTITLE_PT)), fill=GREY
    )
    draw.rectangle((MARGIN_X, RULE_Y, MARGIN_X + 120, RULE_Y + 4), fill=AMBER)
    _, lines = body_layout(slide.bullets)
    for line in lines:
        face = font(line.style, line.px)
        if line.bullet:
            draw.text((BODY_X, line.y), "•", font=face, fill=TEAL)
        draw.text((line.x, line.y), line.text, font=face, fill=line.colour)
    shown = picture.resize((PIC_SIZE, PIC_SIZE), Image.Resampling.LANCZOS)
    img.paste(shown, (PIC_X, PIC_Y))
    return img


# =============================================================================================
# PowerPoint deck
# =============================================================================================


def px(value: float) -> Emu:
    """Frame pixels to EMU."""
    return Emu(round(value * EMU_PER_PX))


def _rgb(colour: tuple[int, int, int]) -> RGBColor:
    return RGBColor(*colour)  # type: ignore[no-untyped-call]


def _style_run(run: Any, size_pt: float, colour: tuple[int, int, int], **kw: bool) -> None:
    run.font.name = PPTX_FONT
    run.font.size = Pt(size_pt)
    run.font.color.rgb = _rgb(colour)
    run.font.bold = kw.get("bold", False)
    run.font.italic = kw.get("italic", False)


def _bullet(paragraph: Any, char: str | None) -> None:
    """Give a paragraph a hanging bullet ``char``, or no bullet (``None``) at the same indent."""
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.set("marL", str(px(BULLET_INDENT)))
    p_pr.set("indent", str(-px(BULLET_INDENT) if char else 0))
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum", "a:buFont"):
        for old in p_pr.findall(qn(tag)):
            p_pr.remove(old)
    if char:
        bu_font = p_pr.makeelement(qn("a:buFont"), {"typeface": PPTX_FONT})
        bu_char = p_pr.makeelement(qn("a:buChar"), {"char": char})
        p_pr.append(bu_font)
        p_pr.append(bu_char)
    else:
        p_pr.append(p_pr.makeelement(qn("a:buNone"), {}))


def _frame(shape: Any, x: float, y: float, w: float, h: float) -> Any:
    shape.left, shape.top, shape.width, shape.height = px(x), px(y), px(w), px(h)
    tf = shape.text_frame
    tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.TOP
    return tf


def notes_text(slide: SlideSource) -> str:
    """Speaker notes: the narration, then its English translation."""
    vi = " ".join(u.vi for u in slide.narration)
    en = " ".join(u.en for u in slide.narration)
    return f"{vi}\n\nEnglish: {en}"


def build_deck(lesson: LessonSource, pictures: Sequence[bytes]) -> bytes:
    """The lesson's .pptx as bytes, with fixed zip timestamps."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = px(W), px(H)
    layout = prs.slide_layouts[1]  # Title and Content
    for number, (slide, png) in enumerate(zip(lesson.slides, pictures, strict=True), start=1):
        s = prs.slides.add_slide(layout)
        bar = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, px(W), px(10))
        bar.fill.solid()
        bar.fill.fore_color.rgb = _rgb(TEAL)
        bar.line.fill.background()
        bar.name = "Accent bar"

        title = s.shapes.title
        tf = _frame(title, MARGIN_X, TITLE_Y, W - 2 * MARGIN_X, TITLE_H)
        tf.text = slide.title.vi
        tf.paragraphs[0].alignment = PP_ALIGN.LEFT
        _style_run(tf.paragraphs[0].runs[0], TITLE_PT, NAVY, bold=True)

        sub = s.shapes.add_textbox(0, 0, 0, 0)
        sub.name = "English title"
        stf = _frame(sub, MARGIN_X, SUBTITLE_Y, W - 2 * MARGIN_X, SUBTITLE_H)
        stf.text = slide.title.en
        _style_run(stf.paragraphs[0].runs[0], SUBTITLE_PT, GREY, italic=True)

        rule = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, px(MARGIN_X), px(RULE_Y), px(120), px(4))
        rule.fill.solid()
        rule.fill.fore_color.rgb = _rgb(AMBER)
        rule.line.fill.background()
        rule.name = "Rule"

        body = s.placeholders[1]
        btf = _frame(body, BODY_X, BODY_Y, BODY_W, BODY_H)
        (vi_pt, en_pt), _ = body_layout(slide.bullets)
        first = True
        for i, bullet in enumerate(slide.bullets):
            for lang, text in (("vi", bullet.vi), ("en", bullet.en)):
                para = btf.paragraphs[0] if first else btf.add_paragraph()
                first = False
                para.level = 0 if lang == "vi" else 1  # the translation belongs to its bullet
                run = para.add_run()
                run.text = text
                if lang == "vi":
                    _style_run(run, vi_pt, TEXT)
                    para.space_before = Pt(12 if i else 0)
                    _bullet(para, "•")
                else:
                    _style_run(run, en_pt, GREY, italic=True)
                    para.space_before = Pt(2)
                    _bullet(para, None)

        pic = s.shapes.add_picture(
            io.BytesIO(png), px(PIC_X), px(PIC_Y), px(PIC_SIZE), px(PIC_SIZE)
        )
        c_nv_pr = pic._element.nvPicPr.cNvPr
        c_nv_pr.set("name", f"Picture {number}")
        c_nv_pr.set("descr", slide.picture.alt.vi)

        s.notes_slide.notes_text_frame.text = notes_text(slide)

    props = prs.core_properties
    props.title = lesson.title.vi
    props.subject = lesson.title.en
    props.author = props.last_modified_by = "mooc-builder example course"
    props.language = "vi-VN"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    raw = io.BytesIO()
    prs.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with constant timestamps so identical content gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


# =============================================================================================
# Video
# =============================================================================================


def encode_video(frames: Sequence[Path], timeline: Timeline, workdir: Path, out: Path) -> None:
    """Encode the slide frames and narration to an H.264/AAC MP4 with the index first."""
    wav_path = workdir / "narration.wav"
    with wave.open(str(wav_path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(timeline.rate)
        audio = array.array("h", timeline.audio)
        if sys.byteorder == "big":
            audio.byteswap()
        wav.writeframes(audio.tobytes())
    total = timeline.total_ms / 1000
    starts = [ms / 1000 for ms in timeline.slide_ms]
    ends = [*starts[1:], total]
    listing = ["ffconcat version 1.0"]
    for frame, start, end in zip(frames, starts, ends, strict=True):
        listing += [f"file '{frame.name}'", f"duration {end - start:.3f}"]
    listing.append(f"file '{frames[-1].name}'")  # the concat demuxer needs the last file twice
    concat = workdir / "slides.ffconcat"
    concat.write_text("\n".join(listing) + "\n", encoding="utf-8")
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(concat),
        "-i", str(wav_path),
        "-map", "0:v:0", "-map", "1:a:0",
        # convert each still once, then repeat it: converting every output frame is slow
        "-vf", f"format=yuv420p,fps={FPS}",
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "24",
        "-g", str(FPS * 40), "-force_key_frames", ",".join(f"{s:.3f}" for s in starts),
        # ffmpeg's AAC encoder overshoots: 40k asks for what measures ~49 kb/s on speech
        "-c:a", "aac", "-b:a", "40k", "-ac", "1", "-ar", str(timeline.rate),
        "-t", f"{total:.3f}",
        "-map_metadata", "-1", "-fflags", "+bitexact",
        "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-movflags", "+faststart",
        str(out),
    ]  # fmt: skip
    subprocess.run(cmd, check=True)


def mp4_facts(path: Path) -> tuple[float, bool]:
    """Duration (from ``mvhd``) and whether ``moov`` comes before ``mdat``."""
    data = path.read_bytes()
    pos, order, duration = 0, [], None
    while pos + 8 <= len(data):
        size, kind = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8]
        header = 8
        if size == 1:
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif size == 0:
            size = len(data) - pos
        order.append(kind)
        if kind == b"moov":
            mvhd = data.find(b"mvhd", pos + header, pos + size)
            version = data[mvhd + 4]
            if version == 1:
                scale = int.from_bytes(data[mvhd + 24 : mvhd + 28], "big")
                units = int.from_bytes(data[mvhd + 28 : mvhd + 36], "big")
            else:
                scale = int.from_bytes(data[mvhd + 16 : mvhd + 20], "big")
                units = int.from_bytes(data[mvhd + 20 : mvhd + 24], "big")
            duration = units / scale
        pos += size
    if duration is None or b"mdat" not in order:
        raise BuildError(f"{path}: no moov/mdat box")
    return duration, order.index(b"moov") < order.index(b"mdat")


# =============================================================================================
# course.yaml
# =============================================================================================


def _scalar(text: str) -> str:
    """A YAML scalar that reads naturally: plain when safe, double-quoted otherwise."""
    plain_ok = (
        text
        and text[0] not in "-?:,[]{}#&*!|>'\"%@`"
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and yaml.safe_load(text) == text
    )
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _text_block(text: Text, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for lang in LANGS:
        value = getattr(text, lang)
        line = f"{pad}{lang}: {_scalar(value)}"
        if len(line) <= 96:
            out.append(line)
        else:
            out.append(f"{pad}{lang}: >-")
            out += [f"{pad}  {part}" for part in textwrap.wrap(value, 88 - indent)]
    return out


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}".rstrip("0").rstrip(".")


def _commented(lines: Sequence[tuple[str, str]], column: int = 30) -> list[str]:
    """YAML lines with their trailing comments aligned at ``column``."""
    return [f"{code:<{column}}# {note}" if note else code for code, note in lines]


def course_yaml(course: CourseSource, slide_ms: dict[str, tuple[int, ...]]) -> str:
    """The text of course.yaml, laid out and commented like a hand-written file."""
    out = [
        "# yaml-language-server: $schema=../../mooc_builder/course/course.schema.json",
        "#",
        "# Example course: human rights communication for public officials (Vietnamese, with",
        "# English captions). Videos, slides and captions are made by source/make_media.py from",
        "# source/lessons.yaml; edit the text there and run the script rather than editing",
        "# slide_times here.",
        "",
        f"id: {COURSE_ID}",
        f'version: "{course.version}"',
        "title:",
        *_text_block(course.title, 2),
        "description:",
        *_text_block(course.description, 2),
        "language: vi",
        "# Activity IRIs are activity_base + course id + '/' + lesson id. Never change this once",
        "# learners have started: LMSs and LRSs key progress on it.",
        f"activity_base: {ACTIVITY_BASE}",
        "",
        "# The defaults, spelled out so reviewers see the rules this course is held to.",
        "policy:",
        *_commented(
            [
                ("  duration:", "allowed video length per lesson, seconds"),
                (f"    min_s: {MIN_DURATION_S}", ""),
                (f"    max_s: {MAX_DURATION_S}", ""),
                ("  captions:", ""),
                ("    languages: [vi, en]", "every lesson needs both caption tracks"),
                (f"    max_lines: {MAX_LINES}", "per cue"),
                (f"    max_chars_per_line: {MAX_CHARS_PER_LINE}", "graphemes, after NFC"),
                (f"    max_cps: {MAX_CPS:g}", "reading speed, characters per second"),
                (f"    min_cue_s: {MIN_CUE_S}", "shortest cue, seconds"),
                (f"    max_cue_s: {MAX_CUE_S:g}", "longest cue, seconds"),
                (f"    min_gap_frames: {MIN_GAP_FRAMES}", "pause between consecutive cues"),
                (f"    max_uncovered_s: {MAX_UNCOVERED_S:g}", "longest stretch without a caption"),
                ("  completion:", "when the LMS marks a lesson completed"),
                (f"    min_played: {MIN_PLAYED}", "share of the timeline really played"),
                ("    all_slides: true", "every slide must have been shown"),
            ]
        ),
        "",
        "lessons:",
    ]
    for i, lesson in enumerate(course.lessons):
        if i:
            out.append("")
        times = ", ".join(_seconds(ms) for ms in slide_ms[lesson.id])
        out += [
            f"  - id: {lesson.id}",
            "    title:",
            *_text_block(lesson.title, 6),
            "    description:",
            *_text_block(lesson.description, 6),
            f"    video: media/{lesson.id}.mp4",
            f"    slides: slides/{lesson.id}.pptx",
            f"    slide_times: [{times}]",
            "    captions:",
            f"      vi: captions/{lesson.id}.vi.vtt",
            f"      en: captions/{lesson.id}.en.vtt",
        ]
    return "\n".join(out) + "\n"


def check_course_yaml(text: str, course: CourseSource) -> None:
    """Round-trip the generated YAML and validate it against the course schema."""
    data = yaml.safe_load(text)
    for lesson, entry in zip(course.lessons, data["lessons"], strict=True):
        if entry["title"] != {"vi": lesson.title.vi, "en": lesson.title.en}:
            raise BuildError(f"course.yaml title of {lesson.id} does not round-trip")
        if entry["description"] != {"vi": lesson.description.vi, "en": lesson.description.en}:
            raise BuildError(f"course.yaml description of {lesson.id} does not round-trip")
    if SCHEMA.is_file():
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        errors = sorted(
            jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: e.json_path
        )
        if errors:
            raise BuildError(
                "course.yaml breaks the schema:\n"
                + "\n".join(f"  {e.json_path}: {e.message}" for e in errors)
            )


# =============================================================================================
# Main
# =============================================================================================


@dataclass(frozen=True)
class Built:
    """A lesson laid out and checked, ready to write."""

    lesson: LessonSource
    timeline: Timeline


def prepare(course: CourseSource, workdir: Path, list_cues: bool = False) -> list[Built]:
    """Synthesise every utterance, lay the lessons out and check their captions."""
    jobs: list[tuple[int, int, int, str]] = []
    for li, lesson in enumerate(course.lessons):
        for si, slide in enumerate(lesson.slides):
            jobs += [(li, si, ui, u.say) for ui, u in enumerate(slide.narration)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(
            pool.map(lambda j: synthesise(j[3], workdir, f"u{j[0]}-{j[1]}-{j[2]}"), jobs)
        )
    speech: dict[tuple[int, int, int], Speech] = {
        j[:3]: r for j, r in zip(jobs, results, strict=True)
    }
    built: list[Built] = []
    problems: list[str] = []
    for li, lesson in enumerate(course.lessons):
        spoken = [
            [speech[li, si, ui] for ui in range(len(slide.narration))]
            for si, slide in enumerate(lesson.slides)
        ]
        timeline = lay_out(lesson, spoken)
        total_s = timeline.total_ms / 1000
        if not MIN_DURATION_S <= total_s <= MAX_DURATION_S:
            problems.append(
                f"{lesson.id}: narration lasts {total_s:.1f} s, allowed "
                f"{MIN_DURATION_S}-{MAX_DURATION_S} s"
            )
        for lang in LANGS:
            problems += [
                f"{lesson.id}: {p}"
                for p in caption_problems(timeline.cues, lang, timeline.total_ms)
            ]
        built.append(Built(lesson, timeline))
        report(lesson, timeline, list_cues)
    if problems:
        raise BuildError("captions or timing break the course policy:\n  " + "\n  ".join(problems))
    return built


def stats(timeline: Timeline, lang: str) -> tuple[float, int]:
    """Highest characters per second and longest line of one caption track."""
    cps, longest = 0.0, 0
    for cue in timeline.cues:
        lines = cue.vi if lang == "vi" else cue.en
        cps = max(cps, graphemes(" ".join(lines)) / ((cue.end_ms - cue.start_ms) / 1000))
        longest = max(longest, *(graphemes(line) for line in lines))
    return cps, longest


def report(lesson: LessonSource, tl: Timeline, list_cues: bool) -> None:
    """Print a lesson's timing summary (and every cue with ``list_cues``)."""
    print(
        f"{lesson.id}: {len(lesson.slides)} slides, {len(tl.cues)} cues, "
        f"narration {tl.total_ms / 1000:.2f} s"
    )
    for lang in LANGS:
        cps, longest = stats(tl, lang)
        print(f"  {lang}: max {cps:.2f} characters/s, longest line {longest}")
    lo, hi = TARGET_DURATION_S
    if not lo <= tl.total_ms / 1000 <= hi:
        print(f"  note: outside the {lo}-{hi} s target")
    if list_cues:
        for n, cue in enumerate(tl.cues, start=1):
            dur = (cue.end_ms - cue.start_ms) / 1000
            vi, en = " ".join(cue.vi), " ".join(cue.en)
            print(
                f"  {n:3d} {cue.start_ms / 1000:7.2f} {dur:5.2f}s "
                f"vi {graphemes(vi) / dur:4.1f} en {graphemes(en) / dur:4.1f} | {vi}"
            )


def write(path: Path, data: bytes) -> None:
    """Write ``data`` and report it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"  wrote {path.relative_to(COURSE_DIR)} ({len(data):,} bytes)")


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the course; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dry-run", action="store_true", help="synthesise and check, write nothing"
    )
    parser.add_argument("--cues", action="store_true", help="list every cue with its timing")
    args = parser.parse_args(argv)
    try:
        course = load_source(SOURCE)
        with tempfile.TemporaryDirectory(prefix="human-rights-") as tmp:
            workdir = Path(tmp)
            built = prepare(course, workdir, args.cues)
            yaml_text = course_yaml(course, {b.lesson.id: b.timeline.slide_ms for b in built})
            check_course_yaml(yaml_text, course)
            if args.dry_run:
                return 0
            for item in built:
                build_lesson(item, workdir)
            write(COURSE_DIR / "course.yaml", yaml_text.encode("utf-8"))
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def build_lesson(item: Built, workdir: Path) -> None:
    """Write one lesson's deck, captions and video, and check the video."""
    lesson, tl = item.lesson, item.timeline
    print(f"{lesson.id}:")
    pictures: list[bytes] = []
    frames: list[Path] = []
    for n, slide in enumerate(lesson.slides, start=1):
        picture = draw_picture(slide.picture)
        raw = io.BytesIO()
        picture.save(raw, "PNG", optimize=True)
        pictures.append(raw.getvalue())
        frame = workdir / f"{lesson.id}-{n:02d}.png"
        render_slide(slide, picture).save(frame, "PNG")
        frames.append(frame)
    write(COURSE_DIR / "slides" / f"{lesson.id}.pptx", build_deck(lesson, pictures))
    for lang in LANGS:
        write(
            COURSE_DIR / "captions" / f"{lesson.id}.{lang}.vtt",
            webvtt(tl.cues, lang).encode("utf-8"),
        )
    video = COURSE_DIR / "media" / f"{lesson.id}.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    encode_video(frames, tl, workdir, video)
    duration, faststart = mp4_facts(video)
    size = video.stat().st_size
    print(f"  wrote {video.relative_to(COURSE_DIR)}: {duration:.2f} s, {size / 1e6:.2f} MB")
    if not faststart:
        raise BuildError(f"{video}: moov is not before mdat")
    if size >= MAX_VIDEO_BYTES:
        raise BuildError(f"{video}: {size:,} bytes, above {MAX_VIDEO_BYTES:,}")
    if not MIN_DURATION_S <= duration <= MAX_DURATION_S:
        raise BuildError(f"{video}: lasts {duration:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
