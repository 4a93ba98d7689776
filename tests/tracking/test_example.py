"""The example in courses/tracking-example/ gives the figures worked out by hand in its files,
and the README's walkthrough runs as written."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from mooc_builder.cli import main
from mooc_builder.tracking import build_report, import_roster, ingest_file, load_targets, open_store

EXAMPLE = Path(__file__).resolve().parents[2] / "courses" / "tracking-example"
LOGS = (
    "statements.ndjson",
    "moodle-completion.csv",
    "lms-completion.csv",
    "attendance.csv",
    "enrolment.csv",
)
INGESTED = int(datetime(2025, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=7))).timestamp())

TRAINED_2025 = {
    # xAPI: three lessons (mbox, MBOX, account, mbox_sha1sum), cmi5 satisfied on the course
    *("HRO-001", "HRO-002", "HRO-006", "ICM-001", "ICM-002", "ICM-005", "FPR-001", "FPR-003"),
    "ICM-006",
    # Moodle, generic LMS CSV
    *("HRO-004", "ICM-003", "ICM-004", "ICM-007", "HRO-010"),
    # in person
    *("SPO-001", "SPO-003", "SPO-004", "SPO-005", "SPO-007", "SPO-009", "HRO-007"),
}
IN_PROGRESS_2025 = {
    *("HRO-003", "HRO-008", "ICM-008", "SPO-002", "HRO-009", "FPR-007"),
    "FPR-005",  # its third completion was voided
    *("HRO-005", "FPR-002"),  # Moodle: some lessons
    *("FPR-008", "ICM-010"),  # LMS: one completed + incomplete; failed
}
ENROLLED_2025 = {
    *("ICM-009", "FPR-004", "FPR-006", "FPR-010", "SPO-006", "SPO-008", "SPO-010"),
    "FPR-009",  # LMS "not attempted" without a date: enrolled from the ingest (22 Nov 2025)
}


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The example ingested into a SQLite store, at a fixed ingest time."""
    url = f"sqlite:///{tmp_path_factory.mktemp('example') / 'tracking.db'}"
    with open_store(url) as store:
        import_roster(store, EXAMPLE / "roster.csv", load_targets(EXAMPLE / "targets.yaml"))
        for name in LOGS:
            ingest_file(store, EXAMPLE / name, now=INGESTED)
    return url


def _statuses(url: str, as_of: date) -> dict[str, set[str]]:
    with open_store(url) as store:
        report = build_report(store, load_targets(EXAMPLE / "targets.yaml"), as_of=as_of)
    out: dict[str, set[str]] = {}
    for person in report.people:
        out.setdefault(person.status, set()).add(person.person_id)
    return out


def test_example_figures_for_2025(example_store: str) -> None:
    statuses = _statuses(example_store, date(2025, 12, 31))
    assert statuses["trained"] == TRAINED_2025
    assert statuses["in_progress"] == IN_PROGRESS_2025
    assert statuses["enrolled"] == ENROLLED_2025
    assert "not_enrolled" not in statuses


def test_example_first_half(example_store: str) -> None:
    statuses = _statuses(example_store, date(2025, 6, 30))
    assert "ICM-002" in statuses["in_progress"]  # its last lesson ends at 00:04 on 1 July
    assert "ICM-006" in statuses["not_enrolled"]  # everything in October
    assert "HRO-002" in statuses["in_progress"]  # third lesson in September
    assert {"ICM-001", "HRO-001", "HRO-004", "HRO-010", "SPO-001"} <= statuses["trained"]


def test_readme_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    env = {"MOOC_TRACKING_DB": f"sqlite:///{tmp_path / 'tracking.db'}"}

    def track(*args: str) -> str:
        result = CliRunner().invoke(main, ["track", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    track("init")
    track("roster", "import", "roster.csv", "--targets", "targets.yaml")
    assert "140 new" in track("ingest", "statements.ndjson")
    track("ingest", "moodle-completion.csv")
    track("ingest", "lms-completion.csv")
    track("ingest", "attendance.csv", "enrolment.csv")
    assert "0 new, 141 already stored" in track("ingest", "statements.ndjson")
    assert "Cán bộ chủ chốt" in track("report", "--targets", "targets.yaml", "--period", "2025-H1")
    for fmt in ("json", "csv", "xlsx", "html"):
        out = tmp_path / f"report.{fmt}"
        track(
            "report",
            "--targets",
            "targets.yaml",
            "--period",
            "2025",
            "--format",
            fmt,
            "-o",
            str(out),
        )
        assert out.stat().st_size > 0
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["overall"]["trained"] == len(TRAINED_2025)
    track("report", "--targets", "targets.yaml", "--as-of", "2025-09-30", "--lang", "en")
    chase = track(
        "people",
        "--targets",
        "targets.yaml",
        "--status",
        "not-trained",
        "--group",
        "socio-political-orgs",
        "--period",
        "2025",
    )
    assert "SPO-002" in chase
    assert "SPO-001" not in chase
    pseudo = track(
        "people",
        "--targets",
        "targets.yaml",
        "--status",
        "in-progress",
        "--province",
        "Thừa Thiên Huế",
        "--format",
        "json",
        "--pseudonymise",
    )
    assert "Trần Văn Bảo" not in pseudo
    assert "SPO-002" in pseudo
