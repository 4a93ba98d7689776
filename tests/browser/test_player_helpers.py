"""The player's pure helpers, run in Chromium: time formats, saved state, slide timing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.harness import SESSION_TIME_PATTERN, Lms
from tests.browser.packages import ServedPackage

pytestmark = pytest.mark.browser


@pytest.fixture
def helpers_page(lms: Lms, served_packages: list[ServedPackage]) -> Iterator[Page]:
    """A page with runtime/common.js and player.js loaded, without lesson data."""
    package = served_packages[0]
    page, observer = lms.new_page()
    page.goto(f"{lms.base_url}/lms/lms.html")
    for script in ("runtime/common.js", "player.js"):
        page.add_script_tag(url=f"{lms.base_url}{package.url_path}player/{script}")
    yield page
    assert observer.console_errors == []


def call(page: Page, expression: str, *args: Any) -> Any:
    return page.evaluate(f"(args) => ({expression})(...args)", list(args))


@pytest.mark.parametrize(
    ("seconds", "scorm12", "scorm2004"),
    [
        (0, "00:00:00.00", "PT0S"),
        (0.004, "00:00:00.00", "PT0S"),
        (5.5, "00:00:05.50", "PT5.5S"),
        (192.5, "00:03:12.50", "PT3M12.5S"),
        (59.999, "00:01:00.00", "PT1M"),
        (3600, "01:00:00.00", "PT1H"),
        (3723.456, "01:02:03.46", "PT1H2M3.46S"),
        (123456.78, "34:17:36.78", "PT34H17M36.78S"),
        (10_000 * 3600, "9999:59:59.99", "PT10000H"),
    ],
)
def test_session_time_formats(
    helpers_page: Page, seconds: float, scorm12: str, scorm2004: str
) -> None:
    got12 = call(helpers_page, "s => MoocRuntimeCommon.scorm12Time(s)", seconds)
    got2004 = call(helpers_page, "s => MoocRuntimeCommon.iso8601Duration(s)", seconds)
    assert (got12, got2004) == (scorm12, scorm2004)
    assert SESSION_TIME_PATTERN["scorm12"].fullmatch(got12)
    assert SESSION_TIME_PATTERN["scorm2004"].fullmatch(got2004)


def test_measures_and_locations(helpers_page: Page) -> None:
    measure = "v => MoocRuntimeCommon.formatMeasure(v)"
    assert [call(helpers_page, measure, v) for v in (0, 1 / 3, 0.99999999, 1, 7, -1)] == [
        "0",
        "0.3333333",
        "1",
        "1",
        "1",
        "0",
    ]
    location = "v => MoocRuntimeCommon.parseLocation(v)"
    assert [call(helpers_page, location, v) for v in ("12.5", "", "abc", "-3", "1e400")] == [
        12.5,
        None,
        None,
        None,
        None,
    ]
    assert call(helpers_page, "v => MoocRuntimeCommon.formatLocation(v)", 12.345) == "12.3"


def test_state_round_trip(helpers_page: Page) -> None:
    state = {
        "played": [[0, 31.55], [40.2, 80], [79, 90.04]],
        "seen": [0, 1, 2, 5],
        "position": 90.04,
        "uiLang": "en",
        "completed": False,
    }
    text = call(helpers_page, "s => MoocPlayer.helpers.encodeState(s, 4096)", state)
    assert text == "v1;p:0-315,402-900;s:0-2,5;t:900;l:en"
    decoded = call(helpers_page, "t => MoocPlayer.helpers.decodeState(t)", text)
    assert decoded == {
        "played": [[0, 31.5], [40.2, 90]],
        "seen": [0, 1, 2, 5],
        "position": 90,
        "uiLang": "en",
        "completed": False,
    }


@pytest.mark.parametrize(
    "text",
    [None, "", "garbage", "v2;p:0-10", "v1;p:a-b,5-;s:x,3-1;t:-4;l:fr;c:yes", "v1;s:0-99999999"],
)
def test_bad_saved_state_is_ignored_not_fatal(helpers_page: Page, text: str | None) -> None:
    decoded = call(helpers_page, "t => MoocPlayer.helpers.decodeState(t)", text)
    assert decoded["played"] == []
    assert decoded["uiLang"] is None
    assert decoded["completed"] is False
    assert len(decoded["seen"]) <= 10_001


def test_state_is_compacted_to_fit_without_inventing_coverage(helpers_page: Page) -> None:
    """3,000 separate half-second ranges (a learner who skips a lot) do not fit in 4,096."""
    script = """() => {
      const played = [];
      for (let i = 0; i < 3000; i++) played.push([i, i + 0.5 + (i % 7) * 0.05]);
      const state = {played, seen: [0, 1, 2, 3], position: 1234.5, uiLang: null, completed: false};
      const h = MoocPlayer.helpers;
      const text = h.encodeState(state, 4096);
      const back = h.decodeState(text);
      return {length: text.length, kept: h.rangesLength(back.played),
              full: h.rangesLength(h.normalizeRanges(played)), seen: back.seen,
              position: back.position, subset: back.played.every(r => played.some(
                p => p[0] <= r[0] + 1e-9 && r[1] <= p[1] + 1e-9))};
    }"""
    result = helpers_page.evaluate(script)
    assert result["length"] <= 4096
    assert 0 < result["kept"] <= result["full"]
    assert result["subset"], "a restored range must lie inside a range really played"
    assert result["seen"] == [0, 1, 2, 3]
    assert result["position"] == 1234.5


def test_slide_and_clock_helpers(helpers_page: Page) -> None:
    at = "(times, n, t) => MoocPlayer.helpers.slideIndexAt(times, n, t)"
    times = [0, 31.5, 64.2]
    assert [call(helpers_page, at, times, 3, t) for t in (0, 31.49, 31.5, 100)] == [0, 0, 1, 2]
    assert call(helpers_page, at, times, 2, 100) == 1  # more times than slides
    clock = "s => MoocPlayer.helpers.formatClock(s)"
    assert [call(helpers_page, clock, s) for s in (0, 75.4, 3725)] == ["0:00", "1:15", "1:02:05"]
