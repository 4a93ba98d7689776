"""Facts about a lecture deck (.pptx), read with python-pptx: titles, text, notes, pictures.

The player shows slides as images when the build machine can render them, otherwise as HTML
made from these facts, so the text and pictures are kept here in reading order.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError, PythonPptxError

from mooc_builder.errors import MoocError
from mooc_builder.text import nfc

_FILE_NAME = re.compile(r"^[\w\-. ()]+\.(png|jpe?g|gif|bmp|svg|emf|wmf|tiff?|webp)$", re.IGNORECASE)
"""Alt text that is only an image file name (PowerPoint and python-pptx put it there)."""

_TITLE_TYPES = {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.VERTICAL_TITLE}
_DECORATIVE_URI = "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"


@dataclass(frozen=True)
class Box:
    """A rectangle on the slide, in fractions of the slide's width and height (0-1)."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of body text; ``level`` 0 is a top-level bullet."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class TextBlock:
    """The text of one shape (text box, placeholder or table) and where it stands."""

    box: Box | None
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class SlidePicture:
    """A picture on a slide with its alternative text."""

    alt: str | None
    decorative: bool
    content_type: str
    blob: bytes
    box: Box

    @property
    def needs_alt(self) -> bool:
        """True when screen-reader users would miss it: not decorative and no real alt text.

        An alt text that is just a file name (``image.png``) counts as none.
        """
        alt = (self.alt or "").strip()
        return not self.decorative and (not alt or bool(_FILE_NAME.match(alt)))


@dataclass(frozen=True)
class Slide:
    """One slide, numbered from 1 as PowerPoint shows it."""

    number: int
    title: str | None
    blocks: tuple[TextBlock, ...]
    """Text other than the title, one block per shape, in reading order."""
    notes: str
    pictures: tuple[SlidePicture, ...]
    title_box: Box | None = None
    """Where the title stands on the slide."""

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        """All text but the title, in reading order."""
        return tuple(p for block in self.blocks for p in block.paragraphs)


@dataclass(frozen=True)
class SlideDeck:
    """The slides of a deck and its page shape."""

    slides: tuple[Slide, ...]
    width_emu: int
    height_emu: int

    @property
    def count(self) -> int:
        """Number of slides."""
        return len(self.slides)

    @property
    def aspect(self) -> float:
        """Width divided by height (16:9 is 1.78)."""
        return self.width_emu / self.height_emu if self.height_emu else 16 / 9


class SlidesError(MoocError):
    """The deck cannot be opened."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


def read_slides(path: Path) -> SlideDeck:
    """Open ``path`` with python-pptx and collect what the checks and the player need.

    Raises :class:`SlidesError` (code ``slides-corrupt``) for a file that is not a readable deck.
    """
    try:
        prs = Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, PythonPptxError, ValueError) as exc:
        raise SlidesError(
            "slides-corrupt",
            f"'{path.name}' is not a PowerPoint .pptx deck that can be opened ({_reason(exc)})",
            hint="open it in PowerPoint or LibreOffice and save it again as .pptx",
        ) from exc
    except OSError as exc:
        raise SlidesError("slides-corrupt", f"cannot read '{path.name}': {exc}") from exc
    width = int(prs.slide_width or 12192000)
    height = int(prs.slide_height or 6858000)
    slides = tuple(
        _slide(number, slide, width, height) for number, slide in enumerate(prs.slides, start=1)
    )
    return SlideDeck(slides, width, height)


def _reason(exc: Exception) -> str:
    if isinstance(exc, zipfile.BadZipFile | PackageNotFoundError):
        return "not a valid zip package"
    return str(exc) or type(exc).__name__


def _slide(number: int, slide: Any, width: int, height: int) -> Slide:
    title: str | None = None
    title_box: Box | None = None
    blocks: list[TextBlock] = []
    pictures: list[SlidePicture] = []
    for shape in _walk(slide.shapes):
        if shape.is_placeholder and shape.placeholder_format.type in _TITLE_TYPES:
            text = nfc(shape.text_frame.text).strip() if shape.has_text_frame else ""
            if title is None and text:
                title = " ".join(text.split())
                title_box = _box(shape, width, height)
            continue
        if shape.shape_type == MSO_SHAPE_TYPE.PICTURE or _is_picture_placeholder(shape):
            pictures.append(_picture(shape, width, height))
            continue
        paragraphs: list[Paragraph] = []
        if shape.has_text_frame:
            for para in shape.text_frame.paragraphs:
                text = nfc("".join(run.text for run in para.runs)).strip()
                if text:
                    paragraphs.append(Paragraph(text, int(para.level)))
        elif getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                cells = [nfc(cell.text).strip() for cell in row.cells]
                if any(cells):
                    paragraphs.append(Paragraph(" | ".join(cells)))
        if paragraphs:
            blocks.append(TextBlock(_box(shape, width, height), tuple(paragraphs)))
    notes = ""
    if slide.has_notes_slide:
        notes = nfc(slide.notes_slide.notes_text_frame.text).strip()
    return Slide(number, title, tuple(_reading_order(blocks)), notes, tuple(pictures), title_box)


def _reading_order(blocks: list[TextBlock]) -> list[TextBlock]:
    """Top to bottom, then left to right (shape order when a block has no position)."""
    return sorted(blocks, key=lambda b: (b.box.top, b.box.left) if b.box else (2.0, 0.0))


def _walk(shapes: Any) -> Iterator[Any]:
    """Shapes in reading order, descending into groups."""
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _walk(shape.shapes)
        else:
            yield shape


def _is_picture_placeholder(shape: Any) -> bool:
    return bool(shape.is_placeholder) and hasattr(shape, "image")


def _picture(shape: Any, width: int, height: int) -> SlidePicture:
    c_nv_pr = shape._element.xpath("./*[1]/p:cNvPr")[0]
    alt = c_nv_pr.get("descr")
    decorative = any(ext.get("uri") == _DECORATIVE_URI for ext in c_nv_pr.xpath("./a:extLst/a:ext"))
    try:
        image = shape.image
        blob, content_type = image.blob, image.content_type
    except (AttributeError, KeyError, ValueError):  # linked or missing image
        blob, content_type = b"", "application/octet-stream"
    return SlidePicture(
        alt=nfc(alt).strip() if alt else None,
        decorative=decorative,
        content_type=content_type,
        blob=blob,
        box=_box(shape, width, height) or Box(0, 0, 0, 0),
    )


def _box(shape: Any, width: int, height: int) -> Box | None:
    """The shape's rectangle in fractions of the slide; None when the shape has no position."""
    if shape.left is None or shape.top is None or not width or not height:
        return None
    return Box(
        round(shape.left / width, 4),
        round(shape.top / height, 4),
        round((shape.width or 0) / width, 4),
        round((shape.height or 0) / height, 4),
    )
