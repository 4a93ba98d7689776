"""Fixtures of the real-browser tests: scorm-again, headless Chromium, the test LMS, packages.

The packages are the real thing: ``scorm_artifacts`` holds every zip that ``mooc build`` makes
of the example course (both SCORM versions, per lesson and per course; slides rendered as images
when LibreOffice is installed) and of a short generated course built with ``--slides html``
(one lesson with slide times, one without), which comes first so that single-package tests run
on short videos.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from mooc_builder.cache import BuildCache
from mooc_builder.pipeline import BuildResult, build
from tests.browser.harness import FORMATS, Lms
from tests.browser.packages import Artifact, ServedPackage, safe_extract, sco_launch_paths
from tests.browser.server import LmsServer
from tests.support.course import make_short_course

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
SCORM_AGAIN_VERSION = "3.4.3"


def _scorm_again_installed(package: Path) -> bool:
    manifest = package / "package.json"
    if not manifest.is_file():
        return False
    version: str = json.loads(manifest.read_text(encoding="utf-8")).get("version", "")
    return version == SCORM_AGAIN_VERSION and (package / "dist" / "scorm2004.js").is_file()


@pytest.fixture(scope="session")
def scorm_again_dist() -> Path:
    """scorm-again's ``dist/`` folder, installed with ``npm ci`` from the lock file when missing."""
    package = HERE / "node_modules" / "scorm-again"
    if not _scorm_again_installed(package):
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                "npm is needed to install scorm-again for the browser tests (apt install npm)"
            )
        # One installer at a time (pytest-xdist workers share the folder).
        lock_path = Path(tempfile.gettempdir()) / "mooc-builder-npm-ci.lock"
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _scorm_again_installed(package):
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                    cwd=HERE,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    pytest.fail(f"npm ci failed in {HERE}:\n{done.stdout}\n{done.stderr}")
    if not _scorm_again_installed(package):
        pytest.fail(f"scorm-again {SCORM_AGAIN_VERSION} is not in {package} after npm ci")
    return package / "dist"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests run the system Chromium "
            "(apt install chromium); Playwright's own browser download is not used"
        )
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def web_root(tmp_path_factory: pytest.TempPathFactory, scorm_again_dist: Path) -> Path:
    """The folder the test server serves: ``lms/`` (harness + scorm-again) and ``pkg/``."""
    root = tmp_path_factory.mktemp("web")
    shutil.copytree(HERE / "lms", root / "lms")
    for name in ("scorm12.js", "scorm2004.js"):
        shutil.copyfile(scorm_again_dist / name, root / "lms" / name)
    (root / "pkg").mkdir()
    return root


@pytest.fixture(scope="session")
def server(web_root: Path) -> Iterator[LmsServer]:
    with LmsServer(web_root) as running:
        yield running


@pytest.fixture(scope="session")
def scorm_artifacts(
    tmp_path_factory: pytest.TempPathFactory, example_build: BuildResult
) -> list[Artifact]:
    """Every zip of the short html-mode course, then every zip of the example course."""
    base = tmp_path_factory.mktemp("short-course")
    short = build(
        make_short_course(base / "course"),
        base / "dist",
        FORMATS,
        slides="html",
        cache=BuildCache(base / "cache"),
    )
    return [
        Artifact(result.out_dir / a.path, a.format, a.scope, a.lesson)
        for result in (short, example_build)
        for a in result.artifacts
    ]


@pytest.fixture(scope="session")
def served_packages(web_root: Path, scorm_artifacts: list[Artifact]) -> list[ServedPackage]:
    served: list[ServedPackage] = []
    for artifact in scorm_artifacts:
        name = f"{artifact.format}-{artifact.path.stem}"  # zips of each format share names
        root = safe_extract(artifact.path, web_root / "pkg" / name)
        scos = sco_launch_paths(root)
        assert scos, f"{artifact.path.name} has no SCO"
        served.append(ServedPackage(artifact, root, f"/pkg/{name}/", scos))
    return served


@pytest.fixture
def lms(browser: Browser, server: LmsServer) -> Iterator[Lms]:
    harness = Lms(browser, server.url)
    yield harness
    harness.close()
