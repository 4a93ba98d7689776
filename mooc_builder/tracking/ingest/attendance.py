"""Attendance at in-person training: ``person_id`` or ``email``, ``date``, ``session``.

Optional ``hours`` (a number) and ``location`` are checked and kept out of the statistics.
Attendance makes a person trained only when targets.yaml says ``in_person_counts: true``.
"""

from __future__ import annotations

from collections.abc import Iterator

from mooc_builder.tracking.clock import parse_instant
from mooc_builder.tracking.ingest.base import (
    Fact,
    ReadContext,
    Record,
    content_id,
    register,
)
from mooc_builder.tracking.ingest.csvlog import CsvLogReader, RowError, cell, person_key
from mooc_builder.tracking.ingest.tabular import Table
from mooc_builder.tracking.store import ATTENDANCE


@register
class AttendanceReader(CsvLogReader):
    """Sign-in sheets of in-person sessions."""

    name = "attendance"
    label = "attendance CSV"
    required = ("date", "session")

    def columns_hint(self) -> str:
        """Columns named in hints."""
        return "person_id or email, date, session (optional hours, location)"

    def row(self, table: Table, line: int, cells: list[str], ctx: ReadContext) -> Iterator[Record]:
        """One attendance -> one fact."""
        actor = person_key(table, cells)
        day = cell(table, cells, "date")
        session = cell(table, cells, "session")
        if not session:
            raise RowError("session is empty", "name the session, e.g. its code or title")
        try:
            at = parse_instant(day, ctx.tz)
        except ValueError as exc:
            raise RowError(f"date: {exc}") from None
        hours = cell(table, cells, "hours")
        if hours:
            try:
                value = float(hours.replace(",", "."))
            except ValueError:
                raise RowError(f"hours {hours!r} is not a number") from None
            if value < 0:
                raise RowError(f"hours {hours!r} is negative")
        yield Fact(content_id("attendance", actor, at, session), actor, ATTENDANCE, None, at, line)
