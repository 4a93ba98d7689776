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


def clock(seconds: float, exact: bool = False) -> str:
    """A time in messages: ``201.04`` -> ``3:21.040``, ``180`` -> ``3:00``.

    ``exact`` always prints the milliseconds (caption timings), e.g. ``0:04.000``.
    """
    total = round(seconds * 1000)
    sign = "-" if total < 0 else ""
    minutes, rest = divmod(abs(total), 60_000)
    secs, millis = divmod(rest, 1000)
    if millis == 0 and not exact:
        return f"{sign}{minutes}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}.{millis:03d}"


def graphemes(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters) in ``text``."""
    if text.isascii():
        return len(text)
    return len(_GRAPHEME.findall(text))
