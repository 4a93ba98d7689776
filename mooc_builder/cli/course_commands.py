"""Commands for training designers: ``init``, ``check``, ``build``, ``schema``, ``captions``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mooc_builder.cache import BuildCache
from mooc_builder.check import CheckReport, check_course
from mooc_builder.cli import main, progress_bar, reports_errors
from mooc_builder.course.scaffold import init_course
from mooc_builder.errors import CheckFailed, Problem, display_path
from mooc_builder.media.captions import convert_captions, normalize_captions
from mooc_builder.pipeline import DEFAULT_FORMATS, parse_formats
from mooc_builder.pipeline import build as build_course
from mooc_builder.resources import course_schema_path


@main.command()
@click.argument("course", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per problem; json: one object for tools.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@reports_errors
def check(course: Path, fmt: str, strict: bool) -> None:
    """Check COURSE (a folder with course.yaml, or the YAML file) and report every problem.

    Exits 0 when the course can be published, 1 when it has errors (or warnings with
    --strict), 2 when the command is used wrongly.
    """
    report = _run_check(course, show_progress=fmt == "text")
    if fmt == "json":
        click.echo(json.dumps(report.to_json(strict), ensure_ascii=False, indent=2))
    else:
        _print_text(report, strict)
    sys.exit(0 if report.ok(strict) else 1)


def _run_check(course: Path, show_progress: bool) -> CheckReport:
    with progress_bar("Checking", enabled=show_progress) as progress:
        return check_course(course, progress=progress)


def _print_text(report: CheckReport, strict: bool) -> None:
    for problem in report.problems:
        _echo_problem(problem)
    name = report.course.id if report.course else report.file.name
    errors, warnings = len(report.errors), len(report.warnings)
    lessons = len(report.lessons)
    summary = (
        f"{name}: {lessons} lesson{'s' if lessons != 1 else ''} checked, "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    ok = report.ok(strict)
    click.secho(summary + (" — ready to build" if ok else ""), fg="green" if ok else "red")


def _echo_problem(problem: Problem) -> None:
    color = "red" if problem.is_error else "yellow"
    click.secho(problem.format(), fg=color)


@main.command()
def schema() -> None:
    """Print the JSON Schema of course.yaml (for editors and CI)."""
    click.echo(course_schema_path().read_text(encoding="utf-8"), nl=False)


@main.group()
def captions() -> None:
    """Convert and normalise caption files."""


@captions.command("convert")
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("dst", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def captions_convert(src: Path, dst: Path) -> None:
    """Convert SRC (.srt or .vtt) to DST (.vtt or .srt), refusing a source with errors."""
    parsed = convert_captions(src, dst)
    for problem in parsed.problems:
        _echo_problem(problem.at(file=src))
    click.echo(f"wrote {dst} ({len(parsed.cues)} cues)")


@captions.command("normalize")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@reports_errors
def captions_normalize(files: tuple[Path, ...]) -> None:
    """Rewrite FILES in NFC with LF line endings and no trailing spaces (in place)."""
    for file in files:
        changed = normalize_captions(file)
        click.echo(f"{file}: {'normalised' if changed else 'already normal'}")


@main.command()
@click.argument("course", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "formats",
    default=",".join(DEFAULT_FORMATS),
    show_default=True,
    help="Comma-separated package formats.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: dist/<course id>).",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Zips written in parallel.")
@click.option(
    "--slides",
    type=click.Choice(["auto", "images", "html"]),
    default="auto",
    show_default=True,
    help="Slides as rendered images (needs LibreOffice) or as HTML; auto picks images if it can.",
)
@click.option("--strict", is_flag=True, help="Refuse to build when there are warnings too.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the build cache.")
@reports_errors
def build(
    course: Path,
    formats: str,
    out_dir: Path | None,
    jobs: int | None,
    slides: str,
    strict: bool,
    no_cache: bool,
) -> None:
    """Check COURSE, then write one zip per lesson and one per course for each format.

    The output folder is replaced only when the whole build succeeds; build.json lists every
    zip with its SHA-256.
    """
    if strict:
        report = _run_check(course, show_progress=True)
        if not report.ok(strict=True):
            _print_text(report, strict=True)
            raise CheckFailed("warnings with --strict: nothing was built")
    cache = BuildCache(enabled=not no_cache)
    with progress_bar("Building") as progress:
        result = build_course(
            course,
            out_dir,
            parse_formats(formats),
            jobs=jobs,
            slides=slides,  # type: ignore[arg-type]
            cache=cache,
            progress=progress,
        )
    for problem in result.warnings:
        _echo_problem(problem)
    for note in result.notes:
        click.secho(f"note: {note}", fg="cyan", err=True)
    where = display_path(result.out_dir)
    if result.up_to_date:
        click.secho(f"{where}: up to date ({len(result.artifacts)} zips)", fg="green")
        return
    click.secho(
        f"{where}: {len(result.artifacts)} zips ({result.written} written, "
        f"{result.reused} unchanged), listed in {where}/build.json",
        fg="green",
    )


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--id", "course_id", help="Course id (default: from the folder name).")
@click.option("--language", default="vi", show_default=True, help="Main language (BCP 47).")
@click.option(
    "--captions", default="vi, en", show_default=True, help="Caption languages every lesson needs."
)
@reports_errors
def init(folder: Path, course_id: str | None, language: str, captions: str) -> None:
    """Start a new course in FOLDER: a commented course.yaml and media folders."""
    target = init_course(folder, course_id, language, captions)
    click.echo(f"wrote {target}; add the media, then run: mooc check {folder}")
