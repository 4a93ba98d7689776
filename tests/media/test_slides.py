"""Reading decks: titles, text blocks in reading order with their place, pictures and alt text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.util import Emu, Inches

from mooc_builder.media.slides import Box, SlidesError, read_slides
from tests.support.slides import make_deck

DECORATIVE = (
    '<a:ext xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}"><adec:decorative '
    'xmlns:adec="http://schemas.microsoft.com/office/drawing/2017/decorative" val="1"/></a:ext>'
)


def _png() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 160)).save(buf, format="PNG")
    buf.seek(0)
    return buf


def test_titles_notes_and_pictures(tmp_path: Path) -> None:
    deck = read_slides(make_deck(tmp_path / "d.pptx", picture_alt=["Biểu đồ", None]))
    assert deck.count == 3
    assert round(deck.aspect, 2) == 1.78
    assert [s.title for s in deck.slides] == ["Mở đầu", "Nội dung", "Tổng kết"]
    assert deck.slides[0].notes == "Lời giảng cho trang 1."
    assert [p.text for p in deck.slides[0].paragraphs] == ["Ý chính 1", "Chi tiết 1"]
    first, second = deck.slides[0].pictures[0], deck.slides[1].pictures[0]
    assert first.alt == "Biểu đồ"
    assert not first.needs_alt
    assert second.needs_alt
    assert first.content_type == "image/png"
    assert first.blob.startswith(b"\x89PNG")
    # 10 in from the left of a 13.333 in slide, 1 in wide
    assert first.box.left == pytest.approx(10 / 13.333, abs=1e-3)
    assert first.box.width == pytest.approx(1 / 13.333, abs=1e-3)


def test_text_blocks_keep_their_place_in_reading_order(tmp_path: Path) -> None:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(10), Inches(5)
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    slide.shapes.title.text = "Quyền trẻ em"
    lower = slide.shapes.add_textbox(Inches(1), Inches(3), Inches(4), Inches(1))
    lower.text_frame.text = "dưới"
    upper = slide.shapes.add_textbox(Inches(1), Inches(1.5), Inches(8), Inches(1))
    upper.text_frame.text = "trên"
    upper.text_frame.add_paragraph().text = "   "  # empty paragraphs are left out
    path = tmp_path / "blocks.pptx"
    prs.save(str(path))
    (only,) = read_slides(path).slides
    assert only.title == "Quyền trẻ em"
    assert only.title_box is not None
    assert [[p.text for p in b.paragraphs] for b in only.blocks] == [["trên"], ["dưới"]]
    assert only.blocks[0].box == Box(0.1, 0.3, 0.8, 0.2)
    assert [p.text for p in only.paragraphs] == ["trên", "dưới"]


def test_file_name_alt_text_and_decorative_pictures(tmp_path: Path) -> None:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Ảnh"
    named = slide.shapes.add_picture(_png(), Emu(0), Emu(0))
    named._element.nvPicPr.cNvPr.set("descr", "IMG_2041.JPG")
    decorative = slide.shapes.add_picture(_png(), Emu(0), Emu(0))
    c_nv_pr = decorative._element.nvPicPr.cNvPr
    c_nv_pr.attrib.pop("descr", None)
    ext_list = etree.SubElement(
        c_nv_pr, "{http://schemas.openxmlformats.org/drawingml/2006/main}extLst"
    )
    ext_list.append(etree.fromstring(DECORATIVE))
    path = tmp_path / "alt.pptx"
    prs.save(str(path))
    pictures = read_slides(path).slides[0].pictures
    assert [p.needs_alt for p in pictures] == [True, False]
    assert pictures[1].decorative


def test_a_file_that_is_not_a_deck_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pptx"
    path.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(SlidesError) as info:
        read_slides(path)
    assert info.value.code == "slides-corrupt"
    assert "broken.pptx" in info.value.message
    assert info.value.hint
