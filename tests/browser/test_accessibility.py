"""Accessibility smoke test: keyboard reach, names, focus style, language switch, small screens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.harness import Lms, LmsRun, session_problems
from tests.browser.packages import ServedPackage

pytestmark = pytest.mark.browser

# Everything a keyboard user can operate, minus what is disabled or not rendered.
MARK_INTERACTIVE = """() => {
  const selector = 'a[href], button, select, input, textarea, summary, video[controls],'
    + ' [tabindex]:not([tabindex="-1"])';
  const shown = el => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const items = Array.from(document.querySelectorAll(selector))
    .filter(el => !el.disabled && shown(el));
  items.forEach((el, i) => { el.dataset.tabId = String(i); });
  return items.map(el => el.tagName.toLowerCase() + '#'
    + (el.id || el.textContent.trim().slice(0, 30)));
}"""

FOCUSED = """() => {
  if (!document.hasFocus()) return null;
  const el = document.activeElement;
  if (!el || el === document.body || el.dataset.tabId === undefined) return null;
  const style = getComputedStyle(el);
  return {id: Number(el.dataset.tabId), tag: el.tagName.toLowerCase(),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def launch_each_mode(lms: Lms, served: list[ServedPackage]) -> Iterator[LmsRun]:
    """One SCORM 1.2 SCO per slide mode (images, html), taken from the course packages."""
    modes: set[str] = set()
    for package in (p for p in served if p.format == "scorm12" and p.artifact.scope == "course"):
        for href in package.scos:
            mode = package.lesson_data(href)["slides"]["mode"]
            if mode not in modes:
                modes.add(mode)
                yield lms.launch(package, href)


def launch_mode(lms: Lms, served: list[ServedPackage], mode: str) -> LmsRun:
    """A SCORM 1.2 SCO whose slides are in ``mode`` ("images" or "html")."""
    for package in (p for p in served if p.format == "scorm12" and p.artifact.scope == "course"):
        for href in package.scos:
            if package.lesson_data(href)["slides"]["mode"] == mode:
                return lms.launch(package, href)
    raise AssertionError(f"no SCO with slides in {mode} mode among the packages")


def frame_id(run: LmsRun, cdp: Any) -> str:
    def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield node["frame"]
        for child in node.get("childFrames", []):
            yield from walk(child)

    frames = walk(cdp.send("Page.getFrameTree")["frameTree"])
    return str(next(f["id"] for f in frames if f["url"].endswith("/" + run.href)))


def unnamed_focusable(run: LmsRun) -> list[str]:
    """Focusable nodes of the lesson frame without an accessible name, from Chromium's tree."""
    cdp = run.page.context.new_cdp_session(run.page)
    tree = cdp.send("Accessibility.getFullAXTree", {"frameId": frame_id(run, cdp)})
    missing = []
    for node in tree["nodes"]:
        props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        name = str(node.get("name", {}).get("value") or "").strip()
        if props.get("focusable") and not node.get("ignored") and not name:
            missing.append(f"{node['role']['value']} (backend node {node.get('backendDOMNodeId')})")
    cdp.detach()
    return missing


def tab_through(run: LmsRun, limit: int = 200) -> list[dict[str, Any]]:
    """Press Tab from the top of the LMS page until the focus leaves the lesson."""
    reached: list[dict[str, Any]] = []
    inside = False
    for _ in range(limit):
        run.page.keyboard.press("Tab")
        focused = run.sco.evaluate(FOCUSED)
        if focused is None:
            if inside:
                break
            continue
        inside = True
        reached.append(focused)
    return reached


def test_keyboard_reach_names_and_focus_style(
    lms: Lms, served_packages: list[ServedPackage]
) -> None:
    runs = list(launch_each_mode(lms, served_packages))
    assert len(runs) == 2, "expected an images-mode and an html-mode lesson"
    for run in runs:
        run.wait_for_tracking("on")
        run.sco.evaluate(
            "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
        )
        interactive = run.sco.evaluate(MARK_INTERACTIVE)
        reached = tab_through(run)
        reached_ids = {r["id"] for r in reached}
        missed = [d for i, d in enumerate(interactive) if i not in reached_ids]
        assert missed == [], f"{run.href}: not reachable with Tab: {missed}"
        no_ring = {
            interactive[r["id"]] for r in reached if r["tag"] != "video" and not r["outline"]
        }
        assert no_ring == set(), f"{run.href}: no visible focus style on {no_ring}"
        assert unnamed_focusable(run) == [], run.href

        # Keyboard operation: Enter on "Next" turns the slide; the focus stays on the button.
        run.sco.focus("#mooc-next")
        before = run.slide_number()
        run.page.keyboard.press("Enter")
        assert run.slide_number() == before + 1
        assert run.sco.evaluate("() => document.activeElement.id") == "mooc-next"
        live = run.sco.wait_for_function(
            "() => document.getElementById('mooc-live').textContent"
        ).json_value()
        assert live.startswith(f"Trang chiếu {before + 1} trên")
        run.leave()
        assert session_problems(run, run.api_log()) == [], run.href


def test_language_toggle_switches_interface_and_transcript(
    lms: Lms, served_packages: list[ServedPackage]
) -> None:
    run = launch_mode(lms, served_packages, "images")
    run.wait_for_tracking("on")
    frame = run.sco
    texts = """() => [document.documentElement.lang,
      document.getElementById('mooc-slides-heading').textContent,
      document.getElementById('mooc-transcript-heading').textContent,
      document.getElementById('mooc-prev').textContent.trim(),
      document.getElementById('mooc-cues').getAttribute('lang')]"""
    assert frame.evaluate(texts) == [
        "vi",
        "Trang chiếu",
        "Bản ghi lời thoại",
        "‹ Trang trước",
        None,
    ]
    assert run.snapshot()["captionLang"] == "vi"
    assert frame.inner_text("#mooc-lang-toggle").endswith("English")
    assert frame.get_attribute("#mooc-lang-toggle span[lang]", "lang") == "en"

    frame.click("#mooc-lang-toggle")
    assert frame.evaluate(texts) == ["en", "Slides", "Transcript", "‹ Previous slide", None]
    assert run.snapshot()["captionLang"] == "en"
    assert frame.get_attribute("#mooc-title", "lang") is None  # English title exists
    assert frame.get_attribute("#mooc-slide img", "lang") == "vi"  # slide content stays Vietnamese
    assert frame.evaluate(
        "() => Array.from(document.getElementById('mooc-video').textTracks)"
        ".filter(t => t.mode === 'showing').map(t => t.language)"
    ) == ["en"]

    # The caption language can also be chosen on its own.
    frame.select_option("#mooc-caption-lang", "vi")
    assert frame.get_attribute("#mooc-cues", "lang") == "vi"
    assert frame.inner_text("#mooc-cues li:first-child").startswith("0:00")

    frame.click("#mooc-lang-toggle")
    assert frame.evaluate(texts)[:4] == ["vi", "Trang chiếu", "Bản ghi lời thoại", "‹ Trang trước"]
    run.leave()
    assert session_problems(run, run.api_log()) == []
    # The learner's choice is kept for the next session.
    assert "l:vi" in run.cmi()["suspend_data"]


@pytest.mark.parametrize("width", [320, 640])
def test_narrow_screens_stack_without_horizontal_scrolling(
    lms: Lms, served_packages: list[ServedPackage], width: int
) -> None:
    """320 CSS px is a phone (and 400 % zoom); 640 is a 1280 px window at 200 % zoom."""
    package = next(p for p in served_packages if p.format == "scorm12")
    for href in package.scos:
        run = lms.launch(package, href, viewport={"width": width, "height": 800})
        run.wait_for_tracking("on")
        frame = run.sco
        frame.evaluate(
            "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
        )
        overflow = frame.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{href} scrolls sideways by {overflow}px at {width}px"
        video_box = frame.locator("#mooc-video").bounding_box()
        slide_box = frame.locator("#mooc-slide").bounding_box()
        assert video_box is not None
        assert slide_box is not None
        assert slide_box["y"] >= video_box["y"] + video_box["height"], "panels should stack"
        clipped = frame.evaluate(
            "() => { const s = document.getElementById('mooc-slide');"
            " return Array.from(s.querySelectorAll('*')).filter(e => {"
            " const a = e.getBoundingClientRect(), b = s.getBoundingClientRect();"
            " return a.bottom > b.bottom + 1 || a.right > b.right + 1; }).length; }"
        )
        assert clipped == 0, f"{href}: slide content overflows its box at {width}px"
        run.leave()
        assert session_problems(run, run.api_log()) == []
