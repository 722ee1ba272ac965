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

  function init(root) { drawCharts(root); copyButtons(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (ev) { init(ev.target); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
