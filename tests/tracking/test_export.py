"""Exports: the JSON shape, spreadsheet safety, XLSX sheets, the offline HTML page,
pseudonyms, atomic files."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mooc_builder.errors import MoocError
from mooc_builder.tracking import (
    CoverageReport,
    TrackingStore,
    build_report,
    import_roster,
    ingest_file,
    load_targets,
    open_store,
)
from mooc_builder.tracking.export import (
    neutralise,
    pseudonymise,
    render_people,
    render_report,
    write_atomic,
)
from tests.tracking.population import LATE, generate, write_logs, write_roster

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.fixture
def report(tmp_path: Path, targets_file: Path) -> Iterator[tuple[CoverageReport, TrackingStore]]:
    """A report of a generated population (on SQLite; formats do not depend on the database)."""
    population = generate(5, 150, completion_format="xapi")
    targets = load_targets(targets_file)
    with open_store(f"sqlite:///{tmp_path / 'export.db'}") as store:
        import_roster(store, write_roster(population, tmp_path / "roster.csv"), targets)
        for file in write_logs(population, tmp_path / "logs", "xapi-ndjson"):
            ingest_file(store, file, now=LATE)
        yield build_report(store, targets, as_of=date(2025, 12, 31)), store


def test_json_has_the_issue_fields(report: tuple[CoverageReport, TrackingStore]) -> None:
    data = json.loads(render_report(report[0], "json"))
    assert set(data) == {"as_of", "deadline", "overall", "groups", "provinces", "organizations"}
    assert data["as_of"] == "2025-12-31"
    assert data["deadline"] == "2028-12-31"
    assert set(data["overall"]) == {"population", "enrolled", "in_progress", "trained", "coverage"}
    assert set(data["groups"][0]) == {
        "group",
        "population",
        "enrolled",
        "in_progress",
        "trained",
        "coverage",
        "target",
        "needed",
        "met",
    }
    assert set(data["provinces"][0]) == {"province", "population", "trained", "coverage"}
    assert set(data["organizations"][0]) == {"organization", "population", "trained", "coverage"}
    overall = data["overall"]
    assert (
        overall["population"] >= overall["enrolled"] >= overall["in_progress"] + overall["trained"]
    )
    assert "Thừa Thiên Huế" in render_report(report[0], "json").decode("utf-8")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", HOSTILE])
def test_neutralise(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("Hà Nội") == "Hà Nội"


def test_csv_exports_neutralise_formulas(report: tuple[CoverageReport, TrackingStore]) -> None:
    result, store = report
    for data in (
        render_report(result, "csv"),
        render_people(result.people, result.timezone, "csv"),
    ):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        cells = [c for row in rows for c in row]
        assert "'" + HOSTILE in cells
        assert not [c for c in cells if c[:1] in ("=", "+", "@") or re.match(r"-\D", c)]
    assert store.is_sqlite


def test_xlsx_sheets_and_safety(
    report: tuple[CoverageReport, TrackingStore], tmp_path: Path
) -> None:
    result = report[0]
    for language, names in (
        ("vi", ["Tổng hợp", "Nhóm", "Tỉnh thành", "Cơ quan", "Chưa được đào tạo"]),
        ("en", ["Summary", "Groups", "Provinces", "Organisations", "Not yet trained"]),
    ):
        path = write_atomic(
            tmp_path / f"r-{language}.xlsx",
            render_report(replace(result, language=language), "xlsx"),
        )
        book = load_workbook(path)
        assert book.sheetnames == names
        groups = book[names[1]]
        assert groups.max_row == 1 + len(result.groups)
        assert groups.cell(row=2, column=2).value == "human-rights-officials"
        waiting = book[names[4]]
        assert waiting.max_row == 1 + sum(p.status != "trained" for p in result.people)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "@")), cell.value
        orgs = [c.value for c in book[names[3]]["A"]]
        assert "'" + HOSTILE in orgs


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action") and value:
                self.urls.append(value)


def test_html_is_self_contained_with_both_charts(
    report: tuple[CoverageReport, TrackingStore],
) -> None:
    result = report[0]
    page = render_report(result, "html").decode("utf-8")
    parser = _Page()
    parser.feed(page)
    assert parser.urls == []
    assert not re.search(r"https?://|//[a-z]|url\(|@import|<script|<link|<img|<iframe", page, re.I)
    assert parser.tags.count("svg") == 2
    assert page.count('stroke-dasharray="4 2"') >= len(result.groups)  # a target line per group
    assert "Tỉ lệ được đào tạo theo nhóm so với mục tiêu" in page
    assert "Số người được đào tạo theo tháng" in page
    assert "Cán bộ làm công tác nhân quyền" in page
    assert "&#x27;" in page or HOSTILE not in page  # text is escaped
    english = render_report(replace(result, language="en"), "html").decode("utf-8")
    assert "Coverage per target group against its target" in english
    assert '<html lang="en">' in english


def test_text_report(report: tuple[CoverageReport, TrackingStore]) -> None:
    text = render_report(report[0], "text").decode("utf-8")
    assert "Chương trình tuyên truyền về quyền con người" in text
    assert "Cán bộ tổ chức chính trị - xã hội" in text
    assert "70.0\u00a0%" in text


def test_pseudonyms_are_stable_and_hide_people(
    report: tuple[CoverageReport, TrackingStore],
) -> None:
    result, store = report
    key = store.pseudonym_key
    first = pseudonymise(result.people, key)
    second = pseudonymise(result.people, key)
    assert first == second
    assert [p.person_id for p in first] == [p.person_id for p in result.people]
    names = {p.full_name for p in first}
    assert len(names) == len(first)
    exported = render_people(first, result.timezone, "csv").decode("utf-8-sig")
    for person in result.people:
        assert person.full_name not in exported
        assert person.email not in exported
    assert all(p.email.endswith("@pseudonym.invalid") for p in first)
    other = pseudonymise(result.people, b"another store's key")
    assert {p.full_name for p in other}.isdisjoint(names)


def test_people_json(report: tuple[CoverageReport, TrackingStore]) -> None:
    result = report[0]
    records = json.loads(render_people(result.people[:3], result.timezone, "json"))
    assert list(records[0]) == [
        "person_id",
        "full_name",
        "email",
        "group",
        "organization",
        "province",
        "status",
        "enrolled_at",
        "first_activity_at",
        "trained_at",
        "lessons_completed",
        "attended_at",
    ]


def test_write_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with pytest.raises(MoocError, match="does not exist"):
        write_atomic(tmp_path / "missing" / "out.csv", b"x")
