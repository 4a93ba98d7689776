"""How fast is `mooc build`? Baseline: `zip -0 -r` of the same files, for each artifact.

Generates (once; reused from ``benchmarks/.cache/build/``) a 20-lesson course from the example
course's real media (videos of 3-4 minutes, decks, vi+en captions, copied round-robin), then in
one run measures:

* a full build of SCORM 1.2 and 2004 (every lesson zip and the course zips), empty cache;
* the baseline: ``zip -0 -r -q`` of each artifact's files (the same folders, already laid out),
  summed over every artifact;
* a rebuild with nothing changed;
* a rebuild after editing one caption file (only that lesson's zips and the course zips change).

Each figure is the median of ``--repeat`` runs. Slides are laid out as HTML (``--slides html``)
so that the figure measures packaging, not LibreOffice; ``--slides auto`` times rendering too.

Run: ``python benchmarks/build.py`` (``--lessons``, ``--repeat``, ``--jobs``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mooc_builder.cache import BuildCache  # noqa: E402
from mooc_builder.course.validate import load_course  # noqa: E402
from mooc_builder.pipeline import build  # noqa: E402

EXAMPLE = ROOT / "courses" / "human-rights"
CACHE = ROOT / "benchmarks" / ".cache" / "build"
TARGET_FULL = 1.3
TARGET_NOCHANGE = 0.05


def make_course(lessons: int) -> Path:
    """A ``lessons``-lesson course made of the example course's files, round-robin."""
    course = CACHE / f"course-{lessons}"
    if (course / "course.yaml").is_file():
        return course
    example = load_course(EXAMPLE).course
    assert example is not None, "the example course does not load"
    tmp = CACHE / f".course-{lessons}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for folder in ("media", "slides", "captions"):
        (tmp / folder).mkdir(parents=True)
    yaml_text = (EXAMPLE / "course.yaml").read_text(encoding="utf-8")
    head = yaml_text[: yaml_text.index("\nlessons:")] + "\nlessons:\n"
    entries = []
    for n in range(1, lessons + 1):
        source = example.lessons[(n - 1) % len(example.lessons)]
        lid = f"lesson-{n:02d}"
        shutil.copyfile(source.video, tmp / "media" / f"{lid}.mp4")
        shutil.copyfile(source.slides, tmp / "slides" / f"{lid}.pptx")
        caps = []
        for lang, path in source.captions.items():
            shutil.copyfile(path, tmp / "captions" / f"{lid}.{lang}.vtt")
            caps.append(f"      {lang}: captions/{lid}.{lang}.vtt")
        times = ", ".join(f"{t:g}" for t in source.slide_times or ())
        entries.append(
            f"  - id: {lid}\n"
            f"    title: {{vi: Bài {n}, en: Lesson {n}}}\n"
            f"    video: media/{lid}.mp4\n"
            f"    slides: slides/{lid}.pptx\n"
            + (f"    slide_times: [{times}]\n" if times else "")
            + "    captions:\n"
            + "\n".join(caps)
            + "\n"
        )
    (tmp / "course.yaml").write_text(head + "".join(entries), encoding="utf-8")
    tmp.rename(course)
    return course


def edit_caption(path: Path) -> None:
    """Change the wording of the first cue (as a designer fixing a typo would)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if "-->" in line) + 1
    lines[first] = lines[first].swapcase()
    path.write_text("\n".join(lines), encoding="utf-8")


def timed(run: Callable[[], object]) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def zip_baseline(out: Path, staging: Path) -> float:
    """Seconds `zip -0 -r` takes to pack, per artifact, the files the artifact holds."""
    folders = []
    for archive in sorted(out.rglob("*.zip")):
        folder = staging / archive.relative_to(out).with_suffix("")
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(folder)
        folders.append(folder)
    total = 0.0
    for folder in folders:
        target = folder.with_suffix(".baseline.zip")
        total += timed(
            lambda f=folder, t=target: subprocess.run(
                ["zip", "-0", "-r", "-q", "-X", str(t), "."], cwd=f, check=True
            )
        )
    return total


def human(seconds: float) -> str:
    """A duration for the table."""
    return f"{seconds * 1e3:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="zips written in parallel")
    parser.add_argument("--slides", choices=["html", "auto"], default="html")
    args = parser.parse_args(argv)
    if shutil.which("zip") is None:
        print("the baseline needs zip (Debian: apt-get install zip)", file=sys.stderr)
        return 2
    course = make_course(args.lessons)
    formats = ("scorm12", "scorm2004")
    fulls, baselines, nochanges, edits = [], [], [], []
    artifacts = written_after_edit = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="mooc-bench-") as tmp_name:
            tmp = Path(tmp_name)
            work = tmp / "course"
            shutil.copytree(course, work)
            out, cache = tmp / "out", tmp / "cache"

            def run(c: Path = cache, o: Path = out, w: Path = work) -> object:
                return build(w, o, formats, jobs=args.jobs, slides=args.slides, cache=BuildCache(c))

            fulls.append(timed(run))
            artifacts = len(list(out.rglob("*.zip")))
            baselines.append(zip_baseline(out, tmp / "baseline"))
            nochanges.append(timed(run))
            edit_caption(work / "captions" / "lesson-01.en.vtt")
            started = time.perf_counter()
            result = build(
                work, out, formats, jobs=args.jobs, slides=args.slides, cache=BuildCache(cache)
            )
            edits.append(time.perf_counter() - started)
            written_after_edit = result.written
    full, base = statistics.median(fulls), statistics.median(baselines)
    nochange, edit = statistics.median(nochanges), statistics.median(edits)
    size = sum(p.stat().st_size for p in course.rglob("*") if p.is_file()) / 1e6
    print(
        f"\n{args.lessons}-lesson course ({size:.0f} MB of media), {artifacts} zips "
        f"(SCORM 1.2 + 2004, per lesson and per course), slides {args.slides}, "
        f"median of {args.repeat}\n"
    )
    print(f"{'step':<40}{'time':>12}{'ratio':>22}")
    rows = [
        ("full build (check + package + write)", full, f"{full / base:.2f}x zip -0"),
        ("zip -0 -r of the same files", base, "1.00x"),
        ("rebuild, nothing changed", nochange, f"{nochange / full:.1%} of full"),
        (
            f"rebuild after one caption edit ({written_after_edit} zips)",
            edit,
            f"{edit / full:.1%} of full",
        ),
    ]
    for label, seconds, ratio in rows:
        print(f"{label:<40}{human(seconds):>12}{ratio:>22}")
    ok_full = full / base <= TARGET_FULL
    ok_nochange = nochange / full < TARGET_NOCHANGE
    print(
        f"\ntarget full build <= {TARGET_FULL}x zip -0: {'met' if ok_full else 'NOT met'}; "
        f"no-change rebuild < {TARGET_NOCHANGE:.0%} of full: {'met' if ok_nochange else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
