"""Enrolments: ``person_id`` or ``email``, ``enrolled_at``.

Any xAPI statement or LMS row marks enrolment too; this file is for people enrolled who have
not started yet.
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
from mooc_builder.tracking.store import ENROLMENT


@register
class EnrolmentReader(CsvLogReader):
    """Enrolment lists."""

    name = "enrolment"
    label = "enrolment CSV"
    required = ("enrolled_at",)

    def row(self, table: Table, line: int, cells: list[str], ctx: ReadContext) -> Iterator[Record]:
        """One enrolment -> one fact."""
        actor = person_key(table, cells)
        try:
            at = parse_instant(cell(table, cells, "enrolled_at"), ctx.tz)
        except ValueError as exc:
            raise RowError(f"enrolled_at: {exc}") from None
        yield Fact(content_id("enrolment", actor, at), actor, ENROLMENT, None, at, line)
