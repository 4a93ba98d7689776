/*
 * mooc-builder runtime helpers shared by the tracking adapters (scorm12.js, scorm2004.js, later
 * xapi.js and cmi5.js). Loaded before the adapter and before player.js; defines nothing but
 * window.MoocRuntimeCommon and an empty window.MoocRuntimes registry.
 *
 * An adapter is a factory registered as window.MoocRuntimes[<name>] = function (lessonData) {…}
 * returning {name, stateLimit, start(), save({state, location, progress, completed}), commit(),
 * finish()}; see scorm/README.md. Adapters never throw into the player: every problem is logged
 * with console.warn and the player carries on without tracking.
 */
(function (global) {
  "use strict";

  global.MoocRuntimes = global.MoocRuntimes || {};

  const PREFIX = "[mooc-runtime]";

  function warn() {
    if (global.console && typeof global.console.warn === "function") {
      global.console.warn.apply(global.console, [PREFIX].concat(Array.prototype.slice.call(arguments)));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // API discovery. The LMS puts its API object on one of the windows above the SCO (a frameset or
  // iframe chain, same origin) or on the window that opened the SCO in a pop-up. A window we may
  // not read (another origin) throws on property access: such windows are skipped.

  function apiOn(win, name, probe) {
    try {
      const api = win[name];
      // A DOM element with id="API" is also reachable as window.API: insist on the function.
      if (api && typeof api[probe] === "function") return api;
    } catch (e) {
      /* cross-origin window: not ours to read */
    }
    return null;
  }

  function searchUpwards(start, name, probe) {
    let win = start;
    for (let depth = 0; win && depth < 64; depth += 1) {
      const api = apiOn(win, name, probe);
      if (api) return api;
      let parent = null;
      try {
        parent = win.parent;
      } catch (e) {
        parent = null;
      }
      if (!parent || parent === win) break;
      win = parent;
    }
    return null;
  }

  /** One search: this window and its parents up to the top, then the opener(s) and their parents. */
  function scanForApi(name, probe, from) {
    const start = from || global;
    const found = searchUpwards(start, name, probe);
    if (found) return found;
    const openers = [];
    try {
      if (start.opener && !start.opener.closed) openers.push(start.opener);
    } catch (e) {
      /* ignore */
    }
    try {
      const topOpener = start.top.opener;
      if (topOpener && !topOpener.closed && openers.indexOf(topOpener) < 0) openers.push(topOpener);
    } catch (e) {
      /* ignore */
    }
    for (let i = 0; i < openers.length; i += 1) {
      const api = searchUpwards(openers[i], name, probe);
      if (api) return api;
    }
    return null;
  }

  /**
   * Resolve with the API object, or null after `timeout` ms. Retrying matters: Open edX and some
   * other LMSs create the API after the SCO frame has started loading.
   */
  function findApi(name, probe, options) {
    const opts = options || {};
    const timeout = opts.timeout === undefined ? 5000 : opts.timeout;
    const interval = opts.interval || 200;
    const deadline = Date.now() + timeout;
    return new Promise(function (resolve) {
      (function attempt() {
        const api = scanForApi(name, probe);
        if (api || Date.now() >= deadline) {
          resolve(api);
        } else {
          setTimeout(attempt, interval);
        }
      })();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Time.

  function now() {
    return global.performance && typeof global.performance.now === "function"
      ? global.performance.now()
      : Date.now();
  }

  /** A stopwatch started at creation; seconds() is the time elapsed since. */
  function startClock() {
    const started = now();
    return {
      seconds: function () {
        return Math.max(0, (now() - started) / 1000);
      },
    };
  }

  function pad(n, width) {
    let s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }

  /** Split seconds into whole hours, minutes, seconds and hundredths (rounded to hundredths). */
  function parts(seconds) {
    let cs = Math.round(Math.max(0, Number(seconds) || 0) * 100);
    const h = Math.floor(cs / 360000);
    cs -= h * 360000;
    const m = Math.floor(cs / 6000);
    cs -= m * 6000;
    return { h: h, m: m, s: Math.floor(cs / 100), cs: cs % 100 };
  }

  /** SCORM 1.2 CMITimespan: HHHH:MM:SS.SS (2–4 hour digits, 2 decimals), capped at 9999 h. */
  function scorm12Time(seconds) {
    const p = parts(Math.min(Number(seconds) || 0, 9999 * 3600 + 59 * 60 + 59.99));
    return pad(p.h, 2) + ":" + pad(p.m, 2) + ":" + pad(p.s, 2) + "." + pad(p.cs, 2);
  }

  /** ISO 8601 duration for SCORM 2004 timeinterval: PT1H2M3.45S, at most 2 decimals; 0 = PT0S. */
  function iso8601Duration(seconds) {
    const p = parts(seconds);
    let out = "PT";
    if (p.h) out += p.h + "H";
    if (p.m) out += p.m + "M";
    if (p.s || p.cs || (!p.h && !p.m)) {
      out += p.s;
      if (p.cs) out += "." + pad(p.cs, 2).replace(/0$/, "");
      out += "S";
    }
    return out;
  }

  /** A resume position (seconds) as text with at most one decimal: 123.4 -> "123.4". */
  function formatLocation(seconds) {
    const value = Math.max(0, Math.round((Number(seconds) || 0) * 10) / 10);
    return String(value);
  }

  /** Inverse of formatLocation; null for anything that is not a finite, non-negative number. */
  function parseLocation(text) {
    if (text === null || text === undefined || text === "") return null;
    const value = Number(text);
    return Number.isFinite(value) && value >= 0 ? value : null;
  }

  /** A measure in 0..1 as text with at most 7 decimals (SCORM 2004 real(10,7)). */
  function formatMeasure(value) {
    const clamped = Math.min(1, Math.max(0, Number(value) || 0));
    return String(Math.round(clamped * 1e7) / 1e7);
  }

  // ---------------------------------------------------------------------------------------------
  // Guarded calls. A session wraps one LMS API object: it refuses every call before a successful
  // initialize and after finish (so nothing reaches the API after LMSFinish/Terminate), never lets
  // an exception escape, asks the LMS for its last error after each call and keeps what failed.

  /**
   * names: {init, finish, get, set, commit, lastError, errorString, diagnostic} – the API's
   * function names in this standard.
   */
  function createSession(api, names) {
    const errors = [];
    const written = Object.create(null);
    let stage = "new"; // "new" -> "open" -> "closed"

    function safe(fn, args) {
      try {
        const result = api[fn].apply(api, args);
        return result === undefined || result === null ? "" : String(result);
      } catch (e) {
        record(fn, args, "exception", String(e && e.message ? e.message : e), "");
        return "";
      }
    }

    function record(fn, args, code, text, diagnostic) {
      const entry = { fn: fn, args: args, code: code, text: text, diagnostic: diagnostic };
      errors.push(entry);
      warn(fn + "(" + args.map(JSON.stringify).join(", ") + ") failed: " + code + " " + text, diagnostic);
    }

    function checkError(fn, args) {
      const code = safe(names.lastError, []);
      if (code !== "" && code !== "0") {
        record(fn, args, code, safe(names.errorString, [code]), safe(names.diagnostic, [code]));
      }
    }

    function call(fn, args) {
      if (stage !== "open") {
        warn(fn + " refused: the session is " + (stage === "new" ? "not initialized" : "finished"));
        return "";
      }
      const result = safe(fn, args);
      checkError(fn, args);
      return result;
    }

    return {
      errors: errors,
      isOpen: function () {
        return stage === "open";
      },
      initialize: function () {
        if (stage !== "new") return stage === "open";
        const ok = safe(names.init, [""]) === "true";
        if (ok) {
          stage = "open";
        } else {
          checkError(names.init, [""]);
          stage = "closed";
        }
        return ok;
      },
      get: function (element) {
        return call(names.get, [element]);
      },
      set: function (element, value) {
        const ok = call(names.set, [element, String(value)]) === "true";
        if (ok) written[element] = String(value);
        return ok;
      },
      /** set() only when the value differs from what this session last wrote. */
      put: function (element, value) {
        if (written[element] === String(value)) return true;
        return this.set(element, value);
      },
      commit: function () {
        return call(names.commit, [""]) === "true";
      },
      /** Idempotent. After it, every call is refused – even a failed finish closes the session. */
      finish: function () {
        if (stage !== "open") return false;
        const ok = safe(names.finish, [""]) === "true";
        if (!ok) checkError(names.finish, [""]);
        stage = "closed";
        return ok;
      },
    };
  }

  /** What start() resolves with when there is no LMS to talk to. */
  function disconnected() {
    return { connected: false, state: null, location: null, completed: false, mode: "normal" };
  }

  /** cmi mode values are browse | normal | review; anything else (or nothing) counts as normal. */
  function normalizeMode(value) {
    return value === "browse" || value === "review" ? value : "normal";
  }

  global.MoocRuntimeCommon = {
    warn: warn,
    scanForApi: scanForApi,
    findApi: findApi,
    startClock: startClock,
    scorm12Time: scorm12Time,
    iso8601Duration: iso8601Duration,
    formatLocation: formatLocation,
    parseLocation: parseLocation,
    formatMeasure: formatMeasure,
    createSession: createSession,
    disconnected: disconnected,
    normalizeMode: normalizeMode,
  };
})(window);
