"""Generic LMS completion CSV: ``email`` or ``person_id``, ``lesson``, ``status``, ``completed_at``.

``lesson`` is a lesson id (``rights-of-the-child``) or its activity IRI. ``status`` uses the
SCORM vocabulary: ``completed`` and ``passed`` are completions (``completed_at`` required);
``failed``, ``incomplete`` and ``browsed`` are activity; ``not attempted`` and ``unknown`` only
mark enrolment. ``completed_at`` of a row that is not a completion is the time of that activity
when given, else the time of the ingest.
"""

from __future__ import annotations

from collections.abc import Iterator

from mooc_builder.tracking.clock import parse_instant
from mooc_builder.tracking.ingest.base import (
    REF_LESSON,
    Fact,
    ReadContext,
    Record,
    content_id,
    register,
)
from mooc_builder.tracking.ingest.csvlog import CsvLogReader, RowError, cell, person_key
from mooc_builder.tracking.ingest.tabular import Table
from mooc_builder.tracking.store import ACTIVITY, COMPLETION, ENROLMENT

STATUS_KINDS = {
    "completed": COMPLETION,
    "passed": COMPLETION,
    "failed": ACTIVITY,
    "incomplete": ACTIVITY,
    "browsed": ACTIVITY,
    "not attempted": ENROLMENT,
    "unknown": ENROLMENT,
}


def normalise_status(value: str) -> str:
    """``Not_Attempted`` -> ``not attempted``."""
    return " ".join(value.replace("_", " ").replace("-", " ").casefold().split())


@register
class LmsCsvReader(CsvLogReader):
    """Completion rows exported from any LMS, in SCORM vocabulary."""

    name = "lms-csv"
    label = "LMS completion CSV"
    required = ("lesson", "status")

    def columns_hint(self) -> str:
        """Columns named in hints."""
        return "person_id or email, lesson, status, completed_at"

    def row(self, table: Table, line: int, cells: list[str], ctx: ReadContext) -> Iterator[Record]:
        """One completion row -> one fact."""
        actor = person_key(table, cells)
        lesson = cell(table, cells, "lesson")
        if not lesson:
            raise RowError("lesson is empty", "give the lesson id or its activity IRI")
        status = normalise_status(cell(table, cells, "status"))
        if status not in STATUS_KINDS:
            raise RowError(
                f"status {cell(table, cells, 'status')!r} is not a SCORM status",
                "use completed, passed, failed, incomplete, browsed or not attempted",
            )
        kind = STATUS_KINDS[status]
        when = cell(table, cells, "completed_at")
        if kind == COMPLETION and not when:
            raise RowError(
                f"completed_at is empty for status {status!r}", "give the date it was completed"
            )
        try:
            at = parse_instant(when, ctx.tz) if when else ctx.now
        except ValueError as exc:
            raise RowError(f"completed_at: {exc}") from None
        event_id = content_id("lms", actor, lesson, status, when and at)
        yield Fact(event_id, actor, kind, (REF_LESSON, lesson, ()), at, line)
