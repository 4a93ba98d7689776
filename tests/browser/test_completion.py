"""Completion in a real LMS runtime: earned by playing, not by seeking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.harness import FORMATS, STATUS, Lms, session_problems, set_values
from tests.browser.packages import ServedPackage

pytestmark = pytest.mark.browser


def packages_of(served: list[ServedPackage], runtime: str) -> list[ServedPackage]:
    chosen = [p for p in served if p.format == runtime]
    assert chosen, f"no {runtime} package under test"
    return chosen


@pytest.mark.parametrize("runtime", FORMATS)
def test_every_sco_completes_when_played_through(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    for package in packages_of(served_packages, runtime):
        for href in package.scos:
            where = f"{package.artifact.path.name}:{href}"
            run = lms.launch(package, href)
            run.wait_for_tracking("on")
            run.play(rate=16)
            run.wait_for_ended()
            if len(run.snapshot()["seen"]) < len(run.lesson["slides"]["items"]):
                run.step_through_slides()  # slides without times are turned by hand
            run.wait_for_status("completed")
            assert run.sco.inner_text("#mooc-completion").endswith("Đã hoàn thành bài học"), where
            run.leave()

            log = run.api_log()
            assert session_problems(run, log) == [], where
            cmi = run.cmi()
            if runtime == "scorm12":
                assert cmi["core"]["lesson_status"] == "completed", where
                assert set_values(log, "cmi.core.exit")[-1] == "", where
            else:
                assert cmi["completion_status"] == "completed", where
                assert cmi["success_status"] == "unknown", where
                assert float(cmi["progress_measure"]) == 1, where
                assert set_values(log, "cmi.exit")[-1] == "normal", where


@pytest.mark.parametrize("runtime", FORMATS)
def test_seeking_to_the_end_does_not_complete(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package = packages_of(served_packages, runtime)[0]
    href = package.scos[0]
    run = lms.launch(package, href)
    run.wait_for_tracking("on")
    run.wait_for_metadata()
    duration = run.video("v => v.duration")
    run.video("(v, t) => { v.currentTime = t; }", duration - 1)
    run.play(rate=1)  # the last second only
    run.wait_for_ended()
    run.step_through_slides()
    snapshot = run.snapshot()
    assert len(snapshot["seen"]) == len(run.lesson["slides"]["items"])
    assert snapshot["played"] < 0.1
    assert not snapshot["completed"]
    run.leave()

    log = run.api_log()
    assert session_problems(run, log) == []
    assert "completed" not in set_values(log, STATUS[runtime])
    cmi = run.cmi()
    if runtime == "scorm12":
        assert cmi["core"]["lesson_status"] == "incomplete"
        assert set_values(log, "cmi.core.exit")[-1] == "suspend"
    else:
        assert cmi["completion_status"] == "incomplete"
        assert cmi["success_status"] == "unknown"
        assert float(cmi["progress_measure"]) < 1
        assert set_values(log, "cmi.exit")[-1] == "suspend"


LMS_DATA: dict[str, dict[str, dict[str, Any]]] = {
    "review": {
        "scorm12": {"core": {"lesson_mode": "review", "lesson_status": "completed", "entry": ""}},
        "scorm2004": {"mode": "review", "completion_status": "completed", "entry": ""},
    },
    "completed": {
        "scorm12": {
            "core": {
                "lesson_mode": "normal",
                "lesson_status": "completed",
                "entry": "",
                "credit": "credit",
            },
            "suspend_data": "v1;p:0-320;s:0-3;t:320;c:1",
        },
        "scorm2004": {
            "mode": "normal",
            "completion_status": "completed",
            "entry": "",
            "credit": "credit",
        },
    },
}


@pytest.mark.parametrize("runtime", FORMATS)
def test_review_mode_changes_nothing(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package = packages_of(served_packages, runtime)[0]
    run = lms.launch(package, package.scos[0], cmi=LMS_DATA["review"][runtime])
    run.wait_for_tracking("review")
    assert run.sco.inner_text("#mooc-tracking").startswith("Chế độ xem lại")
    run.play(rate=16)
    run.wait_for_position(4)
    run.pause()
    run.leave()
    log = run.api_log()
    assert session_problems(run, log) == []
    written = {e["args"][0] for e in log if e["fn"].endswith("SetValue")}
    assert written == {"cmi.core.session_time" if runtime == "scorm12" else "cmi.session_time"}


@pytest.mark.parametrize("runtime", FORMATS)
def test_a_completed_lesson_stays_completed(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package = packages_of(served_packages, runtime)[0]
    run = lms.launch(package, package.scos[0], cmi=LMS_DATA["completed"][runtime])
    run.wait_for_tracking("on")
    assert run.snapshot()["completed"]
    assert run.sco.inner_text("#mooc-completion").endswith("Đã hoàn thành bài học")
    run.play(rate=16)
    run.wait_for_position(4)
    run.pause()
    run.leave()
    log = run.api_log()
    assert session_problems(run, log) == []
    assert set_values(log, STATUS[runtime]) == []  # nothing to change, nothing downgraded
    cmi = run.cmi()
    if runtime == "scorm12":
        assert cmi["core"]["lesson_status"] == "completed"
        assert set(set_values(log, "cmi.core.exit")) == {""}
    else:
        assert cmi["completion_status"] == "completed"
        assert set(set_values(log, "cmi.progress_measure")) == {"1"}
        assert set(set_values(log, "cmi.exit")) == {"normal"}


@pytest.mark.parametrize("runtime", FORMATS)
def test_progress_is_committed_when_the_page_is_hidden(
    lms: Lms, served_packages: list[ServedPackage], runtime: str
) -> None:
    package = packages_of(served_packages, runtime)[0]
    run = lms.launch(package, package.scos[0])
    run.wait_for_tracking("on")
    run.play(rate=4)
    run.wait_for_position(6)
    commits = len([e for e in run.api_log() if e["fn"].endswith("Commit")])
    run.sco.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden',"
        " configurable: true}); document.dispatchEvent(new Event('visibilitychange')); }"
    )
    log = run.api_log()
    assert len([e for e in log if e["fn"].endswith("Commit")]) == commits + 1
    saved = set_values(log, "cmi.suspend_data")[-1]
    assert saved.startswith("v1;p:0-")  # the played range is in the committed state
    run.pause()
    run.leave()
    assert session_problems(run, run.api_log()) == []
