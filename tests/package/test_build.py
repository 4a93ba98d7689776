"""`mooc build`: artifacts, build.json, reproducibility, atomic output, incremental rebuilds."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from mooc_builder import pipeline
from mooc_builder.cache import BuildCache
from mooc_builder.errors import CheckFailed, UsageError
from mooc_builder.pipeline import build
from tests.support.course import edit, make_course

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("course") / "c", lessons=2)


def _build(course: Path, out: Path, cache: Path, **kw: object) -> pipeline.BuildResult:
    return build(course, out, slides="html", cache=BuildCache(cache), **kw)  # type: ignore[arg-type]


def _snapshot(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_one_zip_per_lesson_and_course_per_format(course: Path, tmp_path: Path) -> None:
    result = _build(course, tmp_path / "out", tmp_path / "cache")
    assert sorted(a.path for a in result.artifacts) == [
        "scorm12/test-course--lesson-1.zip",
        "scorm12/test-course--lesson-2.zip",
        "scorm12/test-course.zip",
        "scorm2004/test-course--lesson-1.zip",
        "scorm2004/test-course--lesson-2.zip",
        "scorm2004/test-course.zip",
    ]
    data = json.loads((tmp_path / "out" / "build.json").read_text(encoding="utf-8"))
    assert data["course"] == "test-course"
    for raw in data["artifacts"]:
        zip_path = tmp_path / "out" / raw["path"]
        assert raw["sha256"] == hashlib.sha256(zip_path.read_bytes()).hexdigest()
        assert raw["bytes"] == zip_path.stat().st_size
        assert raw["format"] in {"scorm12", "scorm2004"}
        assert raw["scope"] == ("course" if raw["lesson"] is None else "lesson")
        assert raw["path"].endswith(".zip")


def test_default_output_folder_is_dist_course_id(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = build(course, formats="scorm12", slides="html", cache=BuildCache(tmp_path / "c"))
    assert result.out_dir == (tmp_path / "dist" / "test-course").absolute()
    assert (tmp_path / "dist" / "test-course" / "build.json").is_file()


def test_zip_entries_are_reproducible_in_form(course: Path, tmp_path: Path) -> None:
    result = _build(course, tmp_path / "out", tmp_path / "cache", formats="scorm2004")
    with zipfile.ZipFile(result.out_dir / result.artifacts[-1].path) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert "imsmanifest.xml" in names
    for info in infos:
        assert info.date_time == ZIP_EPOCH
        assert not info.filename.startswith("/")
        assert ".." not in info.filename.split("/")
        media = info.filename.endswith((".mp4", ".png"))
        expected = zipfile.ZIP_STORED if media else zipfile.ZIP_DEFLATED
        assert info.compress_type == expected, info.filename


def test_same_inputs_give_byte_identical_zips(course: Path, tmp_path: Path) -> None:
    a = _build(course, tmp_path / "a", tmp_path / "cache-a")
    b = _build(course, tmp_path / "b", tmp_path / "cache-b")
    assert _snapshot(a.out_dir) == _snapshot(b.out_dir)


def test_no_change_rebuild_reuses_everything(course: Path, tmp_path: Path) -> None:
    first = _build(course, tmp_path / "out", tmp_path / "cache")
    before = _snapshot(first.out_dir)
    second = _build(course, tmp_path / "out", tmp_path / "cache")
    assert second.up_to_date
    assert second.written == 0
    assert _snapshot(second.out_dir) == before


def test_caption_edit_rewrites_only_that_lesson_and_the_course(
    course: Path, tmp_path: Path
) -> None:
    work = tmp_path / "course"
    shutil.copytree(course, work)
    first = _build(work, tmp_path / "out", tmp_path / "cache")
    before = {a.path: a.sha256 for a in first.artifacts}
    edit(work / "captions" / "lesson-2.en.vtt", "every person 3", "every human 3")
    second = _build(work, tmp_path / "out", tmp_path / "cache")
    after = {a.path: a.sha256 for a in second.artifacts}
    changed = sorted(p for p in after if after[p] != before[p])
    assert changed == [
        "scorm12/test-course--lesson-2.zip",
        "scorm12/test-course.zip",
        "scorm2004/test-course--lesson-2.zip",
        "scorm2004/test-course.zip",
    ]
    assert second.written == 4
    assert second.reused == 2


def test_errors_refuse_the_build_and_keep_the_previous_output(course: Path, tmp_path: Path) -> None:
    work = tmp_path / "course"
    shutil.copytree(course, work)
    out = tmp_path / "out"
    _build(work, out, tmp_path / "cache")
    before = _snapshot(out)
    (work / "captions" / "lesson-1.vi.vtt").unlink()
    with pytest.raises(CheckFailed) as info:
        _build(work, out, tmp_path / "cache")
    assert any(p.code == "file-missing" for p in info.value.problems)
    assert _snapshot(out) == before


def test_a_build_failing_midway_leaves_the_previous_output(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "course"
    shutil.copytree(course, work)
    out = tmp_path / "out"
    _build(work, out, tmp_path / "cache")
    before = _snapshot(out)
    edit(work / "captions" / "lesson-1.vi.vtt", "mọi người 2", "mọi người ơi 2")
    calls = {"n": 0}
    real_write_zip = pipeline.write_zip

    def failing_write_zip(entries: dict[str, object], dest: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_write_zip(entries, dest)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "write_zip", failing_write_zip)
    with pytest.raises(OSError, match="No space left"):
        _build(work, out, tmp_path / "cache", jobs=1)
    assert _snapshot(out) == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []


def test_unknown_format_is_a_usage_error(course: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown format xapi2"):
        _build(course, tmp_path / "out", tmp_path / "cache", formats="scorm12,xapi2")
