// Draws the reports' charts with the Chart.js that the theme (django-unfold) loads, from the data each page carries
// in a `json_script` element (the Content-Security-Policy runs no inline script). Bars stack per day or hour; a rate, when there is
// one, is a line on a 0-100 % scale of its own. Colours follow the light or dark theme and change with it.
(function () {
  "use strict";

  // One colour per series key, light and dark; refusals and messages that were never sent differ.
  var COLOURS = {
    answered: ["#2e9e52", "#4cc276"],
    delivered: ["#2e9e52", "#4cc276"],
    accepted: ["#2e9e52", "#4cc276"],
    high: ["#2e9e52", "#4cc276"],
    other: ["#aab6c2", "#5f6b77"],
    left: ["#c9d3dd", "#4b5560"],
    undefined: ["#c9d3dd", "#4b5560"],
    no_reply: ["#aab6c2", "#6b7783"],
    used: ["#3a78b5", "#5d9be0"],
    sent: ["#3a78b5", "#5d9be0"],
    medium: ["#e0a526", "#f0bd4a"],
    awaiting: ["#e0a526", "#f0bd4a"],
    low: ["#c94a3d", "#e5685a"],
    refused: ["#c94a3d", "#e5685a"],
    failed: ["#7b3fa0", "#b07ad6"],
    expired: ["#7d8791", "#9aa4ae"],
  };
  var LINE = ["#222222", "#f2f2f2"];

  // The theme resolves its setting (light, dark, or the system's) into a `dark` class on <html>.
  function dark() {
    return document.documentElement.classList.contains("dark");
  }

  function colour(key, isDark) {
    var pair = COLOURS[key] || ["#888888", "#aaaaaa"];
    return pair[isDark ? 1 : 0];
  }

  function locale() {
    return document.documentElement.lang || "vi";
  }

  function config(data, isDark) {
    var ink = isDark ? "#d5d9de" : "#333333";
    var grid = isDark ? "rgba(255,255,255,0.12)" : "rgba(0,0,0,0.08)";
    var datasets = data.series.map(function (series) {
      return {
        type: "bar",
        label: series.label,
        data: series.values,
        backgroundColor: colour(series.key, isDark),
        stack: "bars",
        yAxisID: "y",
        order: 2,
      };
    });
    var scales = {
      x: { stacked: true, ticks: { color: ink, autoSkip: true, maxRotation: 0 }, grid: { display: false } },
      y: {
        stacked: true,
        beginAtZero: true,
        title: { display: true, text: data.axis, color: ink },
        ticks: { color: ink, precision: 0 },
        grid: { color: grid },
      },
    };
    if (data.line) {
      datasets.push({
        type: "line",
        label: data.line.label,
        data: data.line.values,
        borderColor: LINE[isDark ? 1 : 0],
        backgroundColor: LINE[isDark ? 1 : 0],
        yAxisID: "rate",
        spanGaps: true,
        pointRadius: 2,
        order: 1,
      });
      scales.rate = {
        position: "right",
        min: 0,
        max: 100,
        title: { display: true, text: "%", color: ink },
        ticks: { color: ink },
        grid: { drawOnChartArea: false },
      };
    }
    return {
      data: { labels: data.labels, datasets: datasets },
      options: {
        locale: locale(),
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: { position: "bottom", labels: { color: ink } },
          tooltip: { mode: "index", intersect: false },
        },
      },
    };
  }

  function draw() {
    if (!window.Chart) return;
    var isDark = dark();
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      new window.Chart(canvas, config(JSON.parse(source.textContent), isDark));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    // Switching the theme changes the class on <html>: redraw in the new colours.
    new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  });
})();
