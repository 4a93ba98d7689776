"""Shared fixtures: the example course and one build of it for the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest

from mooc_builder.cache import BuildCache
from mooc_builder.pipeline import BuildResult, build

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_COURSE = ROOT / "courses" / "human-rights"


@pytest.fixture(scope="session")
def example_course() -> Path:
    """The example course shipped in courses/."""
    assert (EXAMPLE_COURSE / "course.yaml").is_file(), "the example course is missing"
    return EXAMPLE_COURSE


@pytest.fixture(scope="session")
def example_build(example_course: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The example course built in every SCORM format, as `mooc build` does by default."""
    base = tmp_path_factory.mktemp("example-build")
    return build(example_course, base / "dist", cache=BuildCache(base / "cache"))
