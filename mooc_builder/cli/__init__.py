"""The ``mooc`` command: thin click commands over importable functions.

This package is the only place that prints, parses arguments, or picks exit codes:
0 success, 1 the input has errors, 2 the command was used wrongly.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
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

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="mooc")
def main() -> None:
    """Build LMS packages from course.yaml and track training coverage.

    \b
    Designers:  mooc check COURSE   then   mooc build COURSE
    Trainers:   mooc track --help
    """
