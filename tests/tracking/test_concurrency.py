"""Ingests running at the same time lose nothing (PostgreSQL is the shared case; SQLite too)."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

from mooc_builder.tracking import (
    IngestResult,
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
    statements,
    write_attendance,
    write_enrolment,
    write_roster,
)


def test_overlapping_ingests_at_once(db_url: str, tmp_path: Path, targets_file: Path) -> None:
    population = generate(21, 300, completion_format="xapi")
    items = statements(population)
    cut_a, cut_b = int(len(items) * 0.7), int(len(items) * 0.3)
    files = [tmp_path / "a.ndjson", tmp_path / "b.ndjson", tmp_path / "c.ndjson"]
    for file, part in zip(files, (items[:cut_a], items[cut_b:], items[::2]), strict=True):
        file.write_text("".join(json.dumps(s) + "\n" for s in part), encoding="utf-8")
    files += [
        write_attendance(population, tmp_path / "attendance.csv"),
        write_enrolment(population, tmp_path / "enrolment.csv"),
    ]
    targets = load_targets(targets_file)
    with open_store(db_url) as store:
        import_roster(store, write_roster(population, tmp_path / "roster.csv"), targets)

    results: list[IngestResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(files))

    def worker(file: Path) -> None:
        try:
            with open_store(db_url) as own:
                start.wait()
                results.append(ingest_file(own, file, now=LATE))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f,)) for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == len(files)
    distinct = {s["id"] for s in items}
    xapi = [r for r in results if r.format == "xapi"]
    assert sum(r.new for r in xapi) == len(distinct)
    with open_store(db_url) as store:
        for as_of in (date(2025, 6, 30), date(2026, 6, 30)):
            report = build_report(store, targets, as_of=as_of)
            assert comparable(report.to_json()) == expected_report(population, as_of)
