"""Text rules shared by every stage: NFC first, then count what a reader sees (graphemes)."""

from __future__ import annotations

import unicodedata

import regex

_GRAPHEME = regex.compile(r"\X")


def nfc(text: str) -> str:
    """Normalise to NFC, the form every comparison and measurement in mooc-builder assumes.

    Vietnamese keyboards emit NFD or mixed "tổ hợp" sequences; NFC turns both into one form
    without changing tone placement (``hòa`` and ``hoà`` stay different strings).
    """
    return unicodedata.normalize("NFC", text)


def is_nfc(text: str) -> bool:
    """True when ``text`` is already in NFC."""
    return unicodedata.is_normalized("NFC", text)


def graphemes(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters) in ``text``."""
    if text.isascii():
        return len(text)
    return len(_GRAPHEME.findall(text))
