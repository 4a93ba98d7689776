"""Shared machinery of CSV log readers: opening, required columns, naming the person."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from mooc_builder.tracking.ingest.base import (
    LogReader,
    ReadContext,
    Record,
    Reject,
    Sample,
    email_key,
    pid_key,
)
from mooc_builder.tracking.ingest.tabular import Table, TableError, read_csv

PERSON_COLUMNS = ("person_id", "email")


class RowError(Exception):
    """A cell that cannot be read; becomes a :class:`Reject` for its row."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class CsvLogReader(LogReader):
    """A CSV log with one record per row; subclasses implement :meth:`row`."""

    required: ClassVar[tuple[str, ...]] = ()
    """Columns that must be present (besides person_id or email)."""
    needs_person: ClassVar[bool] = True

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Record]:
        """Every row of the file as records; a missing column rejects the file at line 1."""
        try:
            table = read_csv(path)
        except TableError as exc:
            yield Reject(exc.line, exc.message, exc.hint, "")
            return
        missing = [c for c in self.required if c not in table.header]
        if self.needs_person and not any(c in table.header for c in PERSON_COLUMNS):
            missing.insert(0, "person_id or email")
        if missing:
            yield Reject(
                1,
                f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                f"a {self.label} file has the columns {self.columns_hint()}",
                ",".join(table.raw_header),
            )
            return
        try:
            self.prepare(table)
        except RowError as exc:
            yield Reject(1, exc.message, exc.hint, ",".join(table.raw_header))
            return
        rows = table.rows
        done = 0
        while True:
            try:
                item = next(rows, None)
            except TableError as exc:
                yield Reject(exc.line, exc.message, exc.hint, "")
                return
            if item is None:
                break
            line, cells = item
            done += 1
            if ctx.progress is not None and done % 5000 == 0:
                ctx.progress(min(table.size, done * 80), table.size)
            try:
                yield from self.row(table, line, cells, ctx)
            except RowError as exc:
                yield Reject(line, exc.message, exc.hint, ",".join(cells))
        if ctx.progress is not None:
            ctx.progress(table.size, table.size)

    def detect(self, sample: Sample) -> bool:
        """A CSV whose header has every required column."""
        return set(self.required) <= set(sample.header)

    def columns_hint(self) -> str:
        """The columns to name in a hint."""
        return ", ".join(("person_id or email", *self.required))

    def prepare(self, table: Table) -> None:
        """Look at the header once before rows are read (optional)."""

    def row(self, table: Table, line: int, cells: list[str], ctx: ReadContext) -> Iterator[Record]:
        """Records of one row; raise :class:`RowError` for a bad cell."""
        raise NotImplementedError


def person_key(table: Table, cells: list[str]) -> str:
    """The actor key of a row: ``person_id`` when given, else ``email``."""
    pid_at = table.index("person_id")
    if pid_at is not None and cells[pid_at]:
        return pid_key(cells[pid_at])
    email_at = table.index("email")
    if email_at is not None and cells[email_at]:
        if "@" not in cells[email_at]:
            raise RowError(f"{cells[email_at]!r} is not an email address")
        return email_key(cells[email_at])
    raise RowError("the row names no one: person_id and email are both empty")


def cell(table: Table, cells: list[str], name: str) -> str:
    """The value of column ``name`` (empty when the column is absent)."""
    at = table.index(name)
    return cells[at] if at is not None else ""
