/*
 * Test LMS. The test calls harness.start({...}) with page.evaluate; this page then
 *  - loads scorm-again's SCORM 1.2 or 2004 runtime (scorm12.js / scorm2004.js, copied beside it),
 *  - creates window.API / window.API_1484_11 (no commit URL, no autocommit), optionally loaded
 *    with CMI data from an earlier session and optionally only after a delay (Open edX race),
 *  - wraps every API function so that each call is logged: name, arguments, result, the error
 *    code the API holds afterwards, time, and whether it came after a successful finish,
 *  - launches the SCO in an iframe (optionally below intermediate frames) or, on a click, in a
 *    pop-up window.
 */
(function () {
  "use strict";

  const VERSIONS = {
    scorm12: {
      script: "scorm12.js",
      constructor: "Scorm12API",
      global: "API",
      finish: "LMSFinish",
      lastError: "LMSGetLastError",
      functions: [
        "LMSInitialize",
        "LMSFinish",
        "LMSGetValue",
        "LMSSetValue",
        "LMSCommit",
        "LMSGetLastError",
        "LMSGetErrorString",
        "LMSGetDiagnostic",
      ],
    },
    scorm2004: {
      script: "scorm2004.js",
      constructor: "Scorm2004API",
      global: "API_1484_11",
      finish: "Terminate",
      lastError: "GetLastError",
      functions: [
        "Initialize",
        "Terminate",
        "GetValue",
        "SetValue",
        "Commit",
        "GetLastError",
        "GetErrorString",
        "GetDiagnostic",
      ],
    },
  };
  const ERROR_FUNCTIONS = /GetLastError|GetErrorString|GetDiagnostic/;

  const harness = {
    log: [],
    finished: false,
    installed: false,
    api: null,
    version: null,
    popup: null,
  };
  window.harness = harness;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () {
        reject(new Error("cannot load " + src));
      };
      document.head.appendChild(script);
    });
  }

  function wrap(api, version) {
    const lastError = api[version.lastError].bind(api);
    version.functions.forEach(function (name) {
      const original = api[name].bind(api);
      api[name] = function () {
        const args = Array.prototype.slice.call(arguments).map(String);
        const entry = {
          fn: name,
          args: args,
          time: performance.now(),
          afterFinish: harness.finished,
          result: null,
          error: null,
        };
        harness.log.push(entry);
        let result;
        try {
          result = original.apply(null, arguments);
        } catch (e) {
          entry.exception = String(e);
          throw e;
        }
        entry.result = String(result);
        if (!ERROR_FUNCTIONS.test(name)) entry.error = String(lastError());
        if (name === version.finish && entry.result === "true") harness.finished = true;
        return result;
      };
    });
  }

  function frameUrl(sco, depth) {
    return depth > 0 ? "frame.html?depth=" + depth + "&sco=" + encodeURIComponent(sco) : sco;
  }

  harness.start = function (config) {
    const version = VERSIONS[config.runtime];
    if (!version) return Promise.reject(new Error("unknown runtime " + config.runtime));
    return loadScript(version.script).then(function () {
      const settings = Object.assign({ lmsCommitUrl: false, autocommit: false }, config.settings || {});
      const api = new window[version.constructor](settings);
      if (config.cmi) api.loadFromJSON(config.cmi);
      wrap(api, version);
      harness.api = api;
      harness.version = version;
      // The API object appears at once, after apiDelayMs, or when the test calls
      // harness.install() (apiDelayMs < 0): a late LMS frame, as in Open edX.
      harness.install = function () {
        window[version.global] = api;
        harness.installed = true;
      };
      if (config.apiDelayMs > 0) window.setTimeout(harness.install, config.apiDelayMs);
      else if (!(config.apiDelayMs < 0)) harness.install();
      const launch = document.getElementById("launch");
      if (config.popup) {
        const button = document.createElement("button");
        button.type = "button";
        button.id = "open-popup";
        button.textContent = "Open the lesson";
        button.addEventListener("click", function () {
          harness.popup = window.open(frameUrl(config.sco, config.depth || 0), "lesson");
        });
        launch.appendChild(button);
      } else {
        const iframe = document.createElement("iframe");
        iframe.id = "sco-frame";
        iframe.title = "Lesson";
        iframe.src = frameUrl(config.sco, config.depth || 0);
        if (config.allow !== undefined) iframe.allow = config.allow;
        launch.appendChild(iframe);
      }
    });
  };

  /** The learner leaves: the SCO's frame (or pop-up) navigates away, so the SCO gets pagehide. */
  harness.leave = function () {
    if (harness.popup) {
      harness.popup.location.href = new URL("left.html", window.location.href).href;
      return;
    }
    document.getElementById("sco-frame").src = "left.html";
  };

  /** The cmi data the LMS holds now, as scorm-again renders it for a commit. */
  harness.cmi = function () {
    return JSON.parse(JSON.stringify(harness.api.renderCMIToJSONObject())).cmi;
  };

  /** Last value the SCO set for `element` successfully, or null. */
  harness.lastSet = function (element) {
    for (let i = harness.log.length - 1; i >= 0; i -= 1) {
      const entry = harness.log[i];
      if (/SetValue$/.test(entry.fn) && entry.args[0] === element && entry.result === "true") {
        return entry.args[1];
      }
    }
    return null;
  };

  /** Whether the SCO committed after setting `element` to `value`. */
  harness.committedAfterSet = function (element, value) {
    let set = false;
    for (let i = 0; i < harness.log.length; i += 1) {
      const entry = harness.log[i];
      if (/SetValue$/.test(entry.fn) && entry.args[0] === element) set = entry.args[1] === value;
      if (set && /Commit$/.test(entry.fn) && entry.result === "true") return true;
    }
    return false;
  };
})();
