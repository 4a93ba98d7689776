"""Render slides to images with LibreOffice (headless) and poppler's pdftoppm, when installed.

The player shows rendered slides as images; without these tools it lays the slides out as HTML
from their text and pictures, so rendering is an improvement, never a requirement.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from mooc_builder.cache import BuildCache

RENDER_WIDTH = 1280
RENDER_VERSION = 1
TIMEOUT_S = 180


class RenderError(Exception):
    """The tools are installed but could not render this deck."""


def renderer() -> tuple[str, str] | None:
    """``(soffice, pdftoppm)`` executables, or ``None`` when either is missing."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    return (soffice, pdftoppm) if soffice and pdftoppm else None


def render_slides(pptx: Path, count: int, cache: BuildCache) -> list[bytes]:
    """One PNG per slide of ``pptx``, ``RENDER_WIDTH`` pixels wide (cached by content).

    Raises :class:`RenderError` when the tools are missing or give the wrong number of pages.
    """
    key = f"{cache.file_hash(pptx)}-w{RENDER_WIDTH}-r{RENDER_VERSION}"
    cached = cache.renders(key, count)
    if cached is not None:
        return cached
    tools = renderer()
    if tools is None:
        raise RenderError("LibreOffice (soffice) and pdftoppm are needed to render slides")
    soffice, pdftoppm = tools
    with tempfile.TemporaryDirectory(prefix="mooc-render-") as tmp:
        work = Path(tmp)
        deck = work / "deck.pptx"
        shutil.copyfile(pptx, deck)
        _run(
            [
                soffice,
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(deck),
            ],
            "LibreOffice",
        )
        pdf = work / "deck.pdf"
        if not pdf.is_file():
            raise RenderError("LibreOffice did not produce a PDF")
        _run(
            [
                pdftoppm,
                "-png",
                "-scale-to-x",
                str(RENDER_WIDTH),
                "-scale-to-y",
                "-1",
                str(pdf),
                str(work / "slide"),
            ],
            "pdftoppm",
        )
        pages = sorted(work.glob("slide-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if len(pages) != count:
            raise RenderError(f"rendering gave {len(pages)} pages for {count} slides")
        images = [page.read_bytes() for page in pages]
    cache.put_renders(key, images)
    return images


def _run(args: list[str], what: str) -> None:
    try:
        result = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"{what} failed: {exc}") from exc
    if result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise RenderError(f"{what} exited with {result.returncode}: {' '.join(tail)}")
