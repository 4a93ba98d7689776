"""``pull`` against a real HTTP LRS: paging with ``more``, the version header, resuming from
the last ``stored``, credentials and malformed pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from mooc_builder.errors import MoocError
from mooc_builder.tracking import (
    TrackingStore,
    build_report,
    import_roster,
    load_targets,
    pull_statements,
)
from mooc_builder.tracking.lrs import last_stored
from tests.tracking.helpers import ROSTER, completed_all, statement, void, write_text
from tests.tracking.lrs_server import MiniLrs, running
from tests.tracking.population import LESSONS

USER, PASSWORD = "trainer", "mật-khẩu"


@pytest.fixture
def lrs() -> Iterator[MiniLrs]:
    """An LRS with 10 statements stored one minute apart (page size 3)."""
    server = MiniLrs(page_size=3, user=USER, password=PASSWORD)
    items = [
        *completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z"),
        *completed_all(11, "binh@example.gov.vn", "2025-02-01T10:00:00Z"),
        statement(21, "cuong@example.gov.vn", "launched", LESSONS[0], "2025-02-01T10:00:00Z"),
        statement(22, "ghost@example.gov.vn", "launched", LESSONS[0], "2025-02-01T10:00:00Z"),
        void(23, 11),
        statement(24, "dung@example.gov.vn", "launched", LESSONS[0], "2025-02-01T10:00:00Z"),
    ]
    for minute, item in enumerate(items):
        server.add(item, f"2025-03-01T08:{minute:02d}:00.000Z")
    with running(server):
        yield server


@pytest.fixture
def ready(store: TrackingStore, tmp_path: Path, targets_file: Path) -> TrackingStore:
    """A store with the four-person roster."""
    import_roster(store, write_text(tmp_path / "roster.csv", ROSTER), load_targets(targets_file))
    return store


def _statuses(store: TrackingStore, targets_file: Path) -> dict[str, str]:
    report = build_report(store, load_targets(targets_file), as_of=date(2025, 12, 31))
    return {p.person_id: p.status for p in report.people}


def test_pull_follows_more_and_sends_the_version(
    ready: TrackingStore, lrs: MiniLrs, targets_file: Path
) -> None:
    result = pull_statements(ready, lrs.url, username=USER, password=PASSWORD)
    # 10 statements, one voided by the LRS itself (it hides voided statements): 9 in 3 pages
    assert (result.pages, result.statements) == (3, 9)
    assert result.unmatched == 1
    assert result.last_stored == "2025-03-01T08:09:00.000Z"
    for request in lrs.requests:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert headers["x-experience-api-version"] == "1.0.3"
    assert lrs.requests[0]["params"] == {"ascending": "true"}
    assert [r["params"].get("offset") for r in lrs.requests] == [None, "3", "6"]
    assert _statuses(ready, targets_file) == {
        "P1": "trained",
        "P2": "in_progress",
        "P3": "in_progress",
        "P4": "in_progress",
    }


def test_pull_resumes_from_the_last_stored(
    ready: TrackingStore, lrs: MiniLrs, targets_file: Path
) -> None:
    pull_statements(ready, lrs.url, username=USER, password=PASSWORD)
    assert last_stored(ready, lrs.url) == "2025-03-01T08:09:00.000Z"
    for i, item in enumerate(completed_all(31, "dung@example.gov.vn", "2025-03-02T10:00:00Z")):
        lrs.add(item, f"2025-03-02T09:0{i}:00.000Z")
    before = len(lrs.requests)
    again = pull_statements(
        ready, lrs.url.rstrip("/") + "/statements", username=USER, password=PASSWORD
    )
    assert lrs.requests[before]["params"] == {
        "ascending": "true",
        "since": "2025-03-01T08:09:00.000Z",
    }
    assert (again.statements, again.new, again.duplicates) == (3, 3, 0)
    assert _statuses(ready, targets_file)["P4"] == "trained"
    nothing = pull_statements(ready, lrs.url, username=USER, password=PASSWORD)
    assert (nothing.pages, nothing.statements) == (1, 0)
    explicit = pull_statements(
        ready, lrs.url, username=USER, password=PASSWORD, since="2025-01-01T00:00:00Z"
    )
    assert (explicit.statements, explicit.new) == (12, 0)


def test_interrupted_pull_keeps_finished_pages(ready: TrackingStore, lrs: MiniLrs) -> None:
    lrs.fail_on_request = 3
    with pytest.raises(MoocError, match="HTTP 400"):
        pull_statements(ready, lrs.url, username=USER, password=PASSWORD)
    # pages 1 and 2 stored (minute 03 is hidden: the LRS does not return voided statements)
    assert last_stored(ready, lrs.url) == "2025-03-01T08:06:00.000Z"
    lrs.fail_on_request = None
    result = pull_statements(ready, lrs.url, username=USER, password=PASSWORD)
    assert result.statements == 3
    assert result.new == 3


def test_bad_credentials(ready: TrackingStore, lrs: MiniLrs) -> None:
    with pytest.raises(MoocError) as caught:
        pull_statements(ready, lrs.url, username=USER, password="wrong")
    assert "HTTP 401" in str(caught.value)
    assert "--password" in str(caught.value)


def test_unreachable_lrs(ready: TrackingStore) -> None:
    with pytest.raises(MoocError, match="is not an LRS endpoint"):
        pull_statements(ready, "lrs.example")
    other = MiniLrs()
    with running(other), pytest.raises(MoocError, match="HTTP 404"):
        pull_statements(ready, other.url.replace("/xapi/", "/nowhere/"), username="x")


def test_malformed_statement_in_a_page(ready: TrackingStore, lrs: MiniLrs, tmp_path: Path) -> None:
    lrs.statements[4]["id"] = "not-a-uuid"
    with pytest.raises(MoocError) as caught:
        pull_statements(ready, lrs.url, username=USER, password=PASSWORD)
    assert "statements[0]" in caught.value.problems[0].message  # first of page 2
    assert "not a UUID" in caught.value.problems[0].message
    assert last_stored(ready, lrs.url) == "2025-03-01T08:02:00.000Z"
    result = pull_statements(ready, lrs.url, username=USER, password=PASSWORD, skip_bad=True)
    assert len(result.rejects) == 1
    assert result.last_stored == "2025-03-01T08:09:00.000Z"
