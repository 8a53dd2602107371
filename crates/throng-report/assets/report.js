// throng's HTML report: draws the charts over time as inline SVG from the
// JSON in #throng-data. Hand-written, no library, nothing fetched.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var HEIGHT = 250;
  var MARGIN = { top: 22, right: 16, bottom: 36, left: 68 };
  var BAND_COLORS = ["#6366f1", "#f59e0b", "#10b981", "#ec4899", "#0ea5e9", "#84cc16"];

  var data = JSON.parse(document.getElementById("throng-data").textContent);
  var timeline = data.timeline || [];
  var bands = (data.scenarios || []).map(function (band, i) {
    return { name: band.name, start: band.start_s, end: band.end_s, color: BAND_COLORS[i % BAND_COLORS.length] };
  });

  function column(key) {
    return timeline.map(function (p) { return p[key] === undefined ? null : p[key]; });
  }

  // Errors: the failed share of each second's requests; none sent, no value.
  var errorRate = timeline.map(function (p) {
    return p.req_per_s > 0 ? (100 * p.failed_per_s) / p.req_per_s : null;
  });

  var charts = [
    {
      id: "chart-latency", unit: "ms", format: formatMs, axisLabel: "latency (ms)",
      series: [
        { name: "p50", color: "#2f5bd3", values: column("p50_ms") },
        { name: "p95", color: "#e8830c", values: column("p95_ms") },
        { name: "p99", color: "#c81e1e", values: column("p99_ms") }
      ]
    },
    {
      id: "chart-throughput", unit: "/s", format: formatRate, axisLabel: "requests/s",
      series: [
        { name: "requests/s", color: "#2f5bd3", values: column("req_per_s"), area: true },
        { name: "failed/s", color: "#c81e1e", values: column("failed_per_s") }
      ]
    },
    {
      id: "chart-errors", unit: "%", format: formatPercent, axisLabel: "failed (%)", max: 100,
      series: [
        { name: "failed requests (%)", color: "#c81e1e", values: errorRate, area: true }
      ]
    },
    {
      id: "chart-vus", unit: "VUs", format: formatCount, axisLabel: "VUs", integer: true,
      series: [
        { name: "active VUs", color: "#0f766e", values: column("vus"), area: true }
      ]
    }
  ];

  var times = timeline.map(function (p) { return p.t_s; });

  function draw() {
    charts.forEach(function (chart) {
      var container = document.getElementById(chart.id);
      if (container) { render(container, chart); }
    });
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) { node.setAttribute(key, attrs[key]); }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function clear(container) {
    Array.prototype.slice.call(container.querySelectorAll("svg, .legend, .no-data, .readout"))
      .forEach(function (node) { node.remove(); });
  }

  function render(container, chart) {
    clear(container);
    var present = chart.series.some(function (s) {
      return s.values.some(function (v) { return v !== null; });
    });
    if (!present) {
      var empty = document.createElement("div");
      empty.className = "no-data";
      empty.textContent = "no data";
      container.appendChild(empty);
      return;
    }

    var legend = document.createElement("div");
    legend.className = "legend";
    chart.series.forEach(function (s) { legendItem(legend, s.name, s.color, ""); });
    bands.forEach(function (b) { legendItem(legend, "scenario " + b.name, b.color, "band"); });
    container.appendChild(legend);

    var width = Math.max(320, Math.round(container.clientWidth || 560));
    var plotW = width - MARGIN.left - MARGIN.right;
    var plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
    var svg = el("svg", { viewBox: "0 0 " + width + " " + HEIGHT, width: width, height: HEIGHT, role: "img" });
    el("title", {}, svg).textContent = container.querySelector("figcaption strong").textContent;
    container.appendChild(svg);

    var tMax = Math.max(times[times.length - 1] || 0, 1);
    var yMax = 0;
    chart.series.forEach(function (s) {
      s.values.forEach(function (v) { if (v !== null && v > yMax) { yMax = v; } });
    });
    if (chart.max !== undefined) { yMax = Math.min(Math.max(yMax, 1), chart.max); }
    var yTicks = niceTicks(yMax > 0 ? yMax : 1, 5, chart.integer);
    var yTop = yTicks[yTicks.length - 1];
    var xTicks = timeTicks(tMax, Math.max(2, Math.floor(plotW / 80)));

    function x(t) { return MARGIN.left + (t / tMax) * plotW; }
    function y(v) { return MARGIN.top + plotH - (v / yTop) * plotH; }

    // Scenario bands behind everything else.
    bands.forEach(function (b) {
      var x0 = x(Math.max(0, b.start));
      var x1 = x(Math.min(tMax, b.end));
      el("rect", {
        "class": "band", x: x0, y: MARGIN.top, width: Math.max(1, x1 - x0), height: plotH,
        fill: b.color, "fill-opacity": 0.09
      }, svg);
      el("line", { x1: x0, x2: x0, y1: MARGIN.top, y2: MARGIN.top + plotH, stroke: b.color, "stroke-opacity": 0.5 }, svg);
      var label = el("text", { "class": "band-label", x: x0 + 4, y: MARGIN.top - 6 }, svg);
      label.style.fill = b.color;
      label.textContent = b.name;
    });

    // Grid and axes.
    yTicks.forEach(function (v) {
      el("line", { "class": "grid", x1: MARGIN.left, x2: MARGIN.left + plotW, y1: y(v), y2: y(v) }, svg);
      var t = el("text", { x: MARGIN.left - 8, y: y(v) + 4, "text-anchor": "end" }, svg);
      t.textContent = chart.format(v);
    });
    xTicks.forEach(function (t) {
      if (t > tMax) { return; }
      el("line", { "class": "axis", x1: x(t), x2: x(t), y1: MARGIN.top + plotH, y2: MARGIN.top + plotH + 4 }, svg);
      var label = el("text", { x: x(t), y: MARGIN.top + plotH + 16, "text-anchor": "middle" }, svg);
      label.textContent = formatTime(t, tMax);
    });
    el("line", { "class": "axis", x1: MARGIN.left, x2: MARGIN.left + plotW, y1: MARGIN.top + plotH, y2: MARGIN.top + plotH }, svg);
    var xLabel = el("text", { x: MARGIN.left + plotW, y: HEIGHT - 4, "text-anchor": "end" }, svg);
    xLabel.textContent = "time since start";
    var yLabel = el("text", {
      x: 0, y: 0, "text-anchor": "middle",
      transform: "translate(12 " + (MARGIN.top + plotH / 2) + ") rotate(-90)"
    }, svg);
    yLabel.textContent = chart.axisLabel;

    // The series: a path per series, broken where a second has no value.
    chart.series.forEach(function (s) {
      var segments = [];
      var current = [];
      s.values.forEach(function (v, i) {
        if (v === null) {
          if (current.length) { segments.push(current); current = []; }
        } else {
          current.push([x(times[i]), y(Math.min(v, yTop))]);
        }
      });
      if (current.length) { segments.push(current); }
      if (s.area) {
        var area = segments.map(function (seg) {
          var base = y(0).toFixed(1);
          return "M" + seg[0][0].toFixed(1) + " " + base +
            seg.map(function (p) { return "L" + p[0].toFixed(1) + " " + p[1].toFixed(1); }).join("") +
            "L" + seg[seg.length - 1][0].toFixed(1) + " " + base + "Z";
        }).join("");
        el("path", { "class": "area", d: area, fill: s.color }, svg);
      }
      var d = segments.map(function (seg) {
        return seg.map(function (p, i) {
          return (i === 0 ? "M" : "L") + p[0].toFixed(1) + " " + p[1].toFixed(1);
        }).join("");
      }).join("");
      el("path", { "class": "series", d: d, stroke: s.color, "data-series": s.name }, svg);
      // Dots where points are few enough to tell apart, or stand alone.
      segments.forEach(function (seg) {
        if (seg.length === 1 || times.length <= 60) {
          seg.forEach(function (p) { el("circle", { cx: p[0], cy: p[1], r: 2.5, fill: s.color }, svg); });
        }
      });
    });

    hover(container, svg, chart, x, plotH);
  }

  function legendItem(legend, name, color, kind) {
    var item = document.createElement("span");
    var swatch = document.createElement("i");
    if (kind) { swatch.className = kind; }
    swatch.style.background = color;
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(name));
    legend.appendChild(item);
  }

  // A readout of every series at the second nearest the pointer.
  function hover(container, svg, chart, x, plotH) {
    var cursor = el("line", { "class": "cursor", y1: MARGIN.top, y2: MARGIN.top + plotH, visibility: "hidden" }, svg);
    var readout = document.createElement("div");
    readout.className = "readout";
    readout.style.display = "none";
    container.appendChild(readout);
    svg.addEventListener("mousemove", function (event) {
      var box = svg.getBoundingClientRect();
      var scale = box.width / svg.viewBox.baseVal.width;
      var px = (event.clientX - box.left) / scale;
      var best = 0;
      for (var i = 1; i < times.length; i++) {
        if (Math.abs(x(times[i]) - px) < Math.abs(x(times[best]) - px)) { best = i; }
      }
      var cx = x(times[best]);
      cursor.setAttribute("x1", cx);
      cursor.setAttribute("x2", cx);
      cursor.setAttribute("visibility", "visible");
      readout.textContent = "";
      var head = document.createElement("b");
      head.textContent = "t = " + formatTime(times[best], 0);
      readout.appendChild(head);
      chart.series.forEach(function (s) {
        readout.appendChild(document.createElement("br"));
        var dot = document.createElement("i");
        dot.style.background = s.color;
        readout.appendChild(dot);
        var v = s.values[best];
        readout.appendChild(document.createTextNode(s.name + ": " + (v === null ? "–" : chart.format(v))));
      });
      readout.style.display = "block";
      // SVG elements have no offsetLeft: place it from both boxes.
      var frame = container.getBoundingClientRect();
      var at = box.left - frame.left + cx * scale;
      var left = at + 12;
      if (left + readout.offsetWidth > frame.width) { left = at - readout.offsetWidth - 12; }
      readout.style.left = left + "px";
      readout.style.top = (box.top - frame.top + MARGIN.top * scale) + "px";
    });
    svg.addEventListener("mouseleave", function () {
      cursor.setAttribute("visibility", "hidden");
      readout.style.display = "none";
    });
  }

  // Round tick values from 0 to at least max: steps of 1, 2 or 5 × 10^k.
  function niceTicks(max, count, integer) {
    var raw = max / Math.max(1, count);
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * magnitude; })
      .find(function (s) { return s >= raw; });
    if (integer) { step = Math.max(1, Math.round(step)); }
    var ticks = [];
    for (var v = 0; v < max + step * 0.999; v += step) { ticks.push(+v.toPrecision(12)); }
    if (ticks.length < 2) { ticks.push(step); }
    return ticks;
  }

  // Time ticks on whole seconds, minutes or hours, at most count of them.
  function timeTicks(max, count) {
    var steps = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
    var step = steps.find(function (s) { return max / s <= count; }) || Math.ceil(max / count / 86400) * 86400;
    var ticks = [];
    for (var t = 0; t <= max + 1e-9; t += step) { ticks.push(t); }
    return ticks;
  }

  function formatMs(v) {
    if (v === 0) { return "0"; }
    if (v < 1) { return Math.round(v * 1000) + " µs"; }
    if (v < 10) { return trim(v.toFixed(2)) + " ms"; }
    if (v < 1000) { return trim(v.toFixed(1)) + " ms"; }
    return trim((v / 1000).toFixed(2)) + " s";
  }
  function formatRate(v) {
    if (v < 10) { return trim(v.toFixed(2)); }
    if (v < 1000) { return trim(v.toFixed(1)); }
    return Math.round(v).toLocaleString("en-US");
  }
  function formatPercent(v) { return trim(v.toFixed(v < 10 ? 2 : 1)) + " %"; }
  function formatCount(v) { return Math.round(v).toLocaleString("en-US"); }
  function trim(text) { return text.indexOf(".") < 0 ? text : text.replace(/\.?0+$/, ""); }

  // 12 s below two minutes, else 2:05 or 1:02:05.
  function formatTime(t, span) {
    if (Math.max(t, span) < 120) { return trim(t.toFixed(1)) + " s"; }
    var whole = Math.round(t);
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var seconds = whole % 60;
    var mm = hours > 0 && minutes < 10 ? "0" + minutes : "" + minutes;
    return (hours > 0 ? hours + ":" : "") + mm + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  draw();
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(draw, 100);
  });
})();
