"""Generate small .pptx decks for tests with python-pptx."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from pptx import Presentation
from pptx.util import Inches

_NO_ALT = object()


def _png() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buf, format="PNG")
    buf.seek(0)
    return buf


def make_deck(
    path: Path,
    titles: Sequence[str | None] = ("Mở đầu", "Nội dung", "Tổng kết"),
    *,
    picture_alt: Sequence[str | None] | None = None,
    notes: bool = True,
) -> Path:
    """Write a 16:9 deck with one slide per title (``None`` leaves the title empty).

    ``picture_alt`` gives, per slide, the alt text of one picture to add (``None`` adds a picture
    without alt text); omit it for slides without pictures.
    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    layout = prs.slide_layouts[1]  # title and content
    for i, title in enumerate(titles):
        slide = prs.slides.add_slide(layout)
        if title is not None:
            slide.shapes.title.text = title
        slide.placeholders[1].text = f"Ý chính {i + 1}\nChi tiết {i + 1}"
        if notes:
            slide.notes_slide.notes_text_frame.text = f"Lời giảng cho trang {i + 1}."
        if picture_alt is not None and i < len(picture_alt):
            pic = slide.shapes.add_picture(_png(), Inches(10), Inches(5), Inches(1), Inches(1))
            c_nv_pr = pic._element.nvPicPr.cNvPr
            alt = picture_alt[i]
            if alt is None:  # python-pptx puts the image file name there; take it away
                c_nv_pr.attrib.pop("descr", None)
            else:
                c_nv_pr.set("descr", alt)
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))
    return path
