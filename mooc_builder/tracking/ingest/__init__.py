"""Reading logs into the tracking store: format detection, one transaction per file.

By default a file with any malformed row is rejected whole (nothing written) and every bad row
is reported with its line; ``skip_bad=True`` stores the good rows and returns the rejects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mooc_builder.errors import MoocError, Problem, UsageError
from mooc_builder.tracking.ingest import attendance, enrolment, lms_csv, moodle, xapi
from mooc_builder.tracking.ingest.base import (
    READERS,
    ActivityRef,
    Fact,
    LogReader,
    ProgressCallback,
    ReadContext,
    Record,
    Reject,
    Sample,
    Void,
    register,
)
from mooc_builder.tracking.ingest.tabular import header_of
from mooc_builder.tracking.ingest.writer import IngestResult, IngestSession, now_epoch
from mooc_builder.tracking.store import TrackingStore

__all__ = [
    "READERS",
    "ActivityRef",
    "Fact",
    "IngestBatch",
    "IngestResult",
    "IngestSession",
    "LogReader",
    "ReadContext",
    "Record",
    "Reject",
    "Void",
    "attendance",
    "detect_format",
    "enrolment",
    "ingest_file",
    "ingest_files",
    "lms_csv",
    "moodle",
    "register",
    "rejects_to_problems",
    "xapi",
]

MAX_PROBLEMS = 50
_ROSTER_HEADER = {"person_id", "full_name", "group"}


@dataclass
class IngestBatch:
    """The outcome of ingesting several files: results, and errors of the files refused."""

    results: list[IngestResult] = field(default_factory=list)
    errors: list[MoocError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was stored."""
        return not self.errors


def detect_format(path: Path) -> str:
    """The reader name for ``path`` from its content; :class:`UsageError` when unknown."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise UsageError(f"cannot read {path.as_posix()}: {exc.strerror or exc}") from None
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        raise UsageError(
            f"{path.name} is a workbook; logs are read from CSV or JSON",
            hint="a roster is imported with `mooc track roster import`; save LMS reports as CSV",
        )
    sample = Sample(path, head, header_of(head))
    if set(sample.header) >= _ROSTER_HEADER:
        raise UsageError(
            f"{path.name} is a roster, not a log",
            hint=f"import it with `mooc track roster import {path.name} --targets targets.yaml`",
        )
    for name, reader in READERS.items():
        if reader().detect(sample):
            return name
    raise UsageError(
        f"cannot tell which log format {path.name} is",
        hint=f"give --format {'|'.join(READERS)}; the README lists the columns of each",
    )


def ingest_file(
    store: TrackingStore,
    path: str | Path,
    *,
    fmt: str | None = None,
    skip_bad: bool = False,
    progress: ProgressCallback | None = None,
    now: int | None = None,
    workers: int | None = None,
) -> IngestResult:
    """Read one log file into ``store`` in one transaction.

    Raises :class:`MoocError` naming every bad row (file and line) when the file has any and
    ``skip_bad`` is false; then nothing is written. ``workers`` sets how many processes parse
    a large NDJSON file (default: one per CPU, up to 4).
    """
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no file at {file.as_posix()}")
    name = fmt or detect_format(file)
    if name not in READERS:
        raise UsageError(f"unknown format {name!r}", hint=f"use one of {', '.join(READERS)}")
    reader = READERS[name]()
    ctx = ReadContext(
        tz=store.timezone,
        now=now if now is not None else now_epoch(),
        progress=(lambda done, total: progress(file.name, done, total)) if progress else None,
        workers=workers,
    )
    with store.writing() as conn:
        session = IngestSession(store, conn, file.name, name, ctx.now)
        session.add(reader.read(file, ctx), skip_bad=skip_bad)
        result = session.finish()
        if not result.written:
            raise MoocError(
                f"{file.name}: {len(result.rejects)} bad "
                f"{'row' if len(result.rejects) == 1 else 'rows'}; nothing was stored "
                f"from this {reader.label} file",
                rejects_to_problems(file, result.rejects),
                hint="fix the rows, or give --skip-bad REJECTS.csv to store the good ones",
            )
    return result


def ingest_files(
    store: TrackingStore,
    paths: Sequence[str | Path],
    *,
    fmt: str | None = None,
    skip_bad: bool = False,
    progress: ProgressCallback | None = None,
    now: int | None = None,
) -> IngestBatch:
    """Ingest each file in its own transaction; a refused file does not stop the others."""
    batch = IngestBatch()
    for path in paths:
        try:
            batch.results.append(
                ingest_file(store, path, fmt=fmt, skip_bad=skip_bad, progress=progress, now=now)
            )
        except MoocError as exc:
            batch.errors.append(exc)
    return batch


def rejects_to_problems(file: Path | str, rejects: Sequence[Reject]) -> list[Problem]:
    """Rejected rows as problems (the first :data:`MAX_PROBLEMS`, then a count)."""
    where = Path(file)
    problems = [
        Problem("ingest-bad-row", r.message, file=where, line=r.line, hint=r.hint)
        for r in rejects[:MAX_PROBLEMS]
    ]
    if len(rejects) > MAX_PROBLEMS:
        problems.append(
            Problem(
                "ingest-bad-row", f"… and {len(rejects) - MAX_PROBLEMS} more bad rows", file=where
            )
        )
    return problems
