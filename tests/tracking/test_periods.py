"""As-of dates and periods: H1 ends 30 June, a year 31 December, the as-of day counts in full
(in the store's zone, +07:00 by default)."""

from __future__ import annotations

from datetime import date, timedelta, timezone
from pathlib import Path

import pytest

from mooc_builder.tracking import (
    TrackingStore,
    build_report,
    import_roster,
    ingest_file,
    load_targets,
)
from mooc_builder.tracking.clock import end_of_day, parse_instant, period_end
from tests.tracking.helpers import ROSTER, statement, write_ndjson, write_text
from tests.tracking.population import LESSONS


@pytest.mark.parametrize(
    ("period", "end"),
    [("2025-H1", date(2025, 6, 30)), ("2025-h2", date(2025, 12, 31)), ("2025", date(2025, 12, 31))],
)
def test_period_ends(period: str, end: date) -> None:
    assert period_end(period) == end


@pytest.mark.parametrize("bad", ["2025-H3", "H1-2025", "25", "2025-06"])
def test_bad_periods_say_what_to_write(bad: str) -> None:
    with pytest.raises(ValueError, match="2025-H1"):
        period_end(bad)


def test_end_of_day_is_exclusive_midnight() -> None:
    tz = timezone(timedelta(hours=7))
    cut = end_of_day(date(2025, 6, 30), tz)
    assert parse_instant("2025-06-30T23:59:59+07:00", tz) < cut
    assert parse_instant("2025-07-01T00:00:00+07:00", tz) == cut
    assert parse_instant("2025-06-30T16:59:59Z", tz) < cut
    assert parse_instant("2025-06-30T17:00:00Z", tz) == cut


def _completion(n: int, email: str, when: str) -> list[dict[str, object]]:
    return [
        statement(n * 10 + i, email, "completed", lesson, when) for i, lesson in enumerate(LESSONS)
    ]


def test_boundaries_in_reports(store: TrackingStore, tmp_path: Path, targets_file: Path) -> None:
    targets = load_targets(targets_file)
    import_roster(store, write_text(tmp_path / "roster.csv", ROSTER), targets)
    items = [
        *_completion(1, "an@example.gov.vn", "2025-06-30T23:59:59+07:00"),  # last second of H1
        *_completion(2, "binh@example.gov.vn", "2025-06-30T17:00:00Z"),  # 1 July 00:00 in Hanoi
        *_completion(3, "cuong@example.gov.vn", "2025-12-31T23:30:00+07:00"),
        *_completion(4, "dung@example.gov.vn", "2026-01-01T00:00:00+07:00"),
    ]
    ingest_file(store, write_ndjson(tmp_path / "s.ndjson", items))

    def trained(as_of: date) -> set[str]:
        report = build_report(store, targets, as_of=as_of)
        return {p.person_id for p in report.people if p.status == "trained"}

    assert trained(date(2025, 6, 29)) == set()
    assert trained(period_end("2025-H1")) == {"P1"}
    assert trained(date(2025, 7, 1)) == {"P1", "P2"}
    assert trained(period_end("2025")) == {"P1", "P2", "P3"}
    assert trained(date(2026, 1, 1)) == {"P1", "P2", "P3", "P4"}


def test_times_without_offset_are_local(
    store: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    targets = load_targets(targets_file)
    import_roster(store, write_text(tmp_path / "roster.csv", ROSTER), targets)
    text = "person_id,date,session\nP4,2025-06-30,S1\nP3,01/07/2025,S1\n"
    ingest_file(store, write_text(tmp_path / "a.csv", text))
    report = build_report(store, targets, as_of=date(2025, 6, 30))
    assert {p.person_id for p in report.people if p.status == "trained"} == {"P4"}
