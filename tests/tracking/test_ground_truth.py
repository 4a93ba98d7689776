"""The report equals figures computed independently from a generated population, for every
input format, both roster formats and both databases, at several as-of dates."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from mooc_builder.tracking import (
    build_report,
    import_roster,
    ingest_file,
    load_targets,
    open_store,
)
from tests.tracking.population import (
    LATE,
    comparable,
    expected_report,
    generate,
    write_logs,
    write_roster,
    write_targets,
)

AS_OF = (date(2024, 12, 31), date(2025, 6, 30), date(2025, 12, 31), date(2026, 6, 30))
FORMATS = ("xapi-ndjson", "xapi-array", "xapi-single", "moodle", "lms-csv")


@pytest.mark.parametrize("roster_suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("completion_format", FORMATS)
def test_report_equals_ground_truth(
    db_url: str,
    tmp_path: Path,
    targets_file: Path,
    completion_format: str,
    roster_suffix: str,
) -> None:
    seed = FORMATS.index(completion_format) + (10 if roster_suffix == ".xlsx" else 0)
    size = 14 if completion_format == "xapi-single" else 160
    population = generate(seed, size, completion_format=completion_format.split("-")[0])
    roster = write_roster(population, tmp_path / f"roster{roster_suffix}")
    files = write_logs(population, tmp_path / "logs", completion_format)
    targets = load_targets(targets_file)
    with open_store(db_url) as store:
        # Logs first, roster after: learners resolve whenever the roster arrives.
        for file in files:
            ingest_file(store, file, now=LATE)
        import_roster(store, roster, targets)
        for as_of in AS_OF:
            report = build_report(store, targets, as_of=as_of)
            assert comparable(report.to_json()) == expected_report(population, as_of), as_of


def test_in_person_not_counted(db_url: str, tmp_path: Path, course_file: Path) -> None:
    population = generate(3, 120, completion_format="xapi")
    targets = load_targets(
        write_targets(tmp_path / "no-in-person.yaml", course_file, in_person_counts=False)
    )
    with open_store(db_url) as store:
        import_roster(store, write_roster(population, tmp_path / "roster.csv"), targets)
        for file in write_logs(population, tmp_path / "logs", "xapi-ndjson"):
            ingest_file(store, file, now=LATE)
        for as_of in AS_OF:
            report = build_report(store, targets, as_of=as_of)
            expected = expected_report(population, as_of, in_person_counts=False)
            assert comparable(report.to_json()) == expected


PARALLEL_INGEST = """
import sys
from mooc_builder.tracking import ingest_file, open_store
from mooc_builder.tracking.ingest import xapi

assert xapi.parse_workers(1, 2) == 2, "worker processes are not available here"
xapi.BLOCK_BYTES = 20000  # many blocks even for a small file
url, path, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_store(url) as store:
    first = ingest_file(store, path, now=now, workers=2)
    again = ingest_file(store, path, now=now, workers=2)
assert again.new == 0 and again.duplicates == first.records, (first, again)
"""


def test_parallel_ingest_equals_ground_truth(
    db_url: str, tmp_path: Path, targets_file: Path
) -> None:
    """Worker processes parse the NDJSON; the result is the same as one process's.

    Forking is only done by a single-threaded process, so the parallel ingest runs in a fresh
    interpreter (this one has the threads of other tests' servers).
    """
    population = generate(31, 200, completion_format="xapi")
    targets = load_targets(targets_file)
    files = write_logs(population, tmp_path / "logs", "xapi-ndjson")
    with open_store(db_url) as store:
        import_roster(store, write_roster(population, tmp_path / "roster.csv"), targets)
    done = subprocess.run(
        [sys.executable, "-c", PARALLEL_INGEST, db_url, str(files[0]), str(LATE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with open_store(db_url) as store:
        for file in files[1:]:
            ingest_file(store, file, now=LATE)
        for as_of in AS_OF:
            report = build_report(store, targets, as_of=as_of)
            assert comparable(report.to_json()) == expected_report(population, as_of)
