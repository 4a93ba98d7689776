"""targets.yaml and the roster: errors with lines, groups by id or name, Vietnamese text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook

from mooc_builder.errors import MoocError, UsageError
from mooc_builder.tracking import TrackingStore, build_report, import_roster, load_targets
from mooc_builder.tracking.roster import read_roster
from mooc_builder.tracking.targets import TargetGroup
from tests.tracking.helpers import ROSTER, write_text
from tests.tracking.population import LESSONS, write_course

# -- targets ------------------------------------------------------------------------------------


def test_targets_load(targets_file: Path) -> None:
    targets = load_targets(targets_file)
    assert targets.title("en") == "Human rights communication programme"
    assert [g.id for g in targets.groups] == [
        "human-rights-officials",
        "info-comm-managers",
        "foreign-press",
        "socio-political-orgs",
    ]
    assert targets.group("socio-political-orgs").target == 0.7
    assert [lesson.id for lesson in targets.course.lessons] == list(LESSONS)
    assert targets.course.lessons[0].activity_id == (
        "https://training.example.gov.vn/xapi/activities/human-rights/un-core-conventions"
    )
    assert targets.in_person_counts is True


@pytest.mark.parametrize(
    ("population", "target", "required"),
    [
        (10, 0.7, 7),
        (11, 0.7, 8),
        (3, 0.7, 3),
        (0, 0.7, 0),
        (100, 0.29, 29),
        (7, 1.0, 7),
        (5, 0.0, 0),
    ],
)
def test_required_is_exact(population: int, target: float, required: int) -> None:
    assert TargetGroup("g", {}, target).required(population) == required


def test_targets_errors_name_lines(tmp_path: Path) -> None:
    course = write_course(tmp_path / "course")
    file = write_text(
        tmp_path / "targets.yaml",
        "name: Chương trình\n"
        "deadline: 31/12/2028\n"
        "course: course/course.yaml\n"
        "in_person: yes\n"
        "groups:\n"
        "  - id: a\n"
        "    name: A\n"
        "    target: 1.5\n"
        "  - id: a\n"
        "    name: B\n"
        "    target: 0.5\n"
        "  - id: Bad Id\n"
        "    name: C\n"
        "    target: 1\n",
    )
    assert course.is_file()
    with pytest.raises(MoocError) as caught:
        load_targets(file)
    found = {(p.line, p.path, p.message) for p in caught.value.problems}
    assert (2, "deadline", "'31/12/2028' is not a date") in found
    assert (4, "in_person", "unknown key 'in_person'") in found
    assert (8, "groups[0].target", "target 1.5 must be a number from 0 to 1") in found
    assert any(line == 9 and "already used by groups[0]" in m for line, _, m in found)
    assert any(line == 12 and "'Bad Id' is not valid" in m for line, _, m in found)


def test_targets_missing_course(tmp_path: Path) -> None:
    file = write_text(
        tmp_path / "targets.yaml",
        "name: X\ndeadline: 2028-12-31\ncourse: nowhere/course.yaml\n"
        "groups: [{id: a, name: A, target: 1}]\n",
    )
    with pytest.raises(MoocError) as caught:
        load_targets(file)
    problem = caught.value.problems[0]
    assert (problem.line, problem.path) == (3, "course")
    assert "no course at" in problem.message
    with pytest.raises(UsageError):
        load_targets(tmp_path / "absent.yaml")


# -- roster -------------------------------------------------------------------------------------


def test_unknown_group_and_duplicates_name_rows(tmp_path: Path, targets_file: Path) -> None:
    text = ROSTER + (
        "P5,Võ Thị Em,em@example.gov.vn,journalists,Báo,Huế\n"
        "P1,Đặng Văn Phúc,phuc@example.gov.vn,foreign-press,Báo,Huế\n"
        "P7,Hoàng Văn Giang,AN@example.gov.vn,foreign-press,Báo,Huế\n"
        ",No Id,x@example.gov.vn,foreign-press,Báo,Huế\n"
    )
    file = write_text(tmp_path / "roster.csv", text)
    with pytest.raises(MoocError) as caught:
        read_roster(file, load_targets(targets_file))
    problems = {p.line: p for p in caught.value.problems}
    assert problems[6].message == "unknown group 'journalists'"
    assert "human-rights-officials" in (problems[6].hint or "")
    assert "already used at line 2" in problems[7].message
    assert "email 'AN@example.gov.vn' is already used at line 2" in problems[8].message
    assert problems[9].message == "person_id is empty"
    assert all(p.file == file for p in caught.value.problems)
    assert "nothing was imported" in str(caught.value)


def test_missing_columns(tmp_path: Path, targets_file: Path) -> None:
    file = write_text(tmp_path / "roster.csv", "person_id,name,email\nP1,An,a@b.vn\n")
    with pytest.raises(MoocError) as caught:
        read_roster(file, load_targets(targets_file))
    assert "group, organization, province" in caught.value.problems[0].message


def test_group_by_name_and_vietnamese_round_trip(
    store: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    nfd = unicodedata.normalize("NFD", "Thừa Thiên Huế")
    text = (
        "Person ID,Full Name,Email,Group,Organisation,Province,Ghi chú\n"
        f"P1,{unicodedata.normalize('NFD', 'Nguyễn Văn An')},an@example.gov.vn,"
        f"Cán bộ làm công tác nhân quyền,Sở Tư pháp,{nfd}\n"
        "P2,Trần Thị Bình,,info-comm-managers,UBND,Bà Rịa – Vũng Tàu\n"
    )
    targets = load_targets(targets_file)
    done = import_roster(store, write_text(tmp_path / "roster.csv", text), targets)
    assert done.people == 2
    report = build_report(store, targets)
    people = {p.person_id: p for p in report.people}
    assert people["P1"].group == "human-rights-officials"
    assert people["P1"].full_name == "Nguyễn Văn An"
    assert people["P1"].province == "Thừa Thiên Huế"
    assert people["P2"].province == "Bà Rịa – Vũng Tàu"
    assert {p.name for p in report.provinces} == {"Thừa Thiên Huế", "Bà Rịa – Vũng Tàu"}


def test_xlsx_roster_and_replacement(
    store: TrackingStore, tmp_path: Path, targets_file: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["person_id", "full_name", "email", "group", "organization", "province"])
    sheet.append([1001, "Nguyễn Văn An", "an@example.gov.vn", "foreign-press", "Báo", "Hà Nội"])
    sheet.append([None, None, None, None, None, None])
    sheet.append([1002, "Lê Thị Hà", None, "foreign-press", "Báo", "Huế"])
    book.save(tmp_path / "roster.xlsx")
    targets = load_targets(targets_file)
    first = import_roster(store, write_text(tmp_path / "roster.csv", ROSTER), targets)
    assert first.people == 4
    second = import_roster(store, tmp_path / "roster.xlsx", targets)
    assert (second.people, second.previous) == (2, 4)
    report = build_report(store, targets)
    assert sorted(p.person_id for p in report.people) == ["1001", "1002"]
    assert report.overall.population == 2


def test_xlsx_errors_name_sheet_rows(tmp_path: Path, targets_file: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["person_id", "full_name", "email", "group", "organization", "province"])
    sheet.append(["P1", "An", "an@x.vn", "foreign-press", "Báo", "Hà Nội"])
    sheet.append(["P2", "Bình", "binh@x.vn", "nobody", "Báo", "Hà Nội"])
    book.save(tmp_path / "roster.xlsx")
    with pytest.raises(MoocError) as caught:
        read_roster(tmp_path / "roster.xlsx", load_targets(targets_file))
    assert [(p.line, p.message) for p in caught.value.problems] == [(3, "unknown group 'nobody'")]
