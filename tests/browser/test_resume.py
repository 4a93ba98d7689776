"""Resume: a second session starts where the first stopped and counts what was played before."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Route

from tests.browser.harness import FORMATS, Lms, session_problems, set_values
from tests.browser.packages import ServedPackage

pytestmark = pytest.mark.browser


def resumed_cmi(runtime: str, cmi: dict[str, Any]) -> dict[str, Any]:
    """What the LMS hands the next session after a suspended one (entry = resume)."""
    if runtime == "scorm12":
        core = cmi["core"]
        return {
            "core": {
                "entry": "resume",
                "credit": "credit",
                "lesson_mode": "normal",
                "lesson_status": core["lesson_status"],
                "lesson_location": core["lesson_location"],
            },
            "suspend_data": cmi["suspend_data"],
        }
    return {
        "entry": "resume",
        "credit": "credit",
        "mode": "normal",
        "completion_status": cmi["completion_status"],
        "location": cmi["location"],
        "suspend_data": cmi["suspend_data"],
        "progress_measure": cmi["progress_measure"],
    }


def synced_sco(packages: list[ServedPackage]) -> tuple[ServedPackage, str]:
    """A SCO whose slides follow the video (so the resumed slide can be checked)."""
    for package in packages:
        for href in package.scos:
            if package.lesson_data(href)["slides"]["times"]:
                return package, href
    raise AssertionError("no SCO with slide times")


@pytest.mark.parametrize("runtime", FORMATS)
def test_second_session_resumes_and_completes_with_the_rest(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package, href = synced_sco([p for p in served_packages if p.format == runtime])

    # Session 1: play about 40 %, then leave.
    first = lms.launch(package, href)
    first.wait_for_tracking("on")
    first.wait_for_metadata()
    duration = first.video("v => v.duration")
    first.play(rate=4)
    first.wait_for_position(0.4 * duration)
    stopped_at = first.pause()
    first.leave()
    log = first.api_log()
    assert session_problems(first, log) == []
    cmi = first.cmi()
    if runtime == "scorm12":
        assert cmi["core"]["lesson_status"] == "incomplete"
        assert cmi["core"]["exit"] == "suspend"
        location = float(cmi["core"]["lesson_location"])
    else:
        assert cmi["completion_status"] == "incomplete"
        assert cmi["exit"] == "suspend"
        assert 0 < float(cmi["progress_measure"]) < 1
        location = float(cmi["location"])
    assert location == pytest.approx(stopped_at, abs=0.15)

    # Session 2: a new API instance with session 1's data.
    second = lms.launch(package, href, cmi=resumed_cmi(runtime, cmi))
    second.wait_for_tracking("on")
    second.sco.wait_for_function(
        "() => !document.getElementById('mooc-resume').hidden"
        " && document.getElementById('mooc-video').currentTime > 0"
    )
    assert second.video("v => v.currentTime") == pytest.approx(location, abs=0.5)
    times = second.lesson["slides"]["times"]
    expected_slide = max(i for i, t in enumerate(times) if t <= location) + 1
    assert second.slide_number() == expected_slide
    minutes, seconds = divmod(int(location), 60)
    assert second.sco.inner_text("#mooc-resume-text") == f"Tiếp tục từ {minutes}:{seconds:02d}"
    before = second.snapshot()
    assert before["played"] == pytest.approx(location / duration, abs=0.02)
    assert not before["completed"]

    second.play(rate=16)
    second.wait_for_ended()
    second.wait_for_status("completed")
    played_now = second.video(
        "v => { let s = 0; for (let i = 0; i < v.played.length; i++)"
        " s += v.played.end(i) - v.played.start(i); return s; }"
    )
    assert played_now < 0.7 * duration  # only the rest was played in this session
    second.leave()

    log = second.api_log()
    assert session_problems(second, log) == []
    cmi = second.cmi()
    if runtime == "scorm12":
        assert cmi["core"]["lesson_status"] == "completed"
        assert set_values(log, "cmi.core.exit")[-1] == ""
    else:
        assert cmi["completion_status"] == "completed"
        assert cmi["success_status"] == "unknown"
        assert float(cmi["progress_measure"]) == 1


@pytest.mark.parametrize("runtime", FORMATS)
def test_start_over_returns_to_the_beginning(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package, href = synced_sco([p for p in served_packages if p.format == runtime])
    state = "v1;p:0-130;s:0-1;t:130"
    cmi: dict[str, Any] = (
        {
            "core": {"entry": "resume", "lesson_status": "incomplete", "lesson_location": "13"},
            "suspend_data": state,
        }
        if runtime == "scorm12"
        else {
            "entry": "resume",
            "completion_status": "incomplete",
            "location": "13",
            "suspend_data": state,
        }
    )
    # Hold the video back so that "Start over" comes before the resume jump could happen.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    run = lms.launch(package, href, cmi=cmi, prepare=lambda page: page.route("**/*.mp4", hold))
    run.wait_for_tracking("on")
    run.sco.wait_for_selector("#mooc-start-over", state="visible")
    assert run.video("v => v.readyState") == 0
    run.sco.focus("#mooc-start-over")
    run.page.keyboard.press("Enter")
    for route in held:
        route.continue_()
    run.page.unroute("**/*.mp4", hold)
    run.wait_for_metadata()
    run.page.wait_for_timeout(300)
    assert run.video("v => v.currentTime") == 0
    assert run.sco.is_hidden("#mooc-resume")
    assert run.sco.evaluate("() => document.activeElement.id") == "mooc-video"
    assert run.slide_number() == 1
    assert run.snapshot()["seen"] == [0, 1]  # slides seen earlier still count
    run.leave()
    assert session_problems(run, run.api_log()) == []
