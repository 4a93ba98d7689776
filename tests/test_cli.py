"""The `mooc` command as users run it: exit codes, output forms, version and help."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mooc_builder import __version__
from mooc_builder.cli import main
from tests.support.course import edit, make_course


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("cli") / "course")


@pytest.fixture
def broken(good: Path, tmp_path: Path) -> Path:
    root = tmp_path / "broken"
    shutil.copytree(good, root)
    edit(root / "captions" / "lesson-1.vi.vtt", "00:00:04.500 --> 00:00:08.500", "00:00:04.5 -->")
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert __version__ in out
    code, out, _ = run("--help")
    assert code == 0
    for command in ("check", "build", "schema", "captions"):
        assert command in out


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mooc_builder", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert __version__ in done.stdout


def test_check_passes_a_good_course(good: Path) -> None:
    code, out, _ = run("check", str(good), "--strict")
    assert code == 0, out
    assert "1 lesson checked, 0 errors, 0 warnings" in out


def test_check_accepts_the_yaml_file_itself(good: Path) -> None:
    code, _, _ = run("check", str(good / "course.yaml"))
    assert code == 0


def test_check_text_lines_name_file_line_path(broken: Path) -> None:
    code, out, _ = run("check", str(broken))
    assert code == 1
    line = next(ln for ln in out.splitlines() if "captions/lesson-1.vi.vtt:" in ln)
    file_line, path, _rest = line.split(": ", 2)
    assert file_line.endswith("captions/lesson-1.vi.vtt:8")
    assert path == "lessons[0].captions.vi"


def test_check_json(broken: Path) -> None:
    code, out, _ = run("check", str(broken), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["course"] == "test-course"
    assert data["ok"] is False
    error = data["errors"][0]
    assert set(error) >= {"code", "message", "file", "line", "path", "lesson"}
    assert error["code"] == "vtt-timing"
    assert error["line"] == 8
    assert error["lesson"] == "lesson-1"
    lesson = data["lessons"][0]
    assert lesson["id"] == "lesson-1"
    assert lesson["duration_s"] == pytest.approx(200.0, abs=0.001)
    assert lesson["video"] == lesson["video"] | {"container": "mp4", "faststart": True}
    assert lesson["slides"] == {"count": 3}
    assert set(lesson["captions"]) == {"vi", "en"}
    assert lesson["captions"]["en"]["cues"] > 40
    assert 0.8 < lesson["captions"]["en"]["coverage"] <= 1


def test_strict_turns_warnings_into_failure(good: Path, tmp_path: Path) -> None:
    root = tmp_path / "warn"
    shutil.copytree(good, root)
    edit(
        root / "captions" / "lesson-1.en.vtt",
        "every person 3",
        "every person, everywhere, always 3",
    )
    assert run("check", str(root))[0] == 0
    code, out, _ = run("check", str(root), "--strict", "--format", "json")
    assert code == 1
    assert json.loads(out)["ok"] is False


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("check")[0] == 2
    assert run("check", str(tmp_path / "nowhere"))[0] == 2
    code, _, err = run("check", str(tmp_path))  # a folder without course.yaml
    assert code == 2
    assert "course.yaml" in err
    assert run("check", str(tmp_path), "--format", "xml")[0] == 2


def test_schema_prints_the_json_schema() -> None:
    code, out, _ = run("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"id", "title", "language", "activity_base", "lessons"} <= set(schema["required"])


def test_captions_convert_and_normalize(tmp_path: Path) -> None:
    srt = tmp_path / "in.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,500\nXin chào\n\n", encoding="utf-8")
    code, out, err = run("captions", "convert", str(srt), str(tmp_path / "out.vtt"))
    assert code == 0, err
    vtt = (tmp_path / "out.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert "00:00:01.000 --> 00:00:03.500" in vtt
    messy = tmp_path / "messy.vtt"
    messy.write_bytes(
        "WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000  \r\nVie\u0302\u0323t\r\n".encode()
    )
    code, out, _ = run("captions", "normalize", str(messy))
    assert code == 0
    assert "normalised" in out
    assert messy.read_text(encoding="utf-8") == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nViệt\n"
    assert "already normal" in run("captions", "normalize", str(messy))[1]


def test_convert_refuses_broken_source(tmp_path: Path) -> None:
    srt = tmp_path / "bad.srt"
    srt.write_text("1\n00:00:03,000 --> 00:00:01,000\nNgược\n\n", encoding="utf-8")
    code, _, err = run("captions", "convert", str(srt), str(tmp_path / "out.vtt"))
    assert code == 1
    assert "bad.srt:2" in err
    assert not (tmp_path / "out.vtt").exists()


def test_build_refuses_a_course_with_errors(broken: Path, tmp_path: Path) -> None:
    code, _, err = run("build", str(broken), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "lesson-1.vi.vtt:8" in err
    assert not (tmp_path / "out").exists()


def test_build_writes_zips_and_says_so(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text, err = run("build", str(good), "--out", str(out), "--slides", "html")
    assert code == 0, err
    assert "4 zips (4 written, 0 unchanged)" in text
    code, text, _ = run("build", str(good), "--out", str(out), "--slides", "html")
    assert "up to date" in text
    assert run("build", str(good), "--format", "nope")[0] == 2


def test_init_starts_a_course_that_check_then_guides(tmp_path: Path) -> None:
    folder = tmp_path / "Quyen con nguoi 2026"
    code, out, _ = run("init", str(folder))
    assert code == 0, out
    assert (folder / "course.schema.json").is_file()
    assert {p.name for p in folder.iterdir() if p.is_dir()} == {"media", "slides", "captions"}
    assert "id: quyen-con-nguoi-2026" in (folder / "course.yaml").read_text(encoding="utf-8")
    code, out, _ = run("check", str(folder), "--format", "json")
    assert code == 1
    errors = json.loads(out)["errors"]
    assert {e["code"] for e in errors} == {"file-missing"}  # the template itself is valid
    assert len(errors) == 4
    assert run("init", str(folder))[0] == 2  # never overwrites a course


def test_machine_errors_are_messages_not_tracebacks(good: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, _, err = run("build", str(good), "--out", str(blocker / "out"), "--slides", "html")
    assert code == 1
    assert "Traceback" not in err
    assert "a-file" in err
