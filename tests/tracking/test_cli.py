"""``mooc track`` as a trainer runs it: every command, every report format, clear errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from mooc_builder.cli import main
from tests.tracking.helpers import ROSTER, completed_all, statement, write_ndjson, write_text
from tests.tracking.lrs_server import MiniLrs, running
from tests.tracking.population import LESSONS


def run(db: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """``mooc track --db DB ARGS…`` (``db`` empty: no --db option)."""
    prefix = ["track", "--db", db] if db else ["track"]
    return CliRunner().invoke(main, [*prefix, *args], env=env)


@pytest.fixture
def logs(tmp_path: Path) -> dict[str, Path]:
    """A roster and one log of each kind."""
    return {
        "roster": write_text(tmp_path / "roster.csv", ROSTER),
        "xapi": write_ndjson(
            tmp_path / "statements.ndjson",
            [
                *completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00+07:00"),
                statement(9, "binh@example.gov.vn", "launched", LESSONS[0], "2025-08-01T10:00:00Z"),
                statement(
                    10, "ghost@example.gov.vn", "launched", LESSONS[0], "2025-08-01T10:00:00Z"
                ),
            ],
        ),
        "attendance": write_text(
            tmp_path / "attendance.csv",
            "email,date,session\ndung@example.gov.vn,2025-09-12,HUE-1\n",
        ),
        "enrolment": write_text(
            tmp_path / "enrolment.csv", "person_id,enrolled_at\nP3,2025-03-01\n"
        ),
    }


def test_trainer_walkthrough(
    db_url: str, tmp_path: Path, targets_file: Path, logs: dict[str, Path]
) -> None:
    targets = str(targets_file)
    result = run(db_url, "init")
    assert result.exit_code == 0, result.output
    assert "schema version 2" in result.output
    result = run(db_url, "roster", "import", str(logs["roster"]), "--targets", targets)
    assert result.exit_code == 0, result.output
    assert "4 people" in result.output
    result = run(
        db_url, "ingest", str(logs["xapi"]), str(logs["attendance"]), str(logs["enrolment"])
    )
    assert result.exit_code == 0, result.output
    assert "statements.ndjson (xapi): 5 records, 5 new" in result.output
    assert "1 from 1 learners not on the roster" in result.output
    again = run(db_url, "ingest", str(logs["xapi"]))
    assert "0 new, 5 already stored" in again.output

    result = run(db_url, "report", "--targets", targets, "--period", "2025", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2025-12-31"
    assert data["overall"] == {
        "population": 4,
        "enrolled": 4,
        "in_progress": 1,
        "trained": 2,
        "coverage": 0.5,
    }
    h1 = json.loads(
        run(
            db_url, "report", "--targets", targets, "--period", "2025-H1", "--format", "json"
        ).stdout
    )
    assert h1["overall"]["trained"] == 1
    assert h1["as_of"] == "2025-06-30"

    for fmt in ("text", "csv", "html", "xlsx", "json"):
        out = tmp_path / f"report.{fmt}"
        result = run(
            db_url,
            "report",
            "--targets",
            targets,
            "--as-of",
            "2025-12-31",
            "--format",
            fmt,
            "-o",
            str(out),
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert "Cán bộ làm công tác nhân quyền" in (tmp_path / "report.text").read_text(
        encoding="utf-8"
    )
    assert load_workbook(tmp_path / "report.xlsx").sheetnames[0] == "Tổng hợp"
    english = run(db_url, "report", "--targets", targets, "--lang", "en")
    assert "Whole programme" in english.stdout

    result = run(
        db_url, "people", "--targets", targets, "--status", "not-trained", "--as-of", "2025-12-31"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert [(r["person_id"], r["status"]) for r in rows] == [
        ("P2", "in_progress"),
        ("P3", "enrolled"),
    ]
    result = run(
        db_url,
        "people",
        "--targets",
        targets,
        "--status",
        "trained",
        "--group",
        "socio-political-orgs",
        "--format",
        "json",
        "--pseudonymise",
    )
    people = json.loads(result.stdout)
    assert [p["person_id"] for p in people] == ["P4"]
    assert people[0]["full_name"].startswith("N-")
    assert "Dung" not in result.stdout
    result = run(
        db_url,
        "people",
        "--targets",
        targets,
        "--status",
        "in-progress",
        "--province",
        "bà rịa – vũng tàu",
    )
    assert "P2" in result.stdout


def test_env_database(
    tmp_path: Path, targets_file: Path, logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = run(
        "",
        "roster",
        "import",
        str(logs["roster"]),
        "--targets",
        str(targets_file),
        env={"MOOC_TRACKING_DB": url},
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()
    default = run("", "init", env={"MOOC_TRACKING_DB": ""})
    assert default.exit_code == 0
    assert (tmp_path / "mooc-tracking.db").exists()


def test_errors_are_messages_not_tracebacks(
    db_url: str, tmp_path: Path, targets_file: Path, logs: dict[str, Path]
) -> None:
    result = run(db_url, "report", "--targets", str(targets_file))
    assert result.exit_code == 1
    assert "has no roster" in result.stderr
    assert "mooc track roster import" in result.stderr
    run(db_url, "roster", "import", str(logs["roster"]), "--targets", str(targets_file))
    bad = write_text(tmp_path / "bad.csv", "person_id,enrolled_at\nP1,2025-01-01\nP2,soon\n")
    result = run(db_url, "ingest", str(bad), str(logs["enrolment"]))
    assert result.exit_code == 1
    assert "bad.csv:3: enrolled_at: 'soon' is not a date" in result.stderr
    assert "--skip-bad" in result.stderr
    assert "enrolment.csv (enrolment): 1 records, 1 new" in result.stdout  # the other file went in
    assert "Traceback" not in result.output

    rejects = tmp_path / "rejects.csv"
    result = run(db_url, "ingest", str(bad), "--skip-bad", str(rejects))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["file", "line", "error", "hint", "row"]
    assert rows[1][1:3] == [
        "3",
        "enrolled_at: 'soon' is not a date; write 2025-03-15, "
        "2025-03-15T14:05:00+07:00 or 15/03/2025 14:05",
    ]

    result = run(db_url, "report", "--targets", str(targets_file), "--format", "xlsx")
    assert result.exit_code == 2
    assert "needs -o" in result.stderr
    result = run(
        db_url,
        "report",
        "--targets",
        str(targets_file),
        "--as-of",
        "2025-01-01",
        "--period",
        "2025",
    )
    assert result.exit_code == 2
    result = run(db_url, "report", "--targets", str(targets_file), "--period", "2025-Q3")
    assert result.exit_code == 2
    assert "2025-H1" in result.stderr
    result = run(db_url, "report", "--targets", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2
    assert "no targets file" in result.stderr
    result = run(
        db_url, "people", "--targets", str(targets_file), "--status", "trained", "--group", "nobody"
    )
    assert result.exit_code == 2
    assert "human-rights-officials" in result.stderr
    result = run(db_url, "ingest", str(logs["roster"]))
    assert result.exit_code == 2
    assert "roster import" in result.stderr
    result = run("postgresql+psycopg://x@127.0.0.1:1/none", "init")
    assert result.exit_code == 1
    assert "cannot open the tracking store" in result.stderr


def test_pull_command(
    db_url: str, tmp_path: Path, targets_file: Path, logs: dict[str, Path]
) -> None:
    run(db_url, "roster", "import", str(logs["roster"]), "--targets", str(targets_file))
    lrs = MiniLrs(page_size=2, user="u", password="p")
    for i, item in enumerate(completed_all(1, "an@example.gov.vn", "2025-02-01T10:00:00Z")):
        lrs.add(item, f"2025-03-01T08:0{i}:00Z")
    with running(lrs):
        result = run(
            db_url, "pull", "--endpoint", lrs.url, "--username", "u", env={"MOOC_LRS_PASSWORD": "p"}
        )
        assert result.exit_code == 0, result.output
        assert "2 pages, 3 statements, 3 new" in result.output
        assert "resumes after 2025-03-01T08:02:00Z" in result.output
        result = run(db_url, "pull", "--endpoint", lrs.url, "--username", "u", "--password", "no")
        assert result.exit_code == 1
        assert "HTTP 401" in result.stderr
    report = json.loads(
        run(db_url, "report", "--targets", str(targets_file), "--format", "json").stdout
    )
    assert report["overall"]["trained"] == 1


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["track", "--help"])
    assert result.exit_code == 0
    for command in ("init", "roster", "ingest", "pull", "report", "people"):
        assert command in result.output
