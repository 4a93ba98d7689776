"""The ``mooc`` command: thin click commands over importable functions.

This package is the only place that prints, parses arguments, or picks exit codes:
0 success, 1 the input has errors, 2 the command was used wrongly.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from mooc_builder import __version__
from mooc_builder.errors import MoocError

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a :class:`MoocError` into its problems on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MoocError as exc:
            for problem in exc.problems:
                click.echo(problem.format(), err=True)
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # the machine, not the course: disk full, permission denied, …
            where = f"{exc.filename}: " if exc.filename else ""
            click.secho(f"error: {where}{exc.strerror or exc}", fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.secho("interrupted; nothing was left half-written", fg="red", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def progress_bar(
    label: str, enabled: bool = True
) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback ``(item, done, total)`` drawing a bar on stderr when it is a terminal.

    Yields ``None`` (no progress reporting) when disabled or when stderr is not a terminal, so
    logs and pipes stay clean.
    """
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []

    def update(item: str, done: int, total: int) -> None:
        if bars and bars[0].length != total:  # a new phase: finish the bar, start another
            bars.pop().__exit__(None, None, None)
        if not bars:
            bars.append(click.progressbar(length=total, label=label, file=sys.stderr))
            bars[0].__enter__()
        bars[0].label = f"{label} {item}"
        bars[0].update(done - bars[0].pos)

    try:
        yield update
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="mooc")
def main() -> None:
    """Build LMS packages from course.yaml and track training coverage.

    \b
    Designers:  mooc check COURSE   then   mooc build COURSE
    Trainers:   mooc track --help
    """


from mooc_builder.cli import course_commands  # noqa: E402  (registers the designer commands)

__all__ = ["course_commands", "main", "progress_bar", "reports_errors"]

from mooc_builder.cli.track import track  # noqa: E402  (registers the trainers' commands)

main.add_command(track)
