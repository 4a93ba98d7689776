"""Generate caption files for tests."""

from __future__ import annotations

from pathlib import Path

from mooc_builder.media.captions import vtt_timestamp

TEXT = {
    "vi": "Quyền con người là quyền của mọi người",
    "en": "Human rights belong to every person",
}


def timestamp(seconds: float) -> str:
    """WebVTT timestamp ``HH:MM:SS.mmm``."""
    return vtt_timestamp(round(seconds * 1000))


def vtt_text(duration_s: float, lang: str = "vi", cue_s: float = 4.0, gap_s: float = 0.5) -> str:
    """A WebVTT file whose cues cover ``duration_s`` and pass the default quality rules."""
    lines = ["WEBVTT", ""]
    start, n = 0.0, 1
    while start + cue_s <= duration_s:
        end = start + cue_s
        lines += [str(n), f"{timestamp(start)} --> {timestamp(end)}", f"{TEXT[lang]} {n}", ""]
        start, n = end + gap_s, n + 1
    return "\n".join(lines)


def make_vtt(path: Path, duration_s: float, lang: str = "vi") -> Path:
    """Write :func:`vtt_text` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(vtt_text(duration_s, lang), encoding="utf-8")
    return path
