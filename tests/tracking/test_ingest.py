"""Ingest: formats, idempotence, all-or-nothing files, --skip-bad, voiding, unmatched learners."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mooc_builder.errors import MoocError, UsageError
from mooc_builder.tracking import (
    TrackingStore,
    build_report,
    import_roster,
    ingest_file,
    load_targets,
)
from mooc_builder.tracking.ingest import detect_format
from tests.tracking.helpers import (
    ROSTER,
    completed_all,
    firsts_rows,
    sid,
    statement,
    table_counts,
    void,
    write_ndjson,
    write_text,
)
from tests.tracking.population import COURSE_IRI, LATE, LESSONS

LMS_CSV = (
    "email,lesson,status,completed_at\n"
    "AN@example.gov.vn,un-core-conventions,completed,2025-02-01\n"
    f"an@example.gov.vn,{COURSE_IRI}/rights-of-the-child,passed,2025-02-02 10:00\n"
    "an@example.gov.vn,rights-of-persons-with-disabilities,completed,03/02/2025\n"
    "binh@example.gov.vn,un-core-conventions,incomplete,2025-02-01\n"
)
MOODLE_CSV = (
    "ID,Name,Email address,Bài 1 (un-core-conventions),"
    "Bài 1 (un-core-conventions) - Completion date,Quyền trẻ em,Quyền trẻ em - Completion date,"
    "Quyền của người khuyết tật,Quyền của người khuyết tật - Completion date,Course complete\n"
    '7,Nguyễn Văn An,an@example.gov.vn,Completed,"01/03/25, 09:15",Completed,"02/03/25, 10:00",'
    'Completed (achieved pass grade),"03/03/25, 11:30","03/03/25, 11:30"\n'
    "8,Trần Thị Bình,binh@example.gov.vn,Completed,04/03/25 08:00,Not completed,,Not completed,,\n"
)
ATTENDANCE_CSV = (
    "person_id,date,session,hours,location\nP4,2025-04-10,HUE-01,7,Huế\nP4,2025-04-11,HUE-02,,\n"
)
ENROLMENT_CSV = "person_id,enrolled_at\nP3,2025-01-15\n"


@pytest.fixture
def ready(store: TrackingStore, tmp_path: Path, targets_file: Path) -> TrackingStore:
    """A store with the four-person roster."""
    import_roster(store, write_text(tmp_path / "roster.csv", ROSTER), load_targets(targets_file))
    return store


def _statuses(store: TrackingStore, targets_file: Path, as_of: date) -> dict[str, str]:
    report = build_report(store, load_targets(targets_file), as_of=as_of)
    return {p.person_id: p.status for p in report.people}


SAMPLES: dict[str, str] = {
    "statements.ndjson": "".join(
        json.dumps(s) + "\n" for s in completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")
    ),
    "lms.csv": LMS_CSV,
    "moodle.csv": MOODLE_CSV,
    "attendance.csv": ATTENDANCE_CSV,
    "enrolment.csv": ENROLMENT_CSV,
}
DETECTED = {
    "statements.ndjson": "xapi",
    "lms.csv": "lms-csv",
    "moodle.csv": "moodle",
    "attendance.csv": "attendance",
    "enrolment.csv": "enrolment",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_format_detected(tmp_path: Path, name: str) -> None:
    assert detect_format(write_text(tmp_path / name, SAMPLES[name])) == DETECTED[name]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_same_file_twice_changes_nothing(
    ready: TrackingStore, tmp_path: Path, targets_file: Path, name: str
) -> None:
    file = write_text(tmp_path / name, SAMPLES[name])
    first = ingest_file(ready, file, now=LATE)
    assert first.new > 0
    before = (
        table_counts(ready),
        firsts_rows(ready),
        _statuses(ready, targets_file, date(2026, 1, 1)),
    )
    again = ingest_file(ready, file, now=LATE + 86400)
    assert again.new == 0
    assert again.duplicates == again.records == first.records
    after = (
        table_counts(ready),
        firsts_rows(ready),
        _statuses(ready, targets_file, date(2026, 1, 1)),
    )
    assert after == before


def test_every_sample_counts(ready: TrackingStore, tmp_path: Path, targets_file: Path) -> None:
    for name, text in SAMPLES.items():
        ingest_file(ready, write_text(tmp_path / name, text), now=LATE)
    assert _statuses(ready, targets_file, date(2025, 12, 31)) == {
        "P1": "trained",
        "P2": "in_progress",
        "P3": "enrolled",
        "P4": "trained",  # in person
    }


def test_bad_rows_reject_the_whole_file_with_lines(ready: TrackingStore, tmp_path: Path) -> None:
    good = [json.dumps(s) for s in completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")]
    lines = [
        good[0],
        good[1],
        "{not json",
        good[2],
        json.dumps(
            {**statement(9, "an@example.gov.vn", "completed", LESSONS[0], "2025-01-01"), "id": "42"}
        ),
        json.dumps(
            {"id": sid(10), "verb": {"id": "x"}, "object": {"id": "y"}, "timestamp": "2025"}
        ),
    ]
    file = write_text(tmp_path / "bad.ndjson", "\n".join(lines) + "\n")
    before = table_counts(ready)
    with pytest.raises(MoocError) as caught:
        ingest_file(ready, file)
    problems = caught.value.problems
    assert [(p.file, p.line) for p in problems] == [(file, 3), (file, 5), (file, 6)]
    assert "not valid JSON" in problems[0].message
    assert "'42' is not a UUID" in problems[1].message
    assert "actor" in problems[2].message
    assert problems[2].hint
    assert "bad.ndjson:3: not valid JSON" in problems[0].format(tmp_path)
    assert "nothing was stored" in str(caught.value)
    assert table_counts(ready) == before


def test_bad_csv_row_names_its_line(ready: TrackingStore, tmp_path: Path) -> None:
    text = LMS_CSV + "binh@example.gov.vn,un-core-conventions,finished,2025-02-01\n"
    text += "binh@example.gov.vn,un-core-conventions,completed,\n"
    text += "binh@example.gov.vn,un-core-conventions,completed,31/02/2025\n"
    file = write_text(tmp_path / "lms.csv", text)
    with pytest.raises(MoocError) as caught:
        ingest_file(ready, file)
    problems = caught.value.problems
    assert [p.line for p in problems] == [6, 7, 8]
    assert "'finished' is not a SCORM status" in problems[0].message
    assert "completed, passed" in (problems[0].hint or "")
    assert "completed_at is empty" in problems[1].message
    assert "is not a date" in problems[2].message


def test_skip_bad_stores_the_good_rows(
    ready: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    items = completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")
    text = "".join(json.dumps(s) + "\n" for s in items[:2]) + "oops\n" + json.dumps(items[2]) + "\n"
    result = ingest_file(ready, write_text(tmp_path / "s.ndjson", text), skip_bad=True)
    assert result.new == 3
    assert [r.line for r in result.rejects] == [3]
    assert result.rejects[0].raw == "oops"
    assert _statuses(ready, targets_file, date(2025, 3, 1))["P1"] == "trained"


def test_missing_columns_reject_the_file(ready: TrackingStore, tmp_path: Path) -> None:
    file = write_text(tmp_path / "att.csv", "person_id,date,session\nP1,2025-01-01,\n")
    with pytest.raises(MoocError) as caught:
        ingest_file(ready, file, fmt="attendance")
    assert caught.value.problems[0].line == 2
    file = write_text(tmp_path / "x.csv", "who,when\nP1,2025-01-01\n")
    with pytest.raises(MoocError) as caught:
        ingest_file(ready, file, fmt="enrolment")
    assert caught.value.problems[0].line == 1
    assert "person_id or email, enrolled_at" in caught.value.problems[0].message


def test_moodle_without_identity_column(ready: TrackingStore, tmp_path: Path) -> None:
    file = write_text(
        tmp_path / "m.csv", "ID,Name,Bài 1,Bài 1 - Completion date\n1,An,Completed,\n"
    )
    with pytest.raises(MoocError) as caught:
        ingest_file(ready, file)
    assert "Email address or ID number" in caught.value.problems[0].message
    assert "Show user identity" in (caught.value.problems[0].hint or "")


def test_unknown_formats_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a roster"):
        detect_format(write_text(tmp_path / "r.csv", ROSTER))
    with pytest.raises(UsageError, match="cannot tell"):
        detect_format(write_text(tmp_path / "x.csv", "a,b\n1,2\n"))
    (tmp_path / "r.xlsx").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(UsageError, match="workbook"):
        detect_format(tmp_path / "r.xlsx")


# -- xAPI shapes and matching ---------------------------------------------------------------------


def test_single_statement_lrs_page_and_array(
    ready: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    items = completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00+07:00")
    write_text(tmp_path / "one.json", json.dumps(items[0], indent=2))
    write_text(tmp_path / "page.json", json.dumps({"statements": items[1:2], "more": ""}, indent=2))
    write_text(tmp_path / "array.json", json.dumps(items[2:], indent=2))
    for name in ("one.json", "page.json", "array.json"):
        assert ingest_file(ready, tmp_path / name).new == 1
    assert _statuses(ready, targets_file, date(2025, 2, 1))["P1"] == "trained"


def test_array_errors_name_the_line_of_the_statement(ready: TrackingStore, tmp_path: Path) -> None:
    items = completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")
    items[2]["timestamp"] = "yesterday"
    file = write_text(tmp_path / "a.json", json.dumps(items, indent=2))
    text = file.read_text(encoding="utf-8").splitlines()
    start = [i for i, line in enumerate(text, 1) if line == "  {"][2]
    with pytest.raises(MoocError) as caught:
        ingest_file(ready, file)
    assert caught.value.problems[0].line == start
    assert "'yesterday' is not a date" in caught.value.problems[0].message


def test_actors_match_by_mbox_any_case_sha1_and_account(
    ready: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    import hashlib

    items = [
        statement(1, "AN@EXAMPLE.GOV.VN", "completed", LESSONS[0], "2025-02-01T10:00:00Z"),
        {
            **statement(2, "x", "completed", LESSONS[1], "2025-02-01T10:00:00Z"),
            "actor": {"mbox_sha1sum": hashlib.sha1(b"mailto:an@example.gov.vn").hexdigest()},
        },
        {
            **statement(3, "x", "completed", LESSONS[2], "2025-02-01T10:00:00Z"),
            "actor": {"account": {"homePage": "https://lms", "name": "P1"}},
        },
        # the lesson named only as a context activity
        {
            **statement(4, "binh@example.gov.vn", "completed", None, "2025-02-01T10:00:00Z"),
            "object": {"id": "https://elsewhere.example/quiz-1"},
            "context": {"contextActivities": {"grouping": {"id": f"{COURSE_IRI}/{LESSONS[0]}"}}},
        },
        # cmi5 'waived' and 'satisfied' count as completion; satisfied on the course = all lessons
        statement(
            5,
            "binh@example.gov.vn",
            "https://w3id.org/xapi/adl/verbs/waived",
            LESSONS[1],
            "2025-02-02T00:00:00Z",
        ),
        statement(
            6,
            "cuong@example.gov.vn",
            "https://w3id.org/xapi/adl/verbs/satisfied",
            None,
            "2025-02-03T00:00:00Z",
        ),
        # activity in another course does not enrol anyone here
        {
            **statement(7, "dung@example.gov.vn", "launched", None, "2025-02-03T00:00:00Z"),
            "object": {"id": "https://x.example/other"},
        },
    ]
    ingest_file(ready, write_ndjson(tmp_path / "s.ndjson", items))
    statuses = _statuses(ready, targets_file, date(2025, 3, 1))
    assert statuses == {"P1": "trained", "P2": "in_progress", "P3": "trained", "P4": "not_enrolled"}


def test_statement_without_id_is_idempotent(ready: TrackingStore, tmp_path: Path) -> None:
    item = statement(1, "an@example.gov.vn", "completed", LESSONS[0], "2025-02-01T10:00:00Z")
    del item["id"]
    file = write_ndjson(tmp_path / "s.ndjson", [item, item])
    result = ingest_file(ready, file)
    assert (result.new, result.duplicates) == (1, 1)
    assert ingest_file(ready, file).new == 0


def test_repeated_id_counts_once_even_with_another_body(
    ready: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    first = completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")[:2]
    ingest_file(ready, write_ndjson(tmp_path / "a.ndjson", first))
    # same id as statement 1, but claiming the third lesson: an LRS would answer 409; we ignore it
    clash = statement(1, "an@example.gov.vn", "completed", LESSONS[2], "2025-02-01T10:00:00Z")
    fresh = statement(50, "binh@example.gov.vn", "launched", LESSONS[0], "2025-02-01T10:00:00Z")
    result = ingest_file(ready, write_ndjson(tmp_path / "b.ndjson", [clash, fresh, clash]))
    assert (result.new, result.duplicates) == (1, 2)
    statuses = _statuses(ready, targets_file, date(2025, 3, 1))
    assert statuses["P1"] == "in_progress"
    assert statuses["P2"] == "in_progress"


# -- voiding --------------------------------------------------------------------------------------


VOID_ORDERS = [
    "void-after-same-file",
    "void-before-same-file",
    "void-in-later-file",
    "void-in-earlier-file",
]


@pytest.mark.parametrize("order", VOID_ORDERS)
def test_voided_completion_stops_counting(
    ready: TrackingStore, tmp_path: Path, targets_file: Path, order: str
) -> None:
    items = completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")
    # lesson 3 also completed early by a statement that gets voided
    early = statement(20, "an@example.gov.vn", "completed", LESSONS[2], "2025-01-05T10:00:00Z")
    # lesson 3's real completion is voided too, then redone later
    later = statement(21, "an@example.gov.vn", "completed", LESSONS[2], "2025-03-10T10:00:00Z")
    voids = [void(30, 20), void(31, 3)]
    if order == "void-after-same-file":
        ingest_file(ready, write_ndjson(tmp_path / "s.ndjson", [early, *items, *voids, later]))
    elif order == "void-before-same-file":
        ingest_file(ready, write_ndjson(tmp_path / "s.ndjson", [*voids, early, *items, later]))
    elif order == "void-in-later-file":
        ingest_file(ready, write_ndjson(tmp_path / "a.ndjson", [early, *items, later]))
        assert _statuses(ready, targets_file, date(2025, 2, 28))["P1"] == "trained"
        ingest_file(ready, write_ndjson(tmp_path / "b.ndjson", voids))
    else:
        ingest_file(ready, write_ndjson(tmp_path / "b.ndjson", voids))
        ingest_file(ready, write_ndjson(tmp_path / "a.ndjson", [early, *items, later]))
    assert _statuses(ready, targets_file, date(2025, 2, 28))["P1"] == "in_progress"
    report = build_report(ready, load_targets(targets_file), as_of=date(2025, 3, 10))
    p1 = next(p for p in report.people if p.person_id == "P1")
    assert p1.status == "trained"
    assert p1.lessons_completed == 3
    assert report.monthly[-1].month == "2025-03"
    assert report.monthly[-1].trained == 1


def test_voiding_a_voiding_statement_changes_nothing(
    ready: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    items = completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")
    ingest_file(ready, write_ndjson(tmp_path / "s.ndjson", [*items, void(30, 1), void(31, 30)]))
    assert _statuses(ready, targets_file, date(2025, 3, 1))["P1"] == "in_progress"


# -- learners not on the roster -------------------------------------------------------------------


def test_unmatched_learners_are_counted_and_count_once_on_the_roster(
    store: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    items = completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")
    items.append(
        statement(9, "ghost@example.gov.vn", "launched", LESSONS[0], "2025-02-01T10:00:00Z")
    )
    result = ingest_file(store, write_ndjson(tmp_path / "s.ndjson", items))
    assert (result.unmatched, result.unmatched_actors) == (4, 2)
    targets = load_targets(targets_file)
    done = import_roster(store, write_text(tmp_path / "roster.csv", ROSTER), targets)
    assert done.matched_actors == 1
    assert _statuses(store, targets_file, date(2025, 3, 1))["P1"] == "trained"
    again = ingest_file(store, write_ndjson(tmp_path / "s2.ndjson", items[-1:]))
    assert (again.unmatched, again.unmatched_actors) == (1, 1)


def test_csv_encodings_and_delimiters(
    ready: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    text = "email;date;session\nAn@Example.gov.vn;2025-05-01;HN-1\n"
    (tmp_path / "utf16.csv").write_bytes(text.encode("utf-16"))
    assert ingest_file(ready, tmp_path / "utf16.csv").new == 1
    (tmp_path / "latin.csv").write_bytes(
        "person_id,enrolled_at\nP\xe9,2025-01-01\n".encode("latin-1")
    )
    with pytest.raises(MoocError) as caught:
        ingest_file(ready, tmp_path / "latin.csv")
    assert caught.value.problems[0].line == 2
    assert "UTF-8" in (caught.value.problems[0].hint or "")
    assert _statuses(ready, targets_file, date(2025, 5, 1))["P1"] == "trained"


def test_parallel_parsing_gives_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mooc_builder.tracking.clock import parse_timezone
    from mooc_builder.tracking.ingest import xapi
    from mooc_builder.tracking.ingest.base import ReadContext
    from tests.tracking.population import generate, statements

    lines = [json.dumps(s, ensure_ascii=False) for s in statements(generate(8, 60))]
    lines[17] = "{broken"
    lines.insert(40, "")
    file = write_text(tmp_path / "s.ndjson", "\ufeff" + "\n".join(lines) + "\n")
    monkeypatch.setattr(xapi, "BLOCK_BYTES", 2000)
    tz = parse_timezone("+07:00")
    serial = list(xapi.XapiReader().read(file, ReadContext(tz=tz, now=0, workers=0)))
    seen: list[tuple[int, int]] = []
    parallel = list(
        xapi.XapiReader().read(
            file, ReadContext(tz=tz, now=0, workers=2, progress=lambda d, t: seen.append((d, t)))
        )
    )

    def flat(records: list[xapi.Record]) -> list[object]:
        out: list[object] = []
        for r in records:
            if isinstance(r, xapi.FactBatch):
                out += [
                    (
                        r.event_ids[16 * i : 16 * i + 16],
                        r.actor_keys[a],
                        r.kinds[i],
                        r.refs[f],
                        r.ats[i],
                    )
                    for i, (a, f) in enumerate(zip(r.actor_index, r.ref_index, strict=True))
                ]
            elif isinstance(r, xapi.Fact):
                out.append((r.event_id, r.actor_key, r.kind, r.ref, r.at))
            else:
                out.append(r)
        return sorted(out, key=repr)

    assert flat(parallel) == flat(serial)
    assert [r for r in parallel if isinstance(r, xapi.Reject)] == [
        r for r in serial if isinstance(r, xapi.Reject)
    ]
    assert len(serial) == len(lines) - 1
    assert [r.line for r in serial if isinstance(r, xapi.Reject)] == [18]
    assert seen[-1] == (file.stat().st_size, file.stat().st_size)


def test_moodle_activity_pairs() -> None:
    from mooc_builder.tracking.ingest.moodle import activity_pairs

    header = (
        "ID",
        "Name",
        "Email address",
        "Bài 1",
        "Bài 1 - Completion date",
        "Bài 1 - phần 2",
        "Bài 1 - phần 2 - Completion date",
        "Course complete",
    )
    assert activity_pairs(header) == [(4, "Bài 1"), (6, "Bài 1 - phần 2")]
