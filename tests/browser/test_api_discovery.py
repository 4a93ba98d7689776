"""Finding the LMS API: nested frames, a late API (Open edX), a pop-up, and no LMS at all."""

from __future__ import annotations

import pytest

from tests.browser.harness import FORMATS, INITIALIZE, Lms, LmsRun, session_problems
from tests.browser.packages import ServedPackage

pytestmark = pytest.mark.browser


def first_sco(served: list[ServedPackage], runtime: str) -> tuple[ServedPackage, str]:
    package = next(p for p in served if p.format == runtime)
    return package, package.scos[0]


def assert_tracked_session(run: LmsRun) -> None:
    run.wait_for_tracking("on")
    run.leave()
    log = run.api_log()
    assert [e["fn"] for e in log].count(INITIALIZE[run.runtime]) == 1
    assert session_problems(run, log) == []


@pytest.mark.parametrize("runtime", FORMATS)
def test_api_two_frames_above_the_sco_is_found(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package, href = first_sco(served_packages, runtime)
    run = lms.launch(package, href, depth=2)
    depth = run.sco.evaluate(
        "() => { let n = 0, w = window; while (w !== w.parent) { w = w.parent; n++; } return n; }"
    )
    assert depth == 3  # lesson -> frame -> frame -> LMS window holding the API
    assert_tracked_session(run)


@pytest.mark.parametrize("runtime", FORMATS)
def test_api_that_appears_late_is_found_by_retrying(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package, href = first_sco(served_packages, runtime)
    run = lms.launch(package, href, api_delay_ms=-1)  # the test installs the API itself
    run.page.wait_for_timeout(1000)  # the player is up and has been looking for a second
    assert run.snapshot()["tracking"] == "connecting"
    assert run.api_log() == []
    run.page.evaluate("() => window.harness.install()")
    assert_tracked_session(run)


def test_api_of_the_window_that_opened_the_sco_is_found(
    lms: Lms, served_packages: list[ServedPackage]
) -> None:
    package, href = first_sco(served_packages, "scorm12")
    run = lms.launch(package, href, popup=True)
    assert run.popup is not None
    assert_tracked_session(run)


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_without_an_lms_the_lesson_still_plays(
    lms: Lms, served_packages: list[ServedPackage], scheme: str
) -> None:
    """Opened straight from the server or from an unzipped package on disk: no API anywhere."""
    package, href = first_sco(served_packages, "scorm2004")
    if scheme == "http":
        url, inside = package.sco_url(lms.base_url, href), f"{lms.base_url}{package.url_path}"
    else:
        url, inside = (package.root / href).as_uri(), package.root.as_uri() + "/"
    page, observer = lms.new_page()
    page.goto(url)
    notice = page.locator("#mooc-tracking")
    notice.wait_for(state="visible", timeout=10_000)
    assert notice.inner_text().startswith("Tiến độ học tập không được ghi lại")
    shown = page.evaluate(
        "() => Array.from(document.getElementById('mooc-video').textTracks)"
        ".filter(t => t.mode === 'showing').map(t => [t.language, t.cues ? t.cues.length : 0])"
    )
    assert len(shown) == 1
    assert shown[0][0] == "vi"
    assert shown[0][1] > 0  # captions work even where <track> files cannot be fetched
    page.evaluate(
        "() => { const v = document.getElementById('mooc-video');"
        " v.muted = true; v.playbackRate = 16; return v.play(); }"
    )
    page.wait_for_function("() => document.getElementById('mooc-video').ended")
    snapshot = page.evaluate("() => window.MoocPlayer.snapshot()")
    assert snapshot["tracking"] == "off"
    assert snapshot["completed"]  # the learner still sees their progress
    page.close()  # pagehide with nothing to finish
    assert observer.outside((inside,)) == []
    assert observer.console_errors == []
