/*
 * mooc-builder lesson player.
 *
 * Runs inside the LMS as the page of one SCO (lessons/<id>/index.html). Reads the lesson from
 * window.MOOC_LESSON (lesson.js, written by the packager) and talks to the LMS only through the
 * adapter window.MoocRuntimes[MOOC_LESSON.runtime] (runtime/*.js), so adding a standard never
 * touches this file. Plain ES2017, no dependency, no request outside the package, no inline
 * script or style (element.style from script is fine under style-src 'self').
 *
 * Completion: the union of the ranges really played (video.played, plus the ranges saved by
 * earlier sessions) covers completion.min_played of the duration AND, when
 * completion.all_slides, every slide has been shown. Seeking adds nothing to video.played.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------------------------------------
  // Interface strings. {name} is replaced by a value.

  const STRINGS = {
    vi: {
      video: "Video bài giảng",
      slides: "Trang chiếu",
      previous: "Trang trước",
      next: "Trang sau",
      slidePosition: "Trang chiếu {n} trên {total}",
      slideFallback: "Trang chiếu {n}",
      allSlides: "Danh sách trang chiếu",
      seenMark: "(đã xem)",
      notes: "Ghi chú",
      noNotes: "Trang chiếu này không có ghi chú.",
      transcript: "Bản ghi lời thoại",
      captionLanguage: "Ngôn ngữ phụ đề",
      noTranscript: "Bài học này không có bản ghi lời thoại.",
      resumeFrom: "Tiếp tục từ {time}",
      startOver: "Xem lại từ đầu",
      status: "Trạng thái bài học",
      progress: "Tiến độ",
      detailsSlides: "Đã xem {played}% video (cần {required}%) và {seen}/{total} trang chiếu.",
      detailsVideo: "Đã xem {played}% video (cần {required}%).",
      completed: "Đã hoàn thành bài học",
      notCompleted: "Chưa hoàn thành bài học",
      lessonNumber: "Bài {n} trên {count}",
      switchLanguage: "Chuyển giao diện sang",
      trackingOff:
        "Tiến độ học tập không được ghi lại: không kết nối được với hệ thống quản lý học tập (LMS).",
      reviewMode: "Chế độ xem lại: tiến độ học tập không thay đổi.",
      browseMode: "Chế độ xem thử: tiến độ học tập không được ghi lại.",
      videoError: "Không phát được video của bài học này.",
      missingLesson: "Không tải được dữ liệu bài học.",
    },
    en: {
      video: "Lecture video",
      slides: "Slides",
      previous: "Previous slide",
      next: "Next slide",
      slidePosition: "Slide {n} of {total}",
      slideFallback: "Slide {n}",
      allSlides: "List of slides",
      seenMark: "(seen)",
      notes: "Notes",
      noNotes: "This slide has no notes.",
      transcript: "Transcript",
      captionLanguage: "Caption language",
      noTranscript: "This lesson has no transcript.",
      resumeFrom: "Continue from {time}",
      startOver: "Start over",
      status: "Lesson status",
      progress: "Progress",
      detailsSlides: "Watched {played}% of the video ({required}% needed) and {seen} of {total} slides.",
      detailsVideo: "Watched {played}% of the video ({required}% needed).",
      completed: "Lesson completed",
      notCompleted: "Lesson not completed yet",
      lessonNumber: "Lesson {n} of {count}",
      switchLanguage: "Switch the interface to",
      trackingOff: "Your progress is not being recorded: no learning management system (LMS) was found.",
      reviewMode: "Review mode: your progress is not changed.",
      browseMode: "Preview mode: your progress is not recorded.",
      videoError: "The video of this lesson cannot be played.",
      missingLesson: "The lesson data could not be loaded.",
    },
  };
  const LANGUAGE_NAMES = { vi: "Tiếng Việt", en: "English" };
  const STATE_VERSION = "v1";
  const COMMIT_EVERY_MS = 30000; // while playing
  const USER_SCROLL_PAUSE_MS = 4000; // no transcript auto-scroll right after the learner scrolled

  // ---------------------------------------------------------------------------------------------
  // Pure helpers (also exposed on window.MoocPlayer for tests).

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (match, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  /** 75.4 -> "1:15", 3725 -> "1:02:05". */
  function formatClock(seconds) {
    const total = Math.max(0, Math.floor(Number(seconds) || 0));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    return h ? h + ":" + pad2(m) + ":" + pad2(s) : m + ":" + pad2(s);
  }

  function baseLanguage(tag) {
    return String(tag || "").split("-")[0].toLowerCase();
  }

  /** Sorted, non-overlapping copy of [start, end] ranges (touching ranges are joined). */
  function normalizeRanges(ranges) {
    const sorted = (ranges || [])
      .filter(function (r) {
        return r && Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[1] > r[0];
      })
      .map(function (r) {
        return [Math.max(0, r[0]), r[1]];
      })
      .sort(function (a, b) {
        return a[0] - b[0];
      });
    const out = [];
    sorted.forEach(function (r) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1] + 1e-3) {
        last[1] = Math.max(last[1], r[1]);
      } else {
        out.push(r);
      }
    });
    return out;
  }

  function rangesLength(ranges) {
    return ranges.reduce(function (sum, r) {
      return sum + (r[1] - r[0]);
    }, 0);
  }

  function timeRangesToArray(timeRanges) {
    const out = [];
    for (let i = 0; i < timeRanges.length; i += 1) out.push([timeRanges.start(i), timeRanges.end(i)]);
    return out;
  }

  /** Index of the slide shown at time t: the last slide whose start time is <= t. */
  function slideIndexAt(times, count, t) {
    let index = 0;
    const n = Math.min(times.length, count);
    for (let i = 0; i < n; i += 1) {
      if (times[i] <= t + 1e-3) index = i;
    }
    return index;
  }

  /** Index of the last cue starting at or before t, -1 before the first. */
  function cueIndexAt(cues, t) {
    let index = -1;
    for (let i = 0; i < cues.length; i += 1) {
      if (cues[i][0] <= t + 1e-3) index = i;
      else break;
    }
    return index;
  }

  // Saved state, e.g. "v1;p:0-315,402-800;s:0-3,5;t:1234;l:en;c:1":
  //   p played ranges in tenths of a second (start rounded up, end rounded down, so a restored
  //     range never claims more than was played), s slide indexes shown (0-based, runs as a-b),
  //   t position in tenths of a second, l interface language the learner chose, c completed.

  function encodeRange(range) {
    const a = Math.ceil(range[0] * 10 - 1e-6);
    const b = Math.floor(range[1] * 10 + 1e-6);
    return b > a ? a + "-" + b : "";
  }

  function encodeIndexes(indexes) {
    const sorted = Array.from(new Set(indexes))
      .filter(function (i) {
        return Number.isInteger(i) && i >= 0;
      })
      .sort(function (a, b) {
        return a - b;
      });
    const runs = [];
    sorted.forEach(function (i) {
      const last = runs[runs.length - 1];
      if (last && i === last[1] + 1) last[1] = i;
      else runs.push([i, i]);
    });
    return runs
      .map(function (r) {
        return r[0] === r[1] ? String(r[0]) : r[0] + "-" + r[1];
      })
      .join(",");
  }

  function buildState(state, played, withSeen) {
    const parts = [STATE_VERSION];
    const ranges = played.map(encodeRange).filter(Boolean);
    if (ranges.length) parts.push("p:" + ranges.join(","));
    if (withSeen && state.seen && state.seen.length) parts.push("s:" + encodeIndexes(state.seen));
    parts.push("t:" + Math.max(0, Math.floor((Number(state.position) || 0) * 10)));
    if (state.uiLang) parts.push("l:" + state.uiLang);
    if (state.completed) parts.push("c:1");
    return parts.join(";");
  }

  /**
   * The state as text of at most `limit` characters. When too long, the shortest played ranges
   * are dropped first: progress may be lost, but unplayed time is never counted as played.
   */
  function encodeState(state, limit) {
    const max = limit || 4096;
    let played = normalizeRanges(state.played);
    let text = buildState(state, played, true);
    if (text.length <= max) return text;
    const order = played
      .map(function (r, i) {
        return i;
      })
      .sort(function (a, b) {
        return played[a][1] - played[a][0] - (played[b][1] - played[b][0]);
      });
    let excess = text.length - max;
    const dropped = new Set();
    for (let k = 0; k < order.length && excess > 0; k += 1) {
      excess -= encodeRange(played[order[k]]).length + 1;
      dropped.add(order[k]);
    }
    played = played.filter(function (r, i) {
      return !dropped.has(i);
    });
    text = buildState(state, played, true);
    while (text.length > max && played.length) {
      played = played.slice(1);
      text = buildState(state, played, true);
    }
    if (text.length > max) text = buildState(state, [], false);
    return text.length <= max ? text : "";
  }

  function decodeState(text) {
    const state = { played: [], seen: [], position: null, uiLang: null, completed: false };
    if (typeof text !== "string") return state;
    const parts = text.split(";");
    if (parts[0] !== STATE_VERSION) return state;
    parts.slice(1).forEach(function (part) {
      const colon = part.indexOf(":");
      const key = part.slice(0, colon);
      const value = part.slice(colon + 1);
      if (key === "p") {
        value.split(",").forEach(function (item) {
          const m = /^(\d+)-(\d+)$/.exec(item);
          if (m) state.played.push([Number(m[1]) / 10, Number(m[2]) / 10]);
        });
      } else if (key === "s") {
        value.split(",").forEach(function (item) {
          const m = /^(\d+)(?:-(\d+))?$/.exec(item);
          if (!m) return;
          const from = Number(m[1]);
          const to = m[2] === undefined ? from : Math.min(Number(m[2]), from + 10000);
          for (let i = from; i <= to; i += 1) state.seen.push(i);
        });
      } else if (key === "t" && /^\d+$/.test(value)) {
        state.position = Number(value) / 10;
      } else if (key === "l" && Object.prototype.hasOwnProperty.call(STRINGS, value)) {
        state.uiLang = value;
      } else if (key === "c") {
        state.completed = value === "1";
      }
    });
    state.played = normalizeRanges(state.played);
    return state;
  }

  const helpers = {
    fill: fill,
    formatClock: formatClock,
    normalizeRanges: normalizeRanges,
    rangesLength: rangesLength,
    slideIndexAt: slideIndexAt,
    encodeState: encodeState,
    decodeState: decodeState,
  };
  window.MoocPlayer = { helpers: helpers };

  // ---------------------------------------------------------------------------------------------
  // DOM helpers.

  function byId(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function warn() {
    if (window.console) console.warn.apply(console, ["[mooc-player]"].concat(Array.from(arguments)));
  }

  // ---------------------------------------------------------------------------------------------
  // Start.

  const lesson = window.MOOC_LESSON;
  if (!lesson || typeof lesson !== "object" || !lesson.video) {
    const main = byId("mooc-main");
    if (main) {
      main.textContent = "";
      const text = STRINGS.vi.missingLesson + " / " + STRINGS.en.missingLesson;
      main.appendChild(el("p", "mooc-notice", text));
    }
    return;
  }

  const contentLang = lesson.language || "en";
  const captions = (Array.isArray(lesson.captions) ? lesson.captions : []).filter(function (c) {
    return c && c.lang;
  });
  const slideData = lesson.slides || {};
  const slides = Array.isArray(slideData.items) ? slideData.items : [];
  const times = Array.isArray(slideData.times) && slideData.times.length ? slideData.times : null;
  const rule = Object.assign({ min_played: 0.95, all_slides: true }, lesson.completion || {});
  const requireSlides = Boolean(rule.all_slides) && slides.length > 0;
  const reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  const ui = {
    course: byId("mooc-course"),
    title: byId("mooc-title"),
    number: byId("mooc-lesson-number"),
    langToggle: byId("mooc-lang-toggle"),
    tracking: byId("mooc-tracking"),
    resume: byId("mooc-resume"),
    resumeText: byId("mooc-resume-text"),
    startOver: byId("mooc-start-over"),
    videoFrame: byId("mooc-video-frame"),
    slidesSection: byId("mooc-slides"),
    slide: byId("mooc-slide"),
    prev: byId("mooc-prev"),
    next: byId("mooc-next"),
    position: byId("mooc-slide-position"),
    slideList: byId("mooc-slide-list"),
    notesBox: byId("mooc-notes-box"),
    notes: byId("mooc-notes"),
    captionBox: byId("mooc-caption-lang-box"),
    captionSelect: byId("mooc-caption-lang"),
    cues: byId("mooc-cues"),
    progress: byId("mooc-progress"),
    progressValue: byId("mooc-progress-value"),
    details: byId("mooc-progress-details"),
    completion: byId("mooc-completion"),
    live: byId("mooc-live"),
  };

  const startLang = baseLanguage(contentLang);
  const view = {
    uiLang: STRINGS[startLang] ? startLang : "en",
    uiLangChosen: false, // saved only when the learner picked it
    captionLang: null,
    slideIndex: -1,
    syncedIndex: -1, // slide of the playback position last time we looked
    cueIndex: -1,
    lastUserScroll: 0,
    notice: null, // key of the tracking notice shown, if any
    videoFailed: false,
  };
  const progress = { restored: [], seen: new Set(), completed: false, resumeAt: null };
  const tracking = { runtime: null, status: "connecting", finished: false, timer: null };

  function t(key, values) {
    const table = STRINGS[view.uiLang] || STRINGS.en;
    return fill(table[key] !== undefined ? table[key] : STRINGS.en[key], values);
  }

  /** Text of a {vi: …, en: …} map (or plain string) in the interface language if there is one. */
  function pick(value) {
    if (value === null || value === undefined) return { text: "", lang: contentLang };
    if (typeof value === "string") return { text: value, lang: contentLang };
    const wanted = [view.uiLang, contentLang, startLang].concat(Object.keys(value));
    for (let i = 0; i < wanted.length; i += 1) {
      if (value[wanted[i]]) return { text: String(value[wanted[i]]), lang: wanted[i] };
    }
    return { text: "", lang: contentLang };
  }

  /** Mark node as being in `lang` when that differs from the interface language. */
  function setLang(node, lang) {
    if (lang && baseLanguage(lang) !== view.uiLang) node.lang = lang;
    else node.removeAttribute("lang");
  }

  function announce(text) {
    // Clearing first makes screen readers announce a repeated message again.
    ui.live.textContent = "";
    window.setTimeout(function () {
      ui.live.textContent = text;
    }, 60);
  }

  // ---------------------------------------------------------------------------------------------
  // Video and captions.

  const video = document.createElement("video");
  video.id = "mooc-video";
  video.className = "mooc-video__media";
  video.controls = true;
  video.preload = "metadata";
  video.playsInline = true;
  video.setAttribute("playsinline", "");
  if (lesson.video.width && lesson.video.height) {
    video.width = lesson.video.width;
    video.height = lesson.video.height;
    video.style.aspectRatio = lesson.video.width + " / " + lesson.video.height;
  }
  const source = document.createElement("source");
  source.src = lesson.video.src;
  if (lesson.video.type) source.type = lesson.video.type;
  video.appendChild(source);

  const trackFor = {}; // caption language -> TextTrack
  /** The caption track in `lang`, or else one in the same base language ("vi-VN" ~ "vi"). */
  function captionFor(lang) {
    const exact = captions.filter(function (c) {
      return c.lang === lang;
    });
    const related = captions.filter(function (c) {
      return baseLanguage(c.lang) === baseLanguage(lang);
    });
    return exact[0] || related[0] || null;
  }
  const defaultCaption = captions.filter(function (c) {
    return c.default;
  })[0];
  view.captionLang = (captionFor(contentLang) || defaultCaption || captions[0] || { lang: null }).lang;

  // Chromium refuses <track> files on file:// pages (each file is its own origin): there, and
  // whenever a caption file fails to load, the track is made by script from the cues in lesson.js.
  const fromFile = window.location.protocol === "file:";

  function trackLabel(caption) {
    return caption.label || LANGUAGE_NAMES[baseLanguage(caption.lang)] || caption.lang;
  }

  function scriptTrack(caption) {
    if (typeof window.VTTCue !== "function" || !Array.isArray(caption.cues)) return null;
    const track = video.addTextTrack("captions", trackLabel(caption), caption.lang);
    caption.cues.forEach(function (cue) {
      // Cue text is parsed as WebVTT cue text: escape what would read as markup.
      const text = String(cue[2]).replace(/&/g, "&amp;").replace(/</g, "&lt;");
      track.addCue(new window.VTTCue(cue[0], cue[1], text));
    });
    return track;
  }

  captions.forEach(function (caption) {
    if (fromFile) {
      const made = scriptTrack(caption);
      if (made) trackFor[caption.lang] = made;
      return;
    }
    const element = document.createElement("track");
    element.kind = "captions";
    element.srclang = caption.lang;
    element.label = trackLabel(caption);
    element.src = caption.src;
    if (caption.lang === view.captionLang) element.default = true;
    element.addEventListener("error", function () {
      element.track.mode = "disabled";
      const made = scriptTrack(caption);
      if (made) {
        trackFor[caption.lang] = made;
        showCaptionTrack();
      }
    });
    video.appendChild(element);
    trackFor[caption.lang] = element.track;
  });

  function showCaptionTrack() {
    Object.keys(trackFor).forEach(function (lang) {
      trackFor[lang].mode = lang === view.captionLang ? "showing" : "disabled";
    });
  }

  // The learner may pick captions in the video's own menu: the transcript follows. Before the
  // learner has touched the video, a change comes from the browser's automatic track selection
  // (Chromium prefers the browser's language over the `default` track): undo it, the course
  // language comes first.
  let learnerTouchedVideo = false;
  ["pointerdown", "keydown", "play"].forEach(function (type) {
    video.addEventListener(type, function () {
      learnerTouchedVideo = true;
    });
  });
  if (video.textTracks && typeof video.textTracks.addEventListener === "function") {
    video.textTracks.addEventListener("change", function () {
      if (!learnerTouchedVideo) {
        showCaptionTrack();
        return;
      }
      Object.keys(trackFor).forEach(function (lang) {
        if (trackFor[lang].mode === "showing" && lang !== view.captionLang) setCaptionLang(lang);
      });
    });
  }

  function onVideoError() {
    if (view.videoFailed) return;
    view.videoFailed = true;
    const note = el("p", "mooc-notice mooc-notice--error", t("videoError"));
    note.id = "mooc-video-error";
    ui.videoFrame.appendChild(note);
  }
  source.addEventListener("error", onVideoError);
  video.addEventListener("error", onVideoError);

  ui.videoFrame.appendChild(video);

  // ---------------------------------------------------------------------------------------------
  // Transcript.

  function currentCaption() {
    return captionFor(view.captionLang) || captions[0] || null;
  }

  function renderCaptionSelect() {
    ui.captionSelect.textContent = "";
    captions.forEach(function (caption) {
      const option = el("option", null, trackLabel(caption));
      option.value = caption.lang;
      option.lang = caption.lang;
      ui.captionSelect.appendChild(option);
    });
    ui.captionSelect.value = view.captionLang || "";
    ui.captionBox.hidden = captions.length < 2;
  }

  function renderTranscript() {
    const caption = currentCaption();
    ui.cues.textContent = "";
    view.cueIndex = -1;
    if (!caption || !Array.isArray(caption.cues) || !caption.cues.length) {
      ui.cues.removeAttribute("lang");
      ui.cues.appendChild(el("li", "mooc-cues__empty", t("noTranscript")));
      return;
    }
    setLang(ui.cues, caption.lang);
    caption.cues.forEach(function (cue, index) {
      const item = el("li", "mooc-cue");
      const button = el("button", "mooc-cue__button");
      button.type = "button";
      button.dataset.index = String(index);
      button.appendChild(el("span", "mooc-cue__time", formatClock(cue[0])));
      button.appendChild(document.createTextNode(" "));
      button.appendChild(el("span", "mooc-cue__text", String(cue[2]).replace(/\s*\n\s*/g, " ")));
      item.appendChild(button);
      ui.cues.appendChild(item);
    });
    highlightCue();
  }

  function highlightCue() {
    const caption = currentCaption();
    if (!caption || !Array.isArray(caption.cues)) return;
    const index = cueIndexAt(caption.cues, video.currentTime);
    if (index === view.cueIndex) return;
    const buttons = ui.cues.querySelectorAll(".mooc-cue__button");
    if (buttons[view.cueIndex]) buttons[view.cueIndex].removeAttribute("aria-current");
    view.cueIndex = index;
    if (buttons[index]) {
      buttons[index].setAttribute("aria-current", "true");
      keepInView(buttons[index].parentNode);
    }
  }

  /** Scroll the transcript list (never the page, never the focus) so `item` is visible. */
  function keepInView(item) {
    const list = ui.cues;
    if (Date.now() - view.lastUserScroll < USER_SCROLL_PAUSE_MS) return;
    if (list.scrollHeight <= list.clientHeight) return;
    const top = item.offsetTop;
    const bottom = top + item.offsetHeight;
    if (top >= list.scrollTop && bottom <= list.scrollTop + list.clientHeight) return;
    const target = Math.max(0, top - list.clientHeight / 3);
    const smooth = !(reducedMotion && reducedMotion.matches);
    if (typeof list.scrollTo === "function") {
      list.scrollTo({ top: target, behavior: smooth ? "smooth" : "auto" });
    } else {
      list.scrollTop = target;
    }
  }

  ["wheel", "touchmove", "keydown", "pointerdown"].forEach(function (type) {
    ui.cues.addEventListener(
      type,
      function () {
        view.lastUserScroll = Date.now();
      },
      { passive: true }
    );
  });

  ui.cues.addEventListener("click", function (event) {
    const button = event.target.closest ? event.target.closest("button[data-index]") : null;
    const caption = currentCaption();
    if (!button || !caption) return;
    const cue = caption.cues[Number(button.dataset.index)];
    if (cue) video.currentTime = cue[0];
  });

  function setCaptionLang(lang) {
    const caption = captionFor(lang);
    if (!caption) return;
    view.captionLang = caption.lang;
    ui.captionSelect.value = caption.lang;
    showCaptionTrack();
    renderTranscript();
  }

  ui.captionSelect.addEventListener("change", function () {
    setCaptionLang(ui.captionSelect.value);
  });

  // ---------------------------------------------------------------------------------------------
  // Slides.

  function slideTitle(index) {
    const item = slides[index];
    if (item && item.title) return { text: String(item.title), lang: contentLang };
    return { text: t("slideFallback", { n: index + 1 }), lang: view.uiLang };
  }

  /** Text alternative of a slide picture: its title and paragraphs, as sentences. */
  function slideAltText(index) {
    const item = slides[index];
    const parts = [slideTitle(index).text].concat(
      (item.paragraphs || []).map(function (p) {
        return p && p.text;
      })
    );
    return parts
      .map(function (s) {
        return String(s || "").replace(/\s+/g, " ").trim();
      })
      .filter(Boolean)
      .map(function (s) {
        return /[.!?…:;]$/.test(s) ? s : s + ".";
      })
      .join(" ");
  }

  /** Nested bullet lists from paragraphs with levels 0, 1, 2, … */
  function paragraphList(paragraphs) {
    const root = el("ul", "mooc-slide__list");
    const stack = [root];
    paragraphs.forEach(function (p) {
      if (!p || !String(p.text || "").trim()) return;
      const level = Math.max(0, Math.min(8, Math.floor(Number(p.level) || 0)));
      while (stack.length - 1 > level) stack.pop();
      while (stack.length - 1 < level) {
        const parent = stack[stack.length - 1];
        let holder = parent.lastElementChild;
        if (!holder) {
          holder = el("li", "mooc-slide__holder");
          parent.appendChild(holder);
        }
        const sub = el("ul", "mooc-slide__list");
        holder.appendChild(sub);
        stack.push(sub);
      }
      stack[stack.length - 1].appendChild(el("li", null, String(p.text)));
    });
    return root;
  }

  function fraction(value) {
    const n = Number(value);
    return Number.isFinite(n) ? String(Math.max(0, Math.min(1, n))) : "0";
  }

  /** Fractions of the slide ({left, top, width, height}) as custom properties for the CSS. */
  function place(node, box) {
    node.style.setProperty("--x", fraction(box.left));
    node.style.setProperty("--y", fraction(box.top));
    node.style.setProperty("--w", fraction(box.width));
    node.style.setProperty("--h", fraction(box.height));
  }

  function renderSlide(index) {
    const item = slides[index];
    ui.slide.textContent = "";
    if (!item) return;
    const title = slideTitle(index);
    if (slideData.mode === "html") {
      const box = el("div", "mooc-slide__html");
      box.lang = contentLang;
      const text = el("div", "mooc-slide__text");
      const heading = el("h3", "mooc-slide__title", title.text);
      if (title.lang !== contentLang) heading.lang = title.lang;
      text.appendChild(heading);
      // One list per text shape of the deck (in reading order), or all paragraphs in one.
      const blocks = item.blocks || [{ box: null, paragraphs: item.paragraphs || [] }];
      const placed = Boolean(item.title_box) && blocks.every(function (b) { return b.box; });
      blocks.forEach(function (block) {
        const list = paragraphList(block.paragraphs || []);
        if (placed) place(list, block.box);
        text.appendChild(list);
      });
      box.appendChild(text);
      if (placed) {
        // Where the deck puts title and text; the stylesheet uses it on wide slides only.
        box.classList.add("mooc-slide__html--placed");
        place(heading, item.title_box);
      }
      (item.pictures || []).forEach(function (picture) {
        const img = el("img", "mooc-slide__picture");
        img.src = picture.src;
        img.alt = picture.decorative ? "" : String(picture.alt || "");
        img.decoding = "async";
        place(img, picture);
        box.appendChild(img);
      });
      ui.slide.appendChild(box);
    } else {
      const img = el("img", "mooc-slide__image");
      img.src = item.image;
      img.alt = slideAltText(index);
      img.lang = contentLang;
      img.decoding = "async";
      ui.slide.appendChild(img);
    }
  }

  /** Build the list of slide titles (again when the interface language changes). */
  function renderSlideList() {
    ui.slideList.textContent = "";
    slides.forEach(function (item, index) {
      const li = el("li");
      const button = el("button", "mooc-slide-list__button");
      button.type = "button";
      button.dataset.index = String(index);
      const title = slideTitle(index);
      const label = el("span", null, title.text);
      setLang(label, title.lang);
      button.appendChild(label);
      button.appendChild(document.createTextNode(" "));
      button.appendChild(el("span", "mooc-slide-list__seen", t("seenMark")));
      li.appendChild(button);
      ui.slideList.appendChild(li);
    });
    updateSlideList();
  }

  /** Mark the current and the seen slides in place: a rebuild would drop the keyboard focus. */
  function updateSlideList() {
    Array.prototype.forEach.call(ui.slideList.querySelectorAll("button[data-index]"), function (button) {
      const index = Number(button.dataset.index);
      if (index === view.slideIndex) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
      button.querySelector(".mooc-slide-list__seen").hidden = !progress.seen.has(index);
    });
  }

  function setDisabled(button, disabled) {
    // aria-disabled keeps the button focusable: focus is not lost when the last slide is reached.
    if (disabled) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }

  function renderSlideChrome() {
    if (!slides.length) {
      ui.slidesSection.hidden = true;
      return;
    }
    const index = Math.max(0, view.slideIndex);
    ui.position.textContent = t("slidePosition", { n: index + 1, total: slides.length });
    setDisabled(ui.prev, index <= 0);
    setDisabled(ui.next, index >= slides.length - 1);
    ui.slidesSection.dataset.currentSlide = String(index + 1);
    updateSlideList();
    const notes = slides[index] && slides[index].notes ? String(slides[index].notes) : "";
    ui.notes.textContent = notes || t("noNotes");
    setLang(ui.notes, notes ? contentLang : view.uiLang);
  }

  function showSlide(index, announceChange) {
    if (!slides.length) return;
    const target = Math.max(0, Math.min(slides.length - 1, index));
    const changed = target !== view.slideIndex;
    view.slideIndex = target;
    progress.seen.add(target);
    if (changed) renderSlide(target);
    renderSlideChrome();
    if (changed && announceChange) {
      announce(t("slidePosition", { n: target + 1, total: slides.length }) + ": " + slideTitle(target).text);
    }
    evaluate();
  }

  /** Follow playback: change the slide when the position crosses a slide time (or on seek). */
  function syncSlide(force) {
    if (!times || !slides.length) return;
    const index = slideIndexAt(times, slides.length, video.currentTime);
    if (force || index !== view.syncedIndex) {
      view.syncedIndex = index;
      showSlide(index, true);
    }
  }

  ui.prev.addEventListener("click", function () {
    if (ui.prev.getAttribute("aria-disabled") !== "true") showSlide(view.slideIndex - 1, true);
  });
  ui.next.addEventListener("click", function () {
    if (ui.next.getAttribute("aria-disabled") !== "true") showSlide(view.slideIndex + 1, true);
  });
  ui.slideList.addEventListener("click", function (event) {
    const button = event.target.closest ? event.target.closest("button[data-index]") : null;
    if (!button) return;
    showSlide(Number(button.dataset.index), true);
  });

  // ---------------------------------------------------------------------------------------------
  // Progress and completion.

  function duration() {
    const d = video.duration;
    return Number.isFinite(d) && d > 0 ? d : Number(lesson.video.duration) || 0;
  }

  function playedRanges() {
    return normalizeRanges(progress.restored.concat(timeRangesToArray(video.played)));
  }

  function measure() {
    const d = duration();
    const played = d > 0 ? Math.min(1, rangesLength(playedRanges()) / d) : 0;
    const needed = Number(rule.min_played) || 0;
    const playedPart = needed > 0 ? Math.min(1, played / needed) : 1;
    const slidesPart = requireSlides ? Math.min(1, progress.seen.size / slides.length) : 1;
    const met = (needed <= 0 || played >= needed - 1e-9) && slidesPart >= 1;
    const weighted = requireSlides ? 0.8 * playedPart + 0.2 * slidesPart : playedPart;
    return { played: played, met: met, value: weighted };
  }

  /** progress_measure: 1 only when completed. */
  function progressValue(m) {
    return progress.completed ? 1 : Math.min(0.99, Math.floor(m.value * 10000) / 10000);
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function renderStatus(m) {
    const value = progressValue(m);
    const percent = Math.round(value * 100);
    if (Number(ui.progress.value) !== percent) ui.progress.value = percent;
    setText(ui.progressValue, percent + "%");
    const values = {
      played: Math.floor(m.played * 100),
      required: Math.round((Number(rule.min_played) || 0) * 100),
      seen: progress.seen.size,
      total: slides.length,
    };
    setText(ui.details, t(requireSlides ? "detailsSlides" : "detailsVideo", values));
    setText(ui.completion, t(progress.completed ? "completed" : "notCompleted"));
    ui.completion.classList.toggle("is-complete", progress.completed);
  }

  function evaluate() {
    const m = measure();
    let justCompleted = false;
    if (!progress.completed && m.met) {
      progress.completed = true;
      justCompleted = true;
    }
    renderStatus(m);
    if (justCompleted) {
      announce(t("completed"));
      persist(true); // record completion at once
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Tracking: everything goes through the runtime adapter.

  function persist(commit) {
    const runtime = tracking.runtime;
    if (!runtime || tracking.status !== "on" || tracking.finished) return;
    try {
      const position = video.currentTime || 0;
      const state = encodeState(
        {
          played: playedRanges(),
          seen: Array.from(progress.seen),
          position: position,
          uiLang: view.uiLangChosen ? view.uiLang : null,
          completed: progress.completed,
        },
        runtime.stateLimit || 4096
      );
      runtime.save({
        state: state,
        location: Math.floor(position * 10) / 10,
        progress: progressValue(measure()),
        completed: progress.completed,
      });
      if (commit) runtime.commit();
    } catch (e) {
      warn("saving progress failed", e);
    }
  }

  function finish() {
    if (tracking.finished) return;
    persist(false);
    tracking.finished = true;
    stopCommitTimer();
    if (tracking.runtime) {
      try {
        tracking.runtime.finish();
      } catch (e) {
        warn("finishing the session failed", e);
      }
    }
  }

  function startCommitTimer() {
    if (tracking.timer === null) {
      tracking.timer = window.setInterval(function () {
        persist(true);
      }, COMMIT_EVERY_MS);
    }
  }

  function stopCommitTimer() {
    if (tracking.timer !== null) {
      window.clearInterval(tracking.timer);
      tracking.timer = null;
    }
  }

  const NOTICES = { off: "trackingOff", review: "reviewMode", browse: "browseMode" };

  function renderNotice() {
    const key = NOTICES[tracking.status] || null;
    view.notice = key;
    ui.tracking.hidden = !key;
    ui.tracking.textContent = key ? t(key) : "";
  }

  function setTracking(status) {
    tracking.status = status;
    renderNotice();
  }

  /** Put the learner back where the last session ended, if that is worth it. */
  function resumeAt(position) {
    const d = duration();
    // Not worth it near either end: a few seconds in, or (almost) at the end of the video.
    if (position === null || position === undefined || !(position > 5) || (d && position > d - 5)) {
      return;
    }
    if (video.played.length > 0 || video.currentTime > 0.5) return; // the learner already started
    progress.resumeAt = position;
    const seek = function () {
      // "Start over" before the metadata arrived cancels the jump.
      if (progress.resumeAt !== null) video.currentTime = progress.resumeAt;
    };
    if (video.readyState >= 1) seek();
    else video.addEventListener("loadedmetadata", seek, { once: true });
    if (times) {
      view.syncedIndex = slideIndexAt(times, slides.length, position);
      showSlide(view.syncedIndex, false);
    }
    ui.resume.hidden = false;
    renderResume();
  }

  function renderResume() {
    if (progress.resumeAt !== null && !ui.resume.hidden) {
      ui.resumeText.textContent = t("resumeFrom", { time: formatClock(progress.resumeAt) });
    }
  }

  function hideResume() {
    ui.resume.hidden = true;
  }

  ui.startOver.addEventListener("click", function () {
    progress.resumeAt = null;
    video.currentTime = 0;
    syncSlide(true); // no "seeked" event comes when the video was not loaded yet
    hideResume();
    video.focus(); // the button is gone: put the focus on the video, the next thing to use
  });

  function restore(info) {
    const saved = decodeState(info.state);
    progress.restored = saved.played;
    saved.seen.forEach(function (i) {
      if (i < slides.length) progress.seen.add(i);
    });
    if (info.completed || saved.completed) progress.completed = true;
    if (saved.uiLang && !view.uiLangChosen) setUiLang(saved.uiLang, true);
    const position = info.location !== null && info.location !== undefined ? info.location : saved.position;
    resumeAt(position);
    renderSlideChrome();
  }

  function connect() {
    const factory = window.MoocRuntimes && window.MoocRuntimes[lesson.runtime];
    if (typeof factory !== "function") {
      setTracking("off");
      return;
    }
    let runtime;
    try {
      runtime = factory(lesson);
    } catch (e) {
      warn("the runtime adapter could not be created", e);
      setTracking("off");
      return;
    }
    Promise.resolve()
      .then(function () {
        return runtime.start();
      })
      .then(function (info) {
        if (!info || !info.connected) {
          setTracking("off");
          return;
        }
        tracking.runtime = runtime;
        if (tracking.finished) {
          runtime.finish(); // the page went away while we were connecting
          return;
        }
        restore(info);
        setTracking(info.mode === "review" || info.mode === "browse" ? info.mode : "on");
        evaluate();
        persist(true);
        if (!video.paused) startCommitTimer();
      })
      .catch(function (e) {
        warn("the runtime did not start", e);
        setTracking("off");
      });
  }

  // ---------------------------------------------------------------------------------------------
  // Interface language.

  function renderTitles() {
    const course = pick(lesson.course && lesson.course.title);
    setText(ui.course, course.text);
    setLang(ui.course, course.lang);
    const title = pick(lesson.lesson && lesson.lesson.title);
    if (title.text) {
      setText(ui.title, title.text);
      setLang(ui.title, title.lang);
      document.title = title.text;
    }
    const number = lesson.lesson && lesson.lesson.number;
    const count = lesson.lesson && lesson.lesson.count;
    ui.number.hidden = !(number && count > 1);
    if (!ui.number.hidden) setText(ui.number, t("lessonNumber", { n: number, count: count }));
  }

  function renderToggle() {
    const other = view.uiLang === "vi" ? "en" : "vi";
    const button = ui.langToggle;
    button.textContent = "";
    button.appendChild(el("span", "mooc-visually-hidden", t("switchLanguage") + " "));
    const name = el("span", null, LANGUAGE_NAMES[other]);
    name.lang = other;
    button.appendChild(name);
    button.dataset.lang = other;
    button.hidden = false;
  }

  function setUiLang(lang, chosen) {
    if (!STRINGS[lang]) return;
    view.uiLang = lang;
    if (chosen) view.uiLangChosen = true;
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (node) {
      node.textContent = t(node.dataset.i18n);
    });
    video.setAttribute("aria-label", t("video"));
    renderTitles();
    renderToggle();
    renderNotice();
    renderResume();
    if (view.videoFailed) setText(byId("mooc-video-error"), t("videoError"));
    if (view.slideIndex >= 0) {
      renderSlide(view.slideIndex); // fallback titles are in the interface language
      renderSlideList();
      renderSlideChrome();
    }
    // Captions and transcript follow the interface language when the lesson has it.
    const caption = captionFor(lang);
    if (chosen && caption && caption.lang !== view.captionLang) setCaptionLang(caption.lang);
    else renderTranscript();
    evaluate();
  }

  ui.langToggle.addEventListener("click", function () {
    setUiLang(ui.langToggle.dataset.lang, true);
  });

  // ---------------------------------------------------------------------------------------------
  // Wiring.

  video.addEventListener("timeupdate", function () {
    syncSlide(false);
    highlightCue();
    evaluate();
  });
  video.addEventListener("seeked", function () {
    syncSlide(true);
    highlightCue();
  });
  video.addEventListener("play", hideResume);
  video.addEventListener("playing", startCommitTimer);
  video.addEventListener("pause", function () {
    stopCommitTimer();
    evaluate();
    persist(true);
  });
  video.addEventListener("ended", function () {
    stopCommitTimer();
    evaluate();
    persist(true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") persist(true);
  });
  // pagehide, not unload/beforeunload: Chromium and Moodle's Permissions-Policy block unload.
  window.addEventListener("pagehide", finish);
  // Back from the back/forward cache after pagehide: the session is over, say so.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && tracking.finished) setTracking("off");
  });

  renderCaptionSelect();
  showCaptionTrack();
  if (slides.length && slideData.aspect > 0) ui.slide.style.aspectRatio = String(slideData.aspect);
  if (slides.length) {
    view.syncedIndex = 0;
    showSlide(0, false);
  }
  ui.notesBox.hidden = !slides.some(function (s) {
    return s && s.notes;
  });
  setUiLang(view.uiLang, false);
  connect();

  /** What the player believes, for tests and for debugging in the browser console. */
  window.MoocPlayer.snapshot = function () {
    const m = measure();
    return {
      played: m.played,
      playedRanges: playedRanges(),
      seen: Array.from(progress.seen).sort(function (a, b) {
        return a - b;
      }),
      slide: view.slideIndex + 1,
      completed: progress.completed,
      progress: progressValue(m),
      tracking: tracking.status,
      uiLang: view.uiLang,
      captionLang: view.captionLang,
    };
  };
})();
