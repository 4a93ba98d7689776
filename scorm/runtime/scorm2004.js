/*
 * mooc-builder tracking adapter for SCORM 2004 4th edition (window.API_1484_11). Needs
 * runtime/common.js.
 *
 * cmi.completion_status: "not attempted"/"unknown" -> "incomplete" at start, "completed" once the
 * player says so; cmi.progress_measure follows the player (1 only when completed).
 * cmi.success_status is never touched: a video lesson has no assessment, so it stays "unknown".
 * cmi.location and cmi.suspend_data are read only when cmi.entry is "resume": on a fresh attempt
 * a conforming LMS answers 403 (value not initialized), and a fresh attempt must make no error.
 */
(function (global) {
  "use strict";

  const common = global.MoocRuntimeCommon;

  const NAMES = {
    init: "Initialize",
    finish: "Terminate",
    get: "GetValue",
    set: "SetValue",
    commit: "Commit",
    lastError: "GetLastError",
    errorString: "GetErrorString",
    diagnostic: "GetDiagnostic",
  };
  const STATE_LIMIT = 64000; // cmi.suspend_data: characterstring SPM 64000
  const LOCATION_LIMIT = 1000; // cmi.location: characterstring SPM 1000

  global.MoocRuntimes.scorm2004 = function createRuntime(lessonData) {
    let session = null;
    let clock = null;
    let mode = "normal";
    let statusDone = false;

    return {
      name: "scorm2004",
      stateLimit: STATE_LIMIT,

      start: function () {
        return common.findApi("API_1484_11", NAMES.init).then(function (api) {
          if (!api) return common.disconnected();
          session = common.createSession(api, NAMES);
          if (!session.initialize()) return common.disconnected();
          clock = common.startClock();
          mode = common.normalizeMode(session.get("cmi.mode"));
          const status = session.get("cmi.completion_status");
          const entry = session.get("cmi.entry");
          let location = null;
          let state = null;
          if (entry === "resume") {
            location = common.parseLocation(session.get("cmi.location"));
            state = session.get("cmi.suspend_data") || null;
          }
          statusDone = status === "completed";
          if (mode === "normal" && (status === "" || status === "unknown" || status === "not attempted")) {
            session.set("cmi.completion_status", "incomplete");
          }
          return { connected: true, state: state, location: location, completed: statusDone, mode: mode };
        });
      },

      save: function (values) {
        if (!session || !session.isOpen() || mode !== "normal") return;
        if (values.location !== null && values.location !== undefined) {
          const location = common.formatLocation(values.location);
          if (location.length <= LOCATION_LIMIT) session.put("cmi.location", location);
        }
        if (typeof values.state === "string") {
          if (values.state.length <= STATE_LIMIT) {
            session.put("cmi.suspend_data", values.state);
          } else {
            common.warn("suspend_data of " + values.state.length + " characters not saved");
          }
        }
        if (typeof values.progress === "number" && Number.isFinite(values.progress)) {
          // Never report 1 for an incomplete lesson: an LMS with a completion threshold would
          // derive "completed" from it.
          const done = values.completed || statusDone;
          const progress = done ? values.progress : Math.min(values.progress, 0.9999);
          session.put("cmi.progress_measure", common.formatMeasure(progress));
        }
        if (values.completed && !statusDone) {
          if (session.set("cmi.completion_status", "completed")) statusDone = true;
        }
        session.put("cmi.exit", statusDone ? "normal" : "suspend");
      },

      commit: function () {
        if (session && session.isOpen()) session.commit();
      },

      finish: function () {
        if (!session || !session.isOpen()) return;
        session.set("cmi.session_time", common.iso8601Duration(clock.seconds()));
        session.finish();
      },
    };
  };
})(window);
