"""Problems found in a course and the one exception root of mooc-builder.

A :class:`Problem` is a finding: something wrong (``error``) or worth a look (``warning``) in a
file, with the line where there is one, the course.yaml path it concerns, and a hint on what to do.
Checks collect problems and return them; nothing in the core prints or exits.

:class:`MoocError` is raised when work cannot go on (a course that does not load, a build refused
because of errors, a file that cannot be read). It carries the problems that explain why; ``cli.py``
is the only place that turns it into text and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding, located as precisely as the input allows."""

    code: str
    """Stable kebab-case id, e.g. ``video-too-short``; tests and ``policy.severity`` key on it."""
    message: str
    severity: Severity = ERROR
    file: Path | None = None
    line: int | None = None
    path: str | None = None
    """Location in course.yaml, e.g. ``lessons[2].captions.vi``."""
    lesson: str | None = None
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        """True for problems that stop publishing."""
        return self.severity == ERROR

    def at(
        self,
        *,
        file: Path | None = None,
        path: str | None = None,
        lesson: str | None = None,
        line: int | None = None,
    ) -> Problem:
        """Return a copy placed in context; fields already set are kept unless given."""
        return replace(
            self,
            file=file if file is not None else self.file,
            path=path if path is not None else self.path,
            lesson=lesson if lesson is not None else self.lesson,
            line=line if line is not None else self.line,
        )

    def format(self, base: Path | None = None) -> str:
        """Render as ``file:line: path: message (hint)``, the form editors and CI logs read."""
        parts: list[str] = []
        where = display_path(self.file, base) if self.file is not None else "<course>"
        if self.line is not None:
            where += f":{self.line}"
        parts.append(where)
        if self.path:
            parts.append(self.path)
        head = ": ".join(parts)
        label = "" if self.severity == ERROR else "warning: "
        text = f"{head}: {label}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_json(self, base: Path | None = None) -> dict[str, object]:
        """The JSON form used by ``mooc check --format json``."""
        return {
            "code": self.code,
            "message": self.message,
            "file": display_path(self.file, base) if self.file is not None else None,
            "line": self.line,
            "path": self.path,
            "lesson": self.lesson,
            "hint": self.hint,
        }


def display_path(path: Path, base: Path | None = None) -> str:
    """Show ``path`` relative to ``base`` (default: the working directory) when it lies below it."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to((base or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that stop publishing."""
    return [p for p in problems if p.is_error]


class MoocError(Exception):
    """Root of every error mooc-builder raises on purpose.

    ``problems`` explain the failure; the CLI prints them and exits 1.
    """

    exit_code = 1

    def __init__(self, message: str, problems: Sequence[Problem] = (), hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f" ({self.hint})" if self.hint else "")


class UsageError(MoocError):
    """The command was called wrongly (a path that is not a course, an unknown format)."""

    exit_code = 2


class CheckFailed(MoocError):
    """The course has errors, so the requested work (e.g. a build) was refused."""
