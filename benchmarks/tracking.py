"""Tracking benchmark: ingest throughput and report time, against DuckDB in the same run.

    python benchmarks/tracking.py [--people 100000 --statements 1000000] [--db URL]

Generates (once, cached in benchmarks/.cache/) a roster and cmi5-style xAPI statements as
NDJSON — learners named by mbox (some upper-case) or account, launched/initialized/progressed/
completed/terminated per lesson, a few voided completions — then:

1. ours: a fresh SQLite store (or --db), roster import, ``ingest`` of the NDJSON file, report;
2. DuckDB: ``read_json`` of the same file plus a GROUP BY computing the same per-group counts
   (population, enrolled, trained).

Prints statements/s, both times, the ratio, and the report time; exits 1 if the per-group
counts differ. Aims (issue): >= 50,000 statements/s on SQLite, within 5x of DuckDB, report < 1 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache"
BASE = "https://training.example.gov.vn/xapi/activities/"
COURSE = "human-rights"
LESSONS = ("un-core-conventions", "rights-of-the-child", "rights-of-persons-with-disabilities")
GROUPS = (
    ("human-rights-officials", 1.0),
    ("info-comm-managers", 1.0),
    ("foreign-press", 1.0),
    ("socio-political-orgs", 0.7),
)
PROVINCES = ("Hà Nội", "Thừa Thiên Huế", "Bà Rịa – Vũng Tàu", "Đà Nẵng", "Cần Thơ", "Nghệ An")
VERB = "http://adlnet.gov/expapi/verbs/"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


def course_files(folder: Path) -> Path:
    """A course.yaml (ids only; tracking needs no media) and targets.yaml; returns targets."""
    folder.mkdir(parents=True, exist_ok=True)
    lessons = "".join(
        f"  - id: {lesson}\n    title: {{vi: Bài {i}, en: Lesson {i}}}\n"
        f"    video: media/{lesson}.mp4\n    slides: slides/{lesson}.pptx\n"
        for i, lesson in enumerate(LESSONS, start=1)
    )
    (folder / "course.yaml").write_text(
        f"id: {COURSE}\ntitle: {{vi: Quyền con người, en: Human rights}}\n"
        f"description: {{vi: Mô tả, en: Description}}\nlanguage: vi\n"
        f"activity_base: {BASE}\nlessons:\n{lessons}",
        encoding="utf-8",
    )
    groups = "".join(
        f"  - id: {g}\n    name: {{vi: Nhóm {g}, en: Group {g}}}\n    target: {t}\n"
        for g, t in GROUPS
    )
    targets = folder / "targets.yaml"
    targets.write_text(
        "name: {vi: Chương trình, en: Programme}\ndeadline: 2028-12-31\n"
        f"course: course.yaml\nin_person_counts: true\ngroups:\n{groups}",
        encoding="utf-8",
    )
    return targets


def generate(people: int, statements: int, seed: int = 7) -> tuple[Path, Path]:
    """Roster CSV and statements NDJSON, cached by size and seed."""
    key = f"p{people}-s{statements}-seed{seed}"
    roster_path = CACHE / f"roster-{key}.csv"
    ndjson_path = CACHE / f"statements-{key}.ndjson"
    if roster_path.exists() and ndjson_path.exists():
        return roster_path, ndjson_path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tmp_roster = roster_path.with_suffix(".tmp")
    with tmp_roster.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["person_id", "full_name", "email", "group", "organization", "province"])
        for n in range(people):
            writer.writerow(
                [
                    f"P{n:07d}",
                    f"Nguyễn Văn {n}",
                    f"p{n:07d}@example.gov.vn",
                    GROUPS[n % len(GROUPS)][0],
                    f"Đơn vị {n % 50}",
                    PROVINCES[n % len(PROVINCES)],
                ]
            )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    course_iri = BASE + COURSE
    written = 0
    completions: list[str] = []
    tmp_nd = ndjson_path.with_suffix(".tmp")
    dumps = json.dumps
    with tmp_nd.open("w", encoding="utf-8") as out:

        def emit(person: int, verb: str, lesson: str, when: datetime, session: str) -> str:
            nonlocal written
            sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            email = f"p{person:07d}@example.gov.vn"
            if person % 10 == 0:
                actor: dict[str, Any] = {
                    "objectType": "Agent",
                    "account": {"homePage": "https://lms.example.gov.vn", "name": f"P{person:07d}"},
                }
            else:
                shown = email.upper() if person % 7 == 0 else email
                actor = {
                    "objectType": "Agent",
                    "name": f"Nguyễn Văn {person}",
                    "mbox": f"mailto:{shown}",
                }
            categories = [{"id": CMI5_CATEGORY}]
            result: dict[str, Any] | None = None
            if verb == "completed":
                categories.append({"id": MOVEON_CATEGORY})
                result = {"completion": True, "duration": "PT4M30S"}
            statement: dict[str, Any] = {
                "id": sid,
                "actor": actor,
                "verb": {"id": VERB + verb, "display": {"en-US": verb}},
                "object": {
                    "objectType": "Activity",
                    "id": f"{course_iri}/{lesson}",
                    "definition": {"type": "https://w3id.org/xapi/cmi5/activitytype/block"},
                },
                "context": {
                    "registration": session,
                    "contextActivities": {"parent": [{"id": course_iri}], "category": categories},
                    "extensions": {SESSION_EXT: session},
                },
                "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "stored": (when + timedelta(seconds=2))
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "version": "1.0.3",
            }
            if result is not None:
                statement["result"] = result
            out.write(dumps(statement, ensure_ascii=False))
            out.write("\n")
            written += 1
            return sid

        person = 0
        while written < statements:
            person = (person + 1) % people
            if person % 5 == 4:
                continue  # a fifth of the roster never starts
            session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            lesson = LESSONS[rng.randrange(len(LESSONS))]
            when = start + timedelta(minutes=rng.randrange(0, 600 * 24 * 60))
            emit(person, "launched", lesson, when, session)
            emit(person, "initialized", lesson, when + timedelta(seconds=5), session)
            for step in range(rng.randrange(0, 4)):
                emit(
                    person, "progressed", lesson, when + timedelta(seconds=60 * (step + 1)), session
                )
            if rng.random() < 0.6:
                completions.append(
                    emit(person, "completed", lesson, when + timedelta(minutes=5), session)
                )
            emit(person, "terminated", lesson, when + timedelta(minutes=6), session)
        for target in rng.sample(completions, max(1, len(completions) // 1000)):
            voiding = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "actor": {"objectType": "Agent", "mbox": "mailto:admin@example.gov.vn"},
                "verb": {"id": VERB + "voided", "display": {"en-US": "voided"}},
                "object": {"objectType": "StatementRef", "id": target},
                "timestamp": "2026-01-01T00:00:00.000Z",
                "stored": "2026-01-01T00:00:00.000Z",
            }
            out.write(dumps(voiding) + "\n")
    tmp_roster.replace(roster_path)
    tmp_nd.replace(ndjson_path)
    return roster_path, ndjson_path


def duckdb_counts(roster: Path, ndjson: Path) -> tuple[float, dict[str, tuple[int, int, int]]]:
    """DuckDB: read_json + GROUP BY -> {group: (population, enrolled, trained)} and seconds."""
    import duckdb

    lessons = ", ".join(f"'{BASE}{COURSE}/{lesson}'" for lesson in LESSONS)
    completion = ", ".join(
        f"'{v}'"
        for v in (
            VERB + "completed",
            VERB + "passed",
            "https://w3id.org/xapi/adl/verbs/satisfied",
            "https://w3id.org/xapi/adl/verbs/waived",
        )
    )
    sql = f"""
    WITH s AS (
      SELECT id, verb.id AS verb, object.id AS obj, object.objectType AS otype,
             lower(replace(actor.mbox, 'mailto:', '')) AS email, actor.account.name AS acct
      FROM read_json(?, format = 'newline_delimited', columns = {{
        'id': 'VARCHAR',
        'actor': 'STRUCT(mbox VARCHAR, account STRUCT(name VARCHAR))',
        'verb': 'STRUCT(id VARCHAR)',
        'object': 'STRUCT(id VARCHAR, "objectType" VARCHAR)'
      }})
    ),
    voided AS (SELECT obj AS id FROM s WHERE verb = '{VERB}voided'),
    r AS (SELECT person_id, lower(email) AS email, "group" FROM read_csv(?, header = true)),
    matched AS (
      SELECT r.person_id, s.verb, s.obj FROM s JOIN r ON s.email = r.email
      WHERE s.id NOT IN (SELECT id FROM voided) AND s.verb <> '{VERB}voided'
      UNION ALL
      SELECT r.person_id, s.verb, s.obj FROM s JOIN r ON s.acct = r.person_id
      WHERE s.id NOT IN (SELECT id FROM voided) AND s.verb <> '{VERB}voided'
    ),
    per_person AS (
      SELECT person_id,
             count(DISTINCT CASE WHEN verb IN ({completion}) AND obj IN ({lessons})
                   THEN obj END) AS done
      FROM matched WHERE obj IN ({lessons}) GROUP BY person_id
    )
    SELECT r."group", count(*) AS population, count(p.person_id) AS enrolled,
           count(*) FILTER (WHERE p.done = {len(LESSONS)}) AS trained
    FROM r LEFT JOIN per_person p USING (person_id)
    GROUP BY r."group" ORDER BY r."group"
    """
    con = duckdb.connect()
    best = float("inf")
    rows: list[Any] = []
    for _ in range(3):  # the baseline gets its best of three runs
        started = time.perf_counter()
        rows = con.execute(sql, [str(ndjson), str(roster)]).fetchall()
        best = min(best, time.perf_counter() - started)
    con.close()
    return best, {str(g): (int(p), int(e), int(t)) for g, p, e, t in rows}


def duckdb_threads() -> int:
    """Threads DuckDB uses here (all CPUs by default)."""
    import duckdb

    con = duckdb.connect()
    threads = int(con.execute("SELECT current_setting('threads')").fetchone()[0])  # type: ignore[index]
    con.close()
    return threads


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; 1 when our counts differ from DuckDB's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--db", help="store URL (default: a new SQLite file in a temp folder)")
    parser.add_argument(
        "--workers", type=int, help="parser processes (default: CPUs - 1, up to 4; 0: none)"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT.parent))
    from mooc_builder.tracking import build_report, import_roster, ingest_file, load_targets
    from mooc_builder.tracking.ingest.xapi import parse_workers
    from mooc_builder.tracking.store import open_store

    started = time.perf_counter()
    roster, ndjson = generate(args.people, args.statements)
    n_lines = sum(1 for _ in ndjson.open("rb"))
    size_mb = ndjson.stat().st_size / 1e6
    print(
        f"data: {args.people} people, {n_lines} statements ({size_mb:.0f} MB NDJSON) "
        f"[{time.perf_counter() - started:.1f} s to generate or load]"
    )

    with tempfile.TemporaryDirectory(prefix="mooc-bench-") as tmp:
        folder = Path(tmp)
        targets = load_targets(course_files(folder))
        url = args.db or f"sqlite:///{folder / 'bench.db'}"
        with open_store(url) as store:
            import_roster(store, roster, targets)
            t0 = time.perf_counter()
            result = ingest_file(store, ndjson, fmt="xapi", workers=args.workers)
            ingest_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            report = build_report(store, targets, as_of=datetime(2027, 1, 1).date())
            report_s = time.perf_counter() - t1
            t2 = time.perf_counter()
            build_report(store, targets, as_of=datetime(2027, 1, 1).date())
            report2_s = time.perf_counter() - t2
        duck_s, duck = duckdb_counts(roster, ndjson)

    ours = {g.group: (g.population, g.enrolled, g.trained) for g in report.groups}
    rate = result.records / ingest_s
    duck_rate = n_lines / duck_s
    ratio = ingest_s / duck_s
    print(
        f"store: {url.split('://')[0]}  ({result.new} new events, {result.voids} voids, "
        f"{result.unmatched} unmatched)"
    )
    print(
        f"ours    ingest: {ingest_s:7.2f} s  {rate:10,.0f} statements/s "
        f"({parse_workers(ndjson.stat().st_size, args.workers)} parser processes + this one, "
        f"{os.cpu_count()} CPUs)"
    )
    print(
        f"duckdb  read_json + GROUP BY: {duck_s:7.2f} s  {duck_rate:10,.0f} statements/s "
        f"(best of 3, {duckdb_threads()} threads)"
    )
    print(f"ratio   ours / duckdb: {ratio:.2f}x  (aim: <= 5x; aim >= 50,000 statements/s)")
    print(f"report: {report_s:.3f} s (again: {report2_s:.3f} s)  (aim: < 1 s)")
    print("per group (population, enrolled, trained):")
    same = True
    for group in sorted(set(ours) | set(duck)):
        mark = "ok" if ours.get(group) == duck.get(group) else "DIFFERENT"
        same &= mark == "ok"
        print(f"  {group:24s} ours {ours.get(group)}  duckdb {duck.get(group)}  {mark}")
    if not same:
        print("per-group counts differ from DuckDB's", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
