/*
 * mooc-builder tracking adapter for SCORM 1.2 (window.API). Needs runtime/common.js.
 *
 * Status: "not attempted" (or empty) -> "incomplete" at start, "completed" once the player says so.
 * Never sets a score, never sets passed/failed, never downgrades passed/completed.
 * cmi.core.exit is "suspend" while incomplete (so the LMS offers resume) and "" once completed.
 */
(function (global) {
  "use strict";

  const common = global.MoocRuntimeCommon;

  const NAMES = {
    init: "LMSInitialize",
    finish: "LMSFinish",
    get: "LMSGetValue",
    set: "LMSSetValue",
    commit: "LMSCommit",
    lastError: "LMSGetLastError",
    errorString: "LMSGetErrorString",
    diagnostic: "LMSGetDiagnostic",
  };
  const STATE_LIMIT = 4096; // cmi.suspend_data: CMIString4096
  const LOCATION_LIMIT = 255; // cmi.core.lesson_location: CMIString255

  global.MoocRuntimes.scorm12 = function createRuntime(lessonData) {
    let session = null;
    let clock = null;
    let mode = "normal";
    let statusDone = false; // the LMS holds completed or passed: never write the status again

    return {
      name: "scorm12",
      stateLimit: STATE_LIMIT,

      start: function () {
        return common.findApi("API", NAMES.init).then(function (api) {
          if (!api) return common.disconnected();
          session = common.createSession(api, NAMES);
          if (!session.initialize()) return common.disconnected();
          clock = common.startClock();
          // Reading these never fails in SCORM 1.2: unset strings come back as "".
          const status = session.get("cmi.core.lesson_status");
          session.get("cmi.core.entry"); // read for the record; suspend_data is used whatever it says
          const location = common.parseLocation(session.get("cmi.core.lesson_location"));
          const state = session.get("cmi.suspend_data");
          mode = common.normalizeMode(session.get("cmi.core.lesson_mode"));
          statusDone = status === "completed" || status === "passed";
          if (mode === "normal" && (status === "" || status === "not attempted")) {
            session.set("cmi.core.lesson_status", "incomplete");
          }
          return {
            connected: true,
            state: state || null,
            location: location,
            completed: statusDone,
            mode: mode,
          };
        });
      },

      save: function (values) {
        if (!session || !session.isOpen() || mode !== "normal") return;
        if (values.location !== null && values.location !== undefined) {
          const location = common.formatLocation(values.location);
          if (location.length <= LOCATION_LIMIT) session.put("cmi.core.lesson_location", location);
        }
        if (typeof values.state === "string") {
          if (values.state.length <= STATE_LIMIT) {
            session.put("cmi.suspend_data", values.state);
          } else {
            common.warn("suspend_data of " + values.state.length + " characters not saved");
          }
        }
        if (values.completed && !statusDone) {
          if (session.set("cmi.core.lesson_status", "completed")) statusDone = true;
        }
        session.put("cmi.core.exit", statusDone ? "" : "suspend");
      },

      commit: function () {
        if (session && session.isOpen()) session.commit();
      },

      finish: function () {
        if (!session || !session.isOpen()) return;
        session.set("cmi.core.session_time", common.scorm12Time(clock.seconds()));
        session.finish();
      },
    };
  };
})(window);
