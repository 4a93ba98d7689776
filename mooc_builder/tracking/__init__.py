"""Training coverage: logs in, figures against the programme's targets out.

    from mooc_builder.tracking import open_store, load_targets, import_roster, ingest_files
    from mooc_builder.tracking import build_report, render_report

    with open_store("sqlite:///mooc-tracking.db") as store:
        targets = load_targets("courses/tracking-example/targets.yaml")
        import_roster(store, "courses/tracking-example/roster.csv", targets)
        ingest_files(store, ["courses/tracking-example/statements.ndjson"])
        report = build_report(store, targets)
        print(render_report(report, "text").decode())

Tracking knows courses only by their ids and activity IRIs (see :mod:`.targets`).
"""

from __future__ import annotations

from mooc_builder.tracking.export import render_people, render_report, write_atomic
from mooc_builder.tracking.ingest import IngestBatch, IngestResult, ingest_file, ingest_files
from mooc_builder.tracking.lrs import PullResult, pull_statements
from mooc_builder.tracking.report import CoverageReport, build_report
from mooc_builder.tracking.roster import import_roster, read_roster
from mooc_builder.tracking.store import DEFAULT_DB_URL, TrackingStore, open_store
from mooc_builder.tracking.targets import Targets, load_targets

__all__ = [
    "DEFAULT_DB_URL",
    "CoverageReport",
    "IngestBatch",
    "IngestResult",
    "PullResult",
    "Targets",
    "TrackingStore",
    "build_report",
    "import_roster",
    "ingest_file",
    "ingest_files",
    "load_targets",
    "open_store",
    "pull_statements",
    "read_roster",
    "render_people",
    "render_report",
    "write_atomic",
]
