/* Test LMS frame: frame.html?depth=N&sco=URL holds frame.html?depth=N-1 … and finally the SCO. */
(function () {
  "use strict";
  const params = new URLSearchParams(window.location.search);
  const depth = Number(params.get("depth") || "1");
  const sco = params.get("sco");
  const iframe = document.createElement("iframe");
  iframe.title = "Lesson";
  iframe.src = depth > 1 ? "frame.html?depth=" + (depth - 1) + "&sco=" + encodeURIComponent(sco) : sco;
  document.body.appendChild(iframe);
})();
