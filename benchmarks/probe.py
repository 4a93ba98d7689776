"""How fast is probe_video, and does it agree with ffprobe? Baselines: ffprobe and moviepy 2.x.

Generates (once; reused from ``benchmarks/.cache/probe/``) 50 lesson-length videos of 180-300 s:
MP4 with the moov first, MP4 with the moov at the end, and WebM. Then, in one run, it times

* ``probe_video(path)`` on every file, repeated and summarised by the median and best run;
* ``ffprobe -v error -show_entries format=duration -of csv=p=0 FILE`` as a subprocess per file;
* ``moviepy.VideoFileClip(path).duration`` per file (each clip closed),

prints a table with per-file times and the ratios against probe_video, and exits 1 when any
duration differs from ffprobe's by more than 1 ms (or a file cannot be probed).

Then it times ``mooc check`` over a generated 50-lesson course (``--check-lessons``): in-process
(``check_course``, median of 3) and as the command a designer runs (a subprocess, Python start-up
included).

Run: ``python benchmarks/probe.py`` (``--quick`` for a smoke run on 6 files).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mooc_builder.media.probe import ProbeError, probe_video  # noqa: E402
from tests.support.media import ffprobe_duration, make_video  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache" / "probe"
LIMIT_MS = 1.0
TARGET_FFPROBE = 20.0
TARGET_MOVIEPY = 100.0
KINDS = (
    # (label, container, faststart, share of the files)
    ("mp4-faststart", "mp4", True, 26),
    ("mp4-moov-at-end", "mp4", False, 12),
    ("webm", "webm", True, 12),
)


@dataclass(frozen=True)
class Sample:
    """One video of the corpus."""

    name: str
    container: str
    faststart: bool
    duration_s: float

    @property
    def path(self) -> Path:
        """Where the cached file lives."""
        return CACHE / f"{self.name}.{self.container}"


def corpus(quick: bool) -> list[Sample]:
    """The benchmark's videos: 50 files (or 6 with ``quick``), durations spread over 180-300 s."""
    samples: list[Sample] = []
    for label, container, faststart, count in KINDS:
        for i in range(2 if quick else count):
            duration = round(180 + (i * 47.37 + len(label) * 11.1) % 120, 2)
            samples.append(
                Sample(f"{label}-{i:02d}-{duration:.2f}s", container, faststart, duration)
            )
    return samples


def ensure(samples: Sequence[Sample]) -> None:
    """Generate the samples missing from the cache, in parallel, each written atomically."""
    missing = [s for s in samples if not s.path.exists()]
    if not missing:
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"generating {len(missing)} videos into {CACHE.relative_to(ROOT)} (once) ...", flush=True)
    started = time.perf_counter()

    def make(sample: Sample) -> None:
        tmp = sample.path.with_name(f"tmp-{sample.path.name}")
        make_video(tmp, sample.duration_s, container=sample.container, faststart=sample.faststart)
        tmp.replace(sample.path)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(make, missing))
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)


def timed(run: Callable[[], object]) -> float:
    """Seconds one call of ``run`` takes."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def moviepy_duration(path: Path) -> float:
    """moviepy 2.x's duration of ``path``, closing the clip (and its ffmpeg readers)."""
    from moviepy import VideoFileClip

    clip = VideoFileClip(str(path))
    try:
        return float(clip.duration)
    finally:
        clip.close()


def human(seconds: float) -> str:
    """``12.3 ms`` / ``4.56 s`` / ``87 µs``."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status is 1 when a duration disagrees with ffprobe."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="6 files and fewer repeats")
    parser.add_argument("--repeat", type=int, default=None, help="probe_video runs (default 25)")
    parser.add_argument("--no-moviepy", action="store_true", help="skip the slow moviepy baseline")
    parser.add_argument(
        "--check-lessons", type=int, default=50, help="lessons in the `mooc check` course (0: skip)"
    )
    args = parser.parse_args(argv)
    repeat = args.repeat or (5 if args.quick else 25)

    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        print("ffprobe is not on PATH (Debian: apt-get install ffmpeg)", file=sys.stderr)
        return 2
    samples = corpus(args.quick)
    ensure(samples)
    paths = [s.path for s in samples]

    # probe_video: first run collects the answers (and warms the page cache for everyone).
    ours: dict[Path, float] = {}
    failures: list[str] = []
    for path in paths:
        try:
            ours[path] = probe_video(path).duration_s
        except ProbeError as exc:
            failures.append(f"{path.name}: {exc}")
    runs = [timed(lambda: [probe_video(p) for p in paths]) for _ in range(repeat)]
    ours_median, ours_best = statistics.median(runs), min(runs)

    reference: dict[Path, float] = {}
    started = time.perf_counter()
    for path in paths:
        reference[path] = ffprobe_duration(ffprobe, path)
    ffprobe_total = time.perf_counter() - started

    moviepy_total: float | None = None
    moviepy: dict[Path, float] = {}
    if not args.no_moviepy:
        import moviepy as _preload  # noqa: F401  (import time is not per-file work)

        started = time.perf_counter()
        for path in paths:
            moviepy[path] = moviepy_duration(path)
        moviepy_total = time.perf_counter() - started

    n = len(paths)
    kinds = ", ".join(f"{sum(s.name.startswith(k) for s in samples)} {k}" for k, *_ in KINDS)
    lo = min(s.duration_s for s in samples)
    hi = max(s.duration_s for s in samples)
    print(f"\n{n} files ({kinds}), {lo:.0f}-{hi:.0f} s each; probe_video repeated {repeat}x\n")
    rows: list[tuple[str, float, float | None]] = [
        ("probe_video (median)", ours_median, 1.0),
        ("probe_video (best)", ours_best, None),
        ("ffprobe subprocess", ffprobe_total, ffprobe_total / ours_median),
    ]
    if moviepy_total is not None:
        rows.append(("moviepy VideoFileClip", moviepy_total, moviepy_total / ours_median))
    print(f"{'method':<24}{'total':>12}{'per file':>12}{'vs ours':>12}")
    for label, total, ratio in rows:
        shown = f"{ratio:,.1f}x" if ratio is not None else ""
        print(f"{label:<24}{human(total):>12}{human(total / n):>12}{shown:>12}")

    diffs = {p: abs(ours[p] - reference[p]) * 1e3 for p in ours}
    worst = max(diffs.values(), default=0.0)
    print(f"\nlargest |probe_video - ffprobe|: {worst:.4f} ms (limit {LIMIT_MS:g} ms)")
    if moviepy:
        mp_worst = max(abs(moviepy[p] - reference[p]) * 1e3 for p in paths)
        print(f"largest |moviepy - ffprobe|:     {mp_worst:.1f} ms (for information)")
    ffprobe_ratio = ffprobe_total / ours_median
    verdict = "met" if ffprobe_ratio >= TARGET_FFPROBE else "NOT met"
    print(f"target ffprobe/ours >= {TARGET_FFPROBE:g}x: {verdict} ({ffprobe_ratio:,.0f}x)")
    if moviepy_total is not None:
        moviepy_ratio = moviepy_total / ours_median
        verdict = "met" if moviepy_ratio >= TARGET_MOVIEPY else "NOT met"
        print(f"target moviepy/ours >= {TARGET_MOVIEPY:g}x: {verdict} ({moviepy_ratio:,.0f}x)")

    if args.check_lessons:
        time_check(args.check_lessons)

    bad = [f"{p.name}: off by {d:.3f} ms" for p, d in diffs.items() if d > LIMIT_MS]
    for line in failures + bad:
        print(f"FAIL {line}", file=sys.stderr)
    return 1 if failures or bad else 0


def time_check(lessons: int) -> None:
    """Time `mooc check` over a generated course of ``lessons`` valid lessons."""
    from mooc_builder.check import check_course
    from tests.support.course import make_course

    course = CACHE.parent / f"check-course-{lessons}"
    if not (course / "course.yaml").is_file():
        make_course(course, lessons=lessons, duration_s=240.0)
    report = check_course(course)  # warm-up; also proves the course is valid
    assert report.ok(), [p.format() for p in report.errors]
    runs = [timed(lambda: check_course(course)) for _ in range(3)]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mooc_builder", "check", str(course)],
        capture_output=True,
        check=False,
    )
    command = time.perf_counter() - started
    median = statistics.median(runs)
    print(f"\nmooc check over a generated {lessons}-lesson course (video, vi+en captions, slides):")
    print(f"  check_course in-process: {human(median)} ({human(median / lessons)} per lesson)")
    print(f"  `mooc check` command:    {human(command)} (exit {done.returncode})")


if __name__ == "__main__":
    raise SystemExit(main())
