"""The wheel carries the player and the shared assets, and finds them once installed."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("mooc_builder-*.whl")
    return path


def test_wheel_contains_player_runtime_schema_and_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "mooc_builder/_data/scorm/player/lesson.html",
        "mooc_builder/_data/scorm/player/player.js",
        "mooc_builder/_data/scorm/player/player.css",
        "mooc_builder/_data/scorm/runtime/common.js",
        "mooc_builder/_data/scorm/runtime/scorm12.js",
        "mooc_builder/_data/scorm/runtime/scorm2004.js",
        "mooc_builder/course/course.schema.json",
    ):
        assert required in names, f"{required} is not in the wheel"
    assert any(n.startswith("mooc_builder/_data/assets/") for n in names)


def test_installed_wheel_finds_its_data_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, system_site_packages=True, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [
            str(python),
            "-c",
            "import mooc_builder.resources as r; print(r.data_dir('scorm')); "
            "print(r.course_schema_path())",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    scorm, schema = done.stdout.split()
    assert f"{env}" in scorm
    assert scorm.endswith("mooc_builder/_data/scorm")
    assert Path(schema).is_file()
