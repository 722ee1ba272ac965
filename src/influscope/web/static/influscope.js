/* influscope dashboard: charts from JSON blocks (no inline scripts, CSP-friendly), copy buttons,
   leaderboard sorting via htmx. Loaded with `defer`; runs after the vendored libraries. */
(function () {
  "use strict";
  var charts = [];

  function drawCharts(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var src = document.getElementById(el.dataset.chart);
      if (!src) return;
      var option;
      try { option = JSON.parse(src.textContent); } catch (e) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      charts.push(chart);
    });
  }

  function copyButtons(root) {
    (root || document).querySelectorAll("[data-copy]").forEach(function (btn) {
      if (btn.dataset.bound) return;
      btn.dataset.bound = "1";
      btn.addEventListener("click", function () {
        var text = btn.dataset.copy;
        var done = function () { btn.classList.add("copied"); setTimeout(function () { btn.classList.remove("copied"); }, 1500); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, done);
        } else {
          var ta = document.createElement("textarea");
          ta.value = text; document.body.appendChild(ta); ta.select();
          try { document.execCommand("copy"); } catch (e) { /* ignore */ }
          document.body.removeChild(ta); done();
        }
      });
    });
  }

  // The imports page: while the upload is answered, ask the server how far the import is.
  function importProgress() {
    var form = document.getElementById("import-form");
    var box = document.getElementById("import-progress");
    if (!form || !box || !window.fetch) return;
    form.addEventListener("submit", function () {
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      var token = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      form.elements.progress.value = token;
      var bar = box.querySelector("progress"), text = box.querySelector(".import-progress-text");
      var fmt = function (n) { return Number(n).toLocaleString(document.documentElement.lang || undefined); };
      box.hidden = false;
      bar.removeAttribute("value");
      text.textContent = box.dataset.waiting;
      var poll = function () {
        fetch("/imports/progress/" + token, { credentials: "same-origin" }).then(function (r) {
          return r.ok ? r.json() : null;
        }).then(function (p) {
          if (p && p.phase === "writing" && p.total) {
            bar.max = p.total; bar.value = p.rows;
            text.textContent = box.dataset.writing.replace("{rows}", fmt(p.rows)).replace("{total}", fmt(p.total))
              .replace("{rate}", fmt(p.rows_per_s)).replace("{left}", p.seconds_left == null ? "…" : fmt(Math.ceil(p.seconds_left)));
          } else if (p && p.phase !== "done") {
            bar.removeAttribute("value");
            text.textContent = box.dataset.reading;
          }
        }).catch(function () { /* the page is being replaced */ }).then(function () { setTimeout(poll, 500); });
      };
      setTimeout(poll, 300);
    });
  }

  function init(root) { drawCharts(root); copyButtons(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); importProgress(); });
  document.addEventListener("htmx:afterSettle", function (ev) { init(ev.target); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
