"""Moodle's course completion report (Reports > Course completion > Download in CSV format).

Moodle writes (``report/completion/index.php``)::

    ID, Name, <identity fields…>, <activity>, <activity> - Completion date, …, Course complete

The identity fields are those of the site's *Show user identity* setting; this reader needs
``Email address`` or ``ID number`` (which must then equal the roster's ``person_id``). Each
activity has a status column (Completed, Not completed, …; localised) and a date column that
Moodle fills exactly when the activity's completion criterion is met; that date is what counts.
Dates are read day first (``15/03/25, 14:05`` as English and Vietnamese Moodle write them) or
ISO. An activity counts for the lesson whose id, or title in any language, equals its name, or
whose id appears in its name (``Bài 1 (un-core-conventions)``). The ``Course complete`` column
depends on the course's Moodle criteria, so it is not used: trained means every lesson done.
Every row marks the person as enrolled (from the time of the ingest: the export has no
enrolment date).
"""

from __future__ import annotations

from collections.abc import Iterator

from mooc_builder.tracking.clock import parse_instant
from mooc_builder.tracking.ingest.base import (
    REF_TITLE,
    Fact,
    ReadContext,
    Record,
    Sample,
    content_id,
    email_key,
    pid_key,
    register,
)
from mooc_builder.tracking.ingest.csvlog import CsvLogReader, RowError
from mooc_builder.tracking.ingest.tabular import Table, normalise_header
from mooc_builder.tracking.store import COMPLETION, ENROLMENT

_EMAIL_HEADERS = ("email", "e_mail", "thư_điện_tử")
_IDNUMBER_HEADERS = ("id_number", "idnumber", "mã_số", "số_id")


def activity_pairs(raw_header: tuple[str, ...]) -> list[tuple[int, str]]:
    """``(date column, activity name)`` of every ``X`` followed by ``X - <completion date>``."""
    pairs = []
    i = 0
    while i < len(raw_header) - 1:
        name = raw_header[i]
        if name and raw_header[i + 1].startswith(name + " - "):
            pairs.append((i + 1, name))
            i += 2  # a date column is never itself an activity
        else:
            i += 1
    return pairs


@register
class MoodleCompletionReader(CsvLogReader):
    """The preset for Moodle's course completion report CSV."""

    name = "moodle"
    label = "Moodle course completion CSV"
    needs_person = False

    def __init__(self) -> None:
        self._pairs: list[tuple[int, str]] = []
        self._email: int | None = None
        self._idnumber: int | None = None

    def detect(self, sample: Sample) -> bool:
        """Moodle's pairs of columns ``X`` and ``X - Completion date``."""
        return bool(activity_pairs(sample.raw_header))

    def columns_hint(self) -> str:
        """What the export must contain."""
        return "ID, Name, Email address (or ID number), then each activity and its completion date"

    def prepare(self, table: Table) -> None:
        """Find the identity and activity columns."""
        self._pairs = activity_pairs(table.raw_header)
        self._email = next(
            (i for i, h in enumerate(table.header) if any(k in h for k in _EMAIL_HEADERS)), None
        )
        self._idnumber = next(
            (i for i, h in enumerate(table.header) if normalise_header(h) in _IDNUMBER_HEADERS),
            None,
        )
        if not self._pairs:
            raise RowError("no activity columns (an activity followed by its completion date)")
        if self._email is None and self._idnumber is None:
            raise RowError(
                "the export has no Email address or ID number column",
                "in Moodle, add email to Site administration > Users > Permissions > "
                "User policies > Show user identity, then download the report again",
            )

    def row(self, table: Table, line: int, cells: list[str], ctx: ReadContext) -> Iterator[Record]:
        """A learner's row -> enrolment plus one completion per dated activity."""
        actor: str | None = None
        if self._idnumber is not None and cells[self._idnumber]:
            actor = pid_key(cells[self._idnumber])
        elif self._email is not None and cells[self._email]:
            if "@" not in cells[self._email]:
                raise RowError(f"{cells[self._email]!r} is not an email address")
            actor = email_key(cells[self._email])
        if actor is None:
            raise RowError("the row has neither an email address nor an ID number")
        facts = [Fact(content_id("moodle-enrol", actor), actor, ENROLMENT, None, ctx.now, line)]
        for date_at, activity in self._pairs:
            value = cells[date_at]
            if not value:
                continue
            try:
                at = parse_instant(value, ctx.tz)
            except ValueError as exc:
                raise RowError(f"{table.raw_header[date_at]}: {exc}") from None
            facts.append(
                Fact(
                    content_id("moodle", actor, activity, at),
                    actor,
                    COMPLETION,
                    (REF_TITLE, activity, ()),
                    at,
                    line,
                )
            )
        yield from facts
