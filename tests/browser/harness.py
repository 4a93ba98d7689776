"""Drive the test LMS (``lms/lms.html``) and the lesson player inside it with Playwright."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Frame,
    Page,
    Request,
    ViewportSize,
)

from tests.browser.packages import ServedPackage

FORMATS = ("scorm12", "scorm2004")
"""The package formats under test (what ``build(..., formats=FORMATS)`` is asked for)."""
STATUS = {"scorm12": "cmi.core.lesson_status", "scorm2004": "cmi.completion_status"}
FINISH = {"scorm12": "LMSFinish", "scorm2004": "Terminate"}
INITIALIZE = {"scorm12": "LMSInitialize", "scorm2004": "Initialize"}
SESSION_TIME = {"scorm12": "cmi.core.session_time", "scorm2004": "cmi.session_time"}
SUSPEND_LIMIT = {"scorm12": 4096, "scorm2004": 64000}
LOCATION = {"scorm12": ("cmi.core.lesson_location", 255), "scorm2004": ("cmi.location", 1000)}
# STANDARDS.md: SCORM 1.2 CMITimespan HHHH:MM:SS.SS (2-4 hour digits, at most 2 decimals);
# SCORM 2004 timeinterval, ISO 8601 with at most 2 decimals on the seconds.
SESSION_TIME_PATTERN = {
    "scorm12": re.compile(r"\d{2,4}:[0-5]\d:[0-5]\d(\.\d{1,2})?"),
    "scorm2004": re.compile(
        r"P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?"
    ),
}
TIMEOUT_MS = 30_000
# What a real LMS hands over on a first attempt (scorm-again's defaults leave entry empty).
FRESH_ATTEMPT: dict[str, dict[str, Any]] = {
    "scorm12": {"core": {"entry": "ab-initio", "credit": "credit", "lesson_mode": "normal"}},
    "scorm2004": {"entry": "ab-initio", "credit": "credit", "mode": "normal"},
}


@dataclass
class Observer:
    """What a browser context did: every request, console errors and uncaught exceptions."""

    requests: list[str] = field(default_factory=list)
    # (url, url of the document that asked for it) of every request that is not a navigation
    subresources: list[tuple[str, str]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self._on_request)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.console_errors.append(f"uncaught: {error.error}"))

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if not request.is_navigation_request():
            self.subresources.append((request.url, request.frame.url))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def outside(self, allowed_prefixes: tuple[str, ...]) -> list[str]:
        return [url for url in self.requests if not url.startswith(allowed_prefixes)]

    def escaped(self, package_prefix: str) -> list[str]:
        """What pages of the package asked for outside the package (the LMS's own files too)."""
        return [
            url
            for url, document in self.subresources
            if document.startswith(package_prefix) and not url.startswith(package_prefix)
        ]


class Lms:
    """Launches SCOs in the test LMS, each in a fresh browser context (a new learner window)."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self._contexts: list[BrowserContext] = []

    def new_page(self, viewport: ViewportSize | None = None) -> tuple[Page, Observer]:
        context = self.browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        observer = Observer()
        observer.attach(context)
        return context.new_page(), observer

    def launch(
        self,
        package: ServedPackage,
        href: str,
        *,
        cmi: dict[str, Any] | None = None,
        depth: int = 0,
        api_delay_ms: int = 0,
        popup: bool = False,
        viewport: ViewportSize | None = None,
        prepare: Callable[[Page], object] | None = None,
    ) -> LmsRun:
        """Open the LMS page and launch ``href`` of ``package``; ``prepare(page)`` runs first."""
        page, observer = self.new_page(viewport)
        if prepare is not None:
            prepare(page)
        page.goto(f"{self.base_url}/lms/lms.html")
        config = {
            "runtime": package.format,
            "sco": package.sco_url(self.base_url, href),
            "cmi": FRESH_ATTEMPT[package.format] if cmi is None else cmi,
            "depth": depth,
            "apiDelayMs": api_delay_ms,
            "popup": popup,
        }
        page.evaluate("config => window.harness.start(config)", config)
        run = LmsRun(self, page, observer, package, href)
        if popup:
            with page.context.expect_page() as opened:
                page.click("#open-popup")
            run.popup = opened.value
        run.wait_for_player()
        return run

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()


@dataclass
class LmsRun:
    """One SCO launched in the test LMS."""

    lms: Lms
    page: Page
    observer: Observer
    package: ServedPackage
    href: str
    popup: Page | None = None

    @property
    def runtime(self) -> str:
        return self.package.format

    @property
    def lesson(self) -> dict[str, Any]:
        return self.package.lesson_data(self.href)

    @property
    def sco(self) -> Frame:
        """The frame (or pop-up main frame) holding the lesson page."""
        pages = [self.popup] if self.popup else [self.page]
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            for page in pages:
                for frame in page.frames:
                    if frame.url.endswith("/" + self.href):
                        return frame
            self.page.wait_for_timeout(50)
        raise AssertionError(f"the SCO {self.href} never loaded")

    def wait_for_player(self) -> None:
        self.sco.wait_for_function("() => window.MoocPlayer && window.MoocPlayer.snapshot")

    def wait_for_tracking(self, status: str = "on") -> None:
        self.sco.wait_for_function("s => window.MoocPlayer.snapshot().tracking === s", arg=status)

    def snapshot(self) -> dict[str, Any]:
        result: dict[str, Any] = self.sco.evaluate("() => window.MoocPlayer.snapshot()")
        return result

    def video(self, expression: str, arg: Any = None) -> Any:
        """Evaluate ``expression``, a function of the <video> element (and ``arg``), in the SCO."""
        return self.sco.evaluate(
            f"([arg]) => ({expression})(document.getElementById('mooc-video'), arg)", [arg]
        )

    def wait_for_metadata(self) -> None:
        self.sco.wait_for_function("() => document.getElementById('mooc-video').readyState >= 1")

    def play(self, rate: float = 16) -> None:
        """Really play the video (muted, fast), as a learner with a fast clock would."""
        self.wait_for_metadata()
        self.video("(v, rate) => { v.muted = true; v.playbackRate = rate; return v.play(); }", rate)

    def pause(self) -> float:
        position: float = self.video("v => { v.pause(); return v.currentTime; }")
        return position

    def wait_for_ended(self) -> None:
        self.sco.wait_for_function("() => document.getElementById('mooc-video').ended")

    def wait_for_position(self, seconds: float) -> None:
        self.sco.wait_for_function(
            "t => document.getElementById('mooc-video').currentTime >= t", arg=seconds
        )

    def slide_number(self) -> int:
        return int(self.sco.get_attribute("#mooc-slides", "data-current-slide") or 0)

    def step_through_slides(self) -> None:
        """Visit every slide with the Previous and Next buttons."""
        frame = self.sco
        while frame.get_attribute("#mooc-prev", "aria-disabled") != "true":
            frame.click("#mooc-prev")
        while frame.get_attribute("#mooc-next", "aria-disabled") != "true":
            frame.click("#mooc-next")

    def wait_for_status(self, value: str) -> None:
        """Until the SCO has set the status element to ``value`` and committed afterwards."""
        self.page.wait_for_function(
            "([element, value]) => window.harness.committedAfterSet(element, value)",
            arg=[STATUS[self.runtime], value],
        )

    def leave(self) -> None:
        """Navigate the SCO away (pagehide) and wait until it has finished its session."""
        self.page.evaluate("() => window.harness.leave()")
        self.page.wait_for_function("() => window.harness.finished")
        self.page.wait_for_timeout(200)  # room for any (forbidden) late call to show up

    def api_log(self) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = self.page.evaluate("() => window.harness.log")
        return log

    def cmi(self) -> dict[str, Any]:
        data: dict[str, Any] = self.page.evaluate("() => window.harness.cmi()")
        return data

    def allowed_prefixes(self) -> tuple[str, ...]:
        base = self.lms.base_url
        return (f"{base}{self.package.url_path}", f"{base}/lms/")


def set_values(log: list[dict[str, Any]], element: str) -> list[str]:
    """Every value the SCO set (successfully) for ``element``, in order."""
    return [
        e["args"][1]
        for e in log
        if e["fn"].endswith("SetValue") and e["args"][0] == element and e["result"] == "true"
    ]


def session_problems(run: LmsRun, log: list[dict[str, Any]]) -> list[str]:
    """Everything wrong with a finished session that must hold whatever the lesson's outcome."""
    runtime = run.runtime
    problems: list[str] = []
    if not log or log[0]["fn"] != INITIALIZE[runtime] or log[0]["result"] != "true":
        problems.append(f"the session did not start with a successful {INITIALIZE[runtime]}")
    problems += [
        f"API error {e['error']} after {e['fn']}({', '.join(e['args'])})"
        for e in log
        if e["error"] not in (None, "0")
    ]
    problems += [
        f"{e['fn']}({', '.join(e['args'])}) called after finish" for e in log if e["afterFinish"]
    ]
    finishes = [e for e in log if e["fn"] == FINISH[runtime]]
    if len(finishes) != 1 or finishes[0]["result"] != "true":
        problems.append(f"{FINISH[runtime]} called {len(finishes)} times, not once successfully")
    times = set_values(log, SESSION_TIME[runtime])
    if len(times) != 1 or not SESSION_TIME_PATTERN[runtime].fullmatch(times[0]):
        problems.append(f"session time set as {times}, not once in the {runtime} format")
    problems += [
        f"suspend_data of {len(v)} characters"
        for v in set_values(log, "cmi.suspend_data")
        if len(v) > SUSPEND_LIMIT[runtime]
    ]
    element, limit = LOCATION[runtime]
    problems += [f"{element} {v!r} too long" for v in set_values(log, element) if len(v) > limit]
    problems += [
        f"{e['fn']}({', '.join(e['args'])}): a video lesson must not score or pass/fail"
        for e in log
        if e["fn"].endswith("SetValue")
        and (
            ".score" in e["args"][0]
            or e["args"][0] == "cmi.success_status"
            or e["args"][1] in ("passed", "failed")
        )
    ]
    if runtime == "scorm2004":
        for value in set_values(log, "cmi.progress_measure"):
            if not re.fullmatch(r"0(\.\d{1,7})?|1", value):
                problems.append(f"progress_measure {value!r} is not in 0..1 with <= 7 decimals")
    outside = run.observer.outside(run.allowed_prefixes())
    if outside:
        problems.append(f"requests outside the package and the LMS: {outside}")
    escaped = run.observer.escaped(run.allowed_prefixes()[0])
    if escaped:
        problems.append(f"the lesson asked for files outside its package: {escaped}")
    if not any(
        document.startswith(run.allowed_prefixes()[0]) for _, document in run.observer.subresources
    ):
        problems.append("no request of the lesson was seen: the request check saw nothing")
    if run.observer.console_errors:
        problems.append(f"console errors: {run.observer.console_errors}")
    return problems
