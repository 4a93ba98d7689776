"""A content-addressed build cache, so that rebuilding with nothing changed reuses earlier work.

Everything is keyed by SHA-256 of file contents. Hashing a video on every build would cost as
much as copying it, so file hashes are memoised by ``(size, mtime_ns, inode)`` the way git's
index does; a file whose stat changes is hashed again. What is cached:

- file content hashes (``hashes.json``);
- slide facts read from a .pptx (``slides/<sha256>.json`` plus picture blobs in ``blobs/``);
- rendered slide images (``renders/<sha256>/<n>.png``).

The cache lives in ``$MOOC_BUILDER_CACHE``, else ``$XDG_CACHE_HOME/mooc-builder``, else
``~/.cache/mooc-builder``. It is an optimisation only: when it cannot be read or written,
builds go on without it and produce the same output.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mooc_builder import __version__
from mooc_builder.media.slides import (
    Box,
    Paragraph,
    Slide,
    SlideDeck,
    SlidePicture,
    TextBlock,
)
from mooc_builder.write import write_file_atomic

CACHE_FORMAT = 2


def default_cache_dir() -> Path:
    """Where the cache lives unless told otherwise."""
    if env := os.environ.get("MOOC_BUILDER_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mooc-builder"


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class BuildCache:
    """File hashes, slide facts and slide renders, keyed by content."""

    def __init__(self, root: Path | None = None, *, enabled: bool = True) -> None:
        self.root = (root or default_cache_dir()) / f"v{CACHE_FORMAT}"
        self.enabled = enabled
        self._hashes: dict[str, list[Any]] = {}
        self._dirty = False
        if enabled:
            self._hashes = self._load_hashes()

    # -- file hashes ----------------------------------------------------------------------

    def file_hash(self, path: Path) -> str:
        """SHA-256 of a file's content, memoised by its stat."""
        st = path.stat()
        key = str(path.absolute())
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        known = self._hashes.get(key)
        if known is not None and known[:3] == stamp:
            return str(known[3])
        with path.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        self._hashes[key] = [*stamp, digest]
        self._dirty = True
        return digest

    def _load_hashes(self) -> dict[str, list[Any]]:
        try:
            data = json.loads((self.root / "hashes.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self) -> None:
        """Write the file-hash memo (atomically; a failure only loses the memo)."""
        if not (self.enabled and self._dirty):
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_file_atomic(self.root / "hashes.json", json.dumps(self._hashes).encode())
            self._dirty = False
        except OSError:
            pass

    # -- slide facts ----------------------------------------------------------------------

    def slides(self, pptx: Path) -> SlideDeck | None:
        """Slide facts of ``pptx`` if this content was read before."""
        if not self.enabled:
            return None
        file = self.root / "slides" / f"{self.file_hash(pptx)}.json"
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            if data.get("reader") != __version__:
                return None
            return self._deck_from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put_slides(self, pptx: Path, deck: SlideDeck) -> None:
        """Remember the slide facts of ``pptx``."""
        if not self.enabled:
            return
        slides = []
        try:
            for slide in deck.slides:
                pictures = []
                for picture in slide.pictures:
                    digest = self._put_blob(picture.blob)
                    pictures.append(
                        {
                            "alt": picture.alt,
                            "decorative": picture.decorative,
                            "content_type": picture.content_type,
                            "blob": digest,
                            "box": _box_json(picture.box),
                        }
                    )
                slides.append(
                    {
                        "number": slide.number,
                        "title": slide.title,
                        "blocks": [
                            {
                                "box": _box_json(block.box),
                                "paragraphs": [[p.text, p.level] for p in block.paragraphs],
                            }
                            for block in slide.blocks
                        ],
                        "notes": slide.notes,
                        "pictures": pictures,
                        "title_box": _box_json(slide.title_box),
                    }
                )
            data = {
                "reader": __version__,
                "width": deck.width_emu,
                "height": deck.height_emu,
                "slides": slides,
            }
            folder = self.root / "slides"
            folder.mkdir(parents=True, exist_ok=True)
            payload = json.dumps(data, ensure_ascii=False).encode("utf-8")
            write_file_atomic(folder / f"{self.file_hash(pptx)}.json", payload)
        except OSError:
            pass

    def _deck_from_json(self, data: dict[str, Any]) -> SlideDeck:
        slides = []
        for raw in data["slides"]:
            pictures = tuple(
                SlidePicture(
                    alt=p["alt"],
                    decorative=p["decorative"],
                    content_type=p["content_type"],
                    blob=(self.root / "blobs" / p["blob"]).read_bytes(),
                    box=_box_from(p["box"]) or Box(0, 0, 0, 0),
                )
                for p in raw["pictures"]
            )
            slides.append(
                Slide(
                    number=raw["number"],
                    title=raw["title"],
                    blocks=tuple(
                        TextBlock(
                            _box_from(block["box"]),
                            tuple(Paragraph(text, level) for text, level in block["paragraphs"]),
                        )
                        for block in raw["blocks"]
                    ),
                    notes=raw["notes"],
                    pictures=pictures,
                    title_box=_box_from(raw["title_box"]),
                )
            )
        return SlideDeck(tuple(slides), data["width"], data["height"])

    def _put_blob(self, blob: bytes) -> str:
        digest = sha256_bytes(blob)
        path = self.root / "blobs" / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomic(path, blob)
        return digest

    # -- slide renders --------------------------------------------------------------------

    def renders(self, key: str, count: int) -> list[bytes] | None:
        """Rendered slide images stored under ``key``, if all ``count`` of them are there."""
        if not self.enabled:
            return None
        folder = self.root / "renders" / key
        try:
            return [(folder / f"{n}.png").read_bytes() for n in range(1, count + 1)]
        except OSError:
            return None

    def put_renders(self, key: str, images: Sequence[bytes]) -> None:
        """Store rendered slide images under ``key``."""
        if not self.enabled:
            return
        folder = self.root / "renders" / key
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for n, image in enumerate(images, start=1):
                write_file_atomic(folder / f"{n}.png", image)
        except OSError:
            pass


def _box_json(box: Box | None) -> list[float] | None:
    return None if box is None else [box.left, box.top, box.width, box.height]


def _box_from(raw: list[float] | None) -> Box | None:
    return None if raw is None else Box(*raw)
