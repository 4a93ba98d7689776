"""The one place that finds and runs ffmpeg.

mooc-builder uses the ffmpeg binary shipped with the ``imageio-ffmpeg`` wheel, so the tool works
the same on every machine without a system ffmpeg. Everything that encodes, cuts or remuxes media
goes through :func:`run_ffmpeg`, which turns a failure into a
:class:`~mooc_builder.errors.MoocError` carrying ffmpeg's own last words instead of a traceback.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence

from mooc_builder.errors import MoocError

GLOBAL_ARGS: tuple[str, ...] = ("-hide_banner", "-nostdin", "-loglevel", "error")
"""Put before the caller's arguments: no banner, never wait for a key press, print only errors."""

STDERR_LINES = 8
"""How many of ffmpeg's last stderr lines an error message quotes."""


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable bundled with imageio-ffmpeg.

    ``IMAGEIO_FFMPEG_EXE`` in the environment overrides it (imageio-ffmpeg's own convention).
    Raises :class:`MoocError` when no executable can be found.
    """
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise MoocError(
            "ffmpeg is not available: the imageio-ffmpeg package is not installed",
            hint="pip install imageio-ffmpeg",
        ) from exc
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise MoocError(
            f"ffmpeg is not available: {exc}",
            hint="reinstall imageio-ffmpeg or set IMAGEIO_FFMPEG_EXE to an ffmpeg executable",
        ) from exc
    return str(exe)


def run_ffmpeg(args: Sequence[str], *, what: str) -> None:
    """Run ffmpeg with ``args`` (after :data:`GLOBAL_ARGS`) and wait for it.

    ``what`` names the work in the user's words ("encoding lesson-3.mp4") and starts the error
    message when ffmpeg fails; the message then quotes ffmpeg's last stderr lines. Raises
    :class:`MoocError`, never :class:`subprocess.CalledProcessError` or :class:`OSError`.
    """
    cmd = [ffmpeg_exe(), *GLOBAL_ARGS, *args]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    except OSError as exc:
        raise MoocError(
            f"{what}: could not start ffmpeg ({cmd[0]}): {exc.strerror or exc}",
            hint="reinstall imageio-ffmpeg or set IMAGEIO_FFMPEG_EXE to an ffmpeg executable",
        ) from exc
    if proc.returncode != 0:
        raise MoocError(
            f"{what}: ffmpeg failed ({_exit_text(proc.returncode)})" + _tail(proc.stderr)
        )


def _exit_text(returncode: int) -> str:
    """``exit status 1`` or ``killed by signal 9``."""
    if returncode < 0:
        return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def _tail(stderr: bytes) -> str:
    """The last non-empty stderr lines, indented under the message, or nothing."""
    lines = [ln.rstrip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    if not lines:
        return ""
    return ":\n" + "\n".join("    " + ln for ln in lines[-STDERR_LINES:])
