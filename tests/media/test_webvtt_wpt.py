"""The W3C/WPT WebVTT file-parsing corpus: our parser must build the cues a browser builds.

Every ``*.vtt`` in ``shared/conformance/webvtt-wpt`` is parsed with :func:`parse_webvtt`; the
cues are serialised with the JS ``VTTCue``/``VTTRegion`` property names and checked by the
test's own ``.js`` assertion block, run by ``wpt_harness.js`` in one node process.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mooc_builder.media.webvtt import Cue, ParsedCaptions, Region, parse_webvtt

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "webvtt-wpt"
HARNESS = Path(__file__).resolve().parent / "wpt_harness.js"
VTT_FILES = sorted(CORPUS.glob("*.vtt"))
NODE = shutil.which("node") or "/usr/bin/node"


def region_json(region: Region) -> dict[str, Any]:
    """A region with the JS ``VTTRegion`` property names."""
    return {
        "id": region.id,
        "width": region.width,
        "lines": region.lines,
        "regionAnchorX": region.region_anchor_x,
        "regionAnchorY": region.region_anchor_y,
        "viewportAnchorX": region.viewport_anchor_x,
        "viewportAnchorY": region.viewport_anchor_y,
        "scroll": region.scroll,
    }


def cue_json(cue: Cue, region_index: dict[int, int]) -> dict[str, Any]:
    """A cue with the JS ``VTTCue`` property names; ``region`` is an index into the regions."""
    return {
        "id": cue.id,
        "startTime": cue.start,
        "endTime": cue.end,
        "text": cue.text,
        "vertical": cue.vertical,
        "line": "auto" if cue.line_position is None else cue.line_position,
        "snapToLines": cue.snap_to_lines,
        "lineAlign": cue.line_align,
        "position": "auto" if cue.position is None else cue.position,
        "positionAlign": cue.position_align,
        "size": cue.size,
        "align": cue.align,
        "region": None if cue.region is None else region_index[id(cue.region)],
    }


def parsed_json(parsed: ParsedCaptions) -> dict[str, Any]:
    """Cues and regions; regions are referenced by identity, as browsers share VTTRegion objects."""
    region_index = {id(region): k for k, region in enumerate(parsed.regions)}
    return {
        "regions": [region_json(r) for r in parsed.regions],
        "cues": [cue_json(c, region_index) for c in parsed.cues],
    }


def parse_file(path: Path) -> ParsedCaptions:
    # A browser runs the WHATWG "UTF-8 decode" (BOM dropped, bad bytes -> U+FFFD) first.
    return parse_webvtt(path.read_bytes().decode("utf-8", errors="replace"))


@pytest.fixture(scope="module")
def harness_results() -> dict[str, dict[str, Any]]:
    """Run every expectation file in one node process; {name: {ok, asserts, message}}."""
    if not Path(NODE).exists():
        pytest.fail("node is needed to run the WPT WebVTT expectations (apt-get install nodejs)")
    payload = {path.stem: parsed_json(parse_file(path)) for path in VTT_FILES}
    # allow_nan=False: a NaN or an infinity in our output would be a parser bug.
    data = json.dumps(payload, allow_nan=False)
    done = subprocess.run(
        [NODE, str(HARNESS), str(CORPUS)],
        input=data,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    results: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return results


def test_corpus_is_complete() -> None:
    assert CORPUS.is_dir(), f"conformance corpus missing: {CORPUS}"
    stems = {p.stem for p in VTT_FILES}
    expectations = {p.stem for p in CORPUS.glob("*.js")}
    assert len(stems) >= 37
    assert stems == expectations


@pytest.mark.parametrize("path", VTT_FILES, ids=[p.stem for p in VTT_FILES])
def test_wpt_file_parsing(path: Path, harness_results: dict[str, dict[str, Any]]) -> None:
    result = harness_results[path.stem]
    assert result["ok"], f"{path.name}: {result['message']}"
    if path.stem == "stylesheets":
        # Its assertion is commented out upstream ("not applicable without HTML host"). By the
        # spec: one STYLE block before the cues, a CSS fragment after a blank line (dropped),
        # cue "foo", a STYLE block after a cue (ignored), cue "bar".
        parsed = parse_file(path)
        assert [c.id for c in parsed.cues] == ["foo", "bar"]
        assert len(parsed.styles) == 1
        assert parsed.styles[0].startswith("::cue(#foo)")
    else:
        assert result["asserts"] > 0, f"{path.name}: no assertion ran"


def test_negative_zero_is_positive_zero() -> None:
    """HTML's float rules exclude -0 ("line:-0" is +0); percentages cannot be negative at all."""
    parsed = parse_webvtt("WEBVTT\n\n00:00.000 --> 00:01.000 line:-0\nx\n")
    line = parsed.cues[0].line_position
    assert line == 0
    assert line is not None
    assert math.copysign(1.0, line) == 1.0
    assert json.dumps(line) == "0.0"
