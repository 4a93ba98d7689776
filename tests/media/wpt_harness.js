// Run the WPT WebVTT file-parsing expectations against cues parsed by mooc_builder.
//
// Usage: node wpt_harness.js CORPUS_DIR < parsed.json > results.json
//
// parsed.json: {"NAME": {"regions": [VTTRegion-like objects],
//                        "cues": [VTTCue-like objects, "region" = index into regions or null]}}
// For each NAME, CORPUS_DIR/NAME.js (the testharness assert block of that test) is evaluated
// with `cues` bound to the rebuilt cue list. Regions become one shared object each, so identity
// comparisons (assert_equals(cue.region, otherRegion)) behave as with real VTTRegion objects.
//
// results.json: {"NAME": {"ok": bool, "asserts": number, "message": string}}
"use strict";

const fs = require("fs");
const path = require("path");

class AssertionError extends Error {}

// testharness.js same_value: NaN equals NaN, 0 and -0 differ.
function sameValue(x, y) {
  if (y !== y) {
    return x !== x;
  }
  if (x === 0 && y === 0) {
    return 1 / x === 1 / y;
  }
  return x === y;
}

function show(value) {
  if (typeof value === "number" && Object.is(value, -0)) {
    return "-0";
  }
  if (typeof value === "string") {
    return JSON.stringify(value);
  }
  if (value !== null && typeof value === "object") {
    try {
      return JSON.stringify(value).slice(0, 200);
    } catch (e) {
      return String(value);
    }
  }
  return String(value);
}

function makeAsserts(counter) {
  function fail(name, description, text) {
    const prefix = description ? `${name}: ${typeof description === "string" ? description : show(description)} ` : `${name}: `;
    throw new AssertionError(prefix + text);
  }
  return {
    assert_equals(actual, expected, description) {
      counter.count += 1;
      if (typeof actual !== typeof expected) {
        fail("assert_equals", description,
          `expected (${typeof expected}) ${show(expected)} but got (${typeof actual}) ${show(actual)}`);
      }
      if (!sameValue(actual, expected)) {
        fail("assert_equals", description, `expected ${show(expected)} but got ${show(actual)}`);
      }
    },
    assert_not_equals(actual, expected, description) {
      counter.count += 1;
      if (sameValue(actual, expected)) {
        fail("assert_not_equals", description, `got disallowed value ${show(actual)}`);
      }
    },
    assert_true(actual, description) {
      counter.count += 1;
      if (actual !== true) {
        fail("assert_true", description, `expected true got ${show(actual)}`);
      }
    },
    assert_false(actual, description) {
      counter.count += 1;
      if (actual !== false) {
        fail("assert_false", description, `expected false got ${show(actual)}`);
      }
    },
  };
}

function rebuild(parsed) {
  const regions = parsed.regions.map((r) => ({
    id: r.id,
    width: r.width,
    lines: r.lines,
    regionAnchorX: r.regionAnchorX,
    regionAnchorY: r.regionAnchorY,
    viewportAnchorX: r.viewportAnchorX,
    viewportAnchorY: r.viewportAnchorY,
    scroll: r.scroll,
  }));
  return parsed.cues.map((c) => ({
    id: c.id,
    startTime: c.startTime,
    endTime: c.endTime,
    text: c.text,
    vertical: c.vertical,
    line: c.line,
    snapToLines: c.snapToLines,
    lineAlign: c.lineAlign,
    position: c.position,
    positionAlign: c.positionAlign,
    size: c.size,
    align: c.align,
    region: c.region === null ? null : regions[c.region],
  }));
}

function main() {
  const corpus = process.argv[2];
  const parsed = JSON.parse(fs.readFileSync(0, "utf8"));
  const results = {};
  for (const name of Object.keys(parsed)) {
    const counter = { count: 0 };
    const asserts = makeAsserts(counter);
    let ok = true;
    let message = "";
    try {
      const code = fs.readFileSync(path.join(corpus, `${name}.js`), "utf8");
      const cues = rebuild(parsed[name]);
      const run = new Function(
        "cues", "assert_equals", "assert_not_equals", "assert_true", "assert_false", code);
      run(cues, asserts.assert_equals, asserts.assert_not_equals, asserts.assert_true,
        asserts.assert_false);
    } catch (err) {
      ok = false;
      message = err instanceof AssertionError ? err.message : `${err.name}: ${err.message}`;
    }
    results[name] = { ok, asserts: counter.count, message };
  }
  process.stdout.write(JSON.stringify(results));
}

main();
