"""Generate small, deterministic videos for tests and benchmarks with the bundled ffmpeg.

Videos are synthetic (lavfi ``testsrc2`` picture and a ``sine`` tone), tiny (160x90 by default)
and encoded with the fastest settings, so a 3-minute lesson takes well under a second to make.
The output length is pinned with ``-t``; the bit-exact flags keep the bytes stable between runs
of the same ffmpeg build.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from mooc_builder.media.ffmpeg import run_ffmpeg

CONTAINERS = ("mp4", "mov", "m4v", "webm", "mkv", "fmp4")
"""What :func:`make_video` can write; ``fmp4`` is fragmented MP4 (``frag_keyframe+empty_moov``)."""

_MUXER = {
    "mp4": "mp4",
    "mov": "mov",
    "m4v": "ipod",
    "webm": "webm",
    "mkv": "matroska",
    "fmp4": "mp4",
}
_MP4_FAMILY = {"mp4", "mov", "m4v", "fmp4"}
_DEFAULT_CODECS = {"webm": ("vp8", "opus")}
_VIDEO_ENCODERS: dict[str, tuple[str, ...]] = {
    "h264": ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-crf", "35"),
    "vp8": ("-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "16", "-b:v", "64k"),
    "vp9": (
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-b:v",
        "64k",
        "-pix_fmt",
        "yuv420p",
    ),
}
_AUDIO_ENCODERS: dict[str, tuple[str, ...]] = {
    "aac": ("-c:a", "aac", "-aac_coder", "fast", "-b:a", "32k"),
    "opus": ("-c:a", "libopus", "-b:a", "32k"),
    "vorbis": ("-c:a", "libvorbis", "-q:a", "0"),
}
FRAGMENTED_MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"
"""``-movflags`` of ``container="fmp4"``; pass ``movflags=`` to try other fragmentations."""


def rate_text(fps: float) -> str:
    """ffmpeg's spelling of a frame rate: 25 -> ``25``, 23.976 -> ``24000/1001``."""
    frac = Fraction(fps).limit_denominator(1001)
    return str(frac.numerator) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"


def make_video(
    path: Path,
    duration_s: float,
    *,
    container: str = "mp4",
    faststart: bool = True,
    fps: float = 25,
    size: tuple[int, int] = (160, 90),
    audio: bool = True,
    timescale: int | None = None,
    video_codec: str | None = None,
    audio_codec: str | None = None,
    movflags: str | None = None,
    extra_args: Sequence[str] = (),
) -> Path:
    """Write a synthetic video of exactly ``duration_s`` seconds to ``path`` and return ``path``.

    ``container`` is one of :data:`CONTAINERS`. MP4-family files get the ``moov`` box first when
    ``faststart`` (``-movflags +faststart``), otherwise after the media data (ffmpeg's default).
    ``timescale`` sets the video track timescale of MP4-family files (``-video_track_timescale``).
    Codecs default to H.264 + AAC, and VP8 + Opus for WebM; ``video_codec`` may be ``h264``,
    ``vp8`` or ``vp9`` and ``audio_codec`` ``aac``, ``opus`` or ``vorbis``. ``movflags`` replaces
    the ``-movflags`` value entirely; ``extra_args`` are added as output options before the path.
    """
    if container not in _MUXER:
        raise ValueError(f"container must be one of {', '.join(CONTAINERS)}, not {container!r}")
    if timescale is not None and container not in _MP4_FAMILY:
        raise ValueError("timescale applies to MP4-family containers only")
    default_video, default_audio = _DEFAULT_CODECS.get(container, ("h264", "aac"))
    vcodec = video_codec or default_video
    acodec = audio_codec or default_audio
    if vcodec not in _VIDEO_ENCODERS or acodec not in _AUDIO_ENCODERS:
        raise ValueError(f"unsupported codec pair {vcodec}/{acodec}")

    rate = rate_text(fps)
    width, height = size
    args: list[str] = [
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={width}x{height}:rate={rate}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    args += ["-map", "0:v"]
    if audio:
        args += ["-map", "1:a"]
    args += ["-t", f"{duration_s:.6f}".rstrip("0").rstrip(".")]
    args += ["-r", rate, "-g", str(max(1, round(fps * 2))), "-threads", "1"]
    args += _VIDEO_ENCODERS[vcodec]
    if audio:
        args += _AUDIO_ENCODERS[acodec]
    args += ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"]
    if audio:
        args += ["-flags:a", "+bitexact"]
    if container in _MP4_FAMILY:
        if movflags is None:
            if container == "fmp4":
                movflags = FRAGMENTED_MOVFLAGS
            elif faststart:
                movflags = "+faststart"
        if movflags:
            args += ["-movflags", movflags]
        if timescale is not None:
            args += ["-video_track_timescale", str(timescale)]
    args += [*extra_args, "-f", _MUXER[container], str(path)]
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(args, what=f"generating test video {path.name}")
    return path


def ffprobe_duration(exe: str, path: Path) -> float:
    """ffprobe's format duration of ``path`` (the reference our probe is held to)."""
    out = subprocess.run(
        [exe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return float(out)
