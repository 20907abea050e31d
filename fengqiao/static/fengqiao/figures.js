/* The figures dashboard's charts (analytics/dashboard.html): ECharts with the SVG renderer,
   drawn from the JSON the page carries in <script id="figures-data"> (json_script; the CSP
   allows no inline script). Clicking a point or a bar opens the cases behind it. The same
   figures are in the page's tables, so nothing is lost without this script. */
(function () {
  "use strict";

  var BRAND = "#8b2b1d";
  var INK = "#555";
  var charts = [];

  function draw(element, option) {
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function byCode(items) {
    var found = {};
    items.forEach(function (item) {
      found[item.code] = item;
    });
    return found;
  }

  function shown(value, unit) {
    return value === null || value === undefined ? "—" : value + (unit ? " " + unit : "");
  }

  // A chart of one item at a time, chosen in a <select>; a click on a point or a bar opens
  // the cases behind it.
  function switchable(element, choice, items, optionFor) {
    var found = byCode(items);
    var current = function () {
      return found[choice.value] || items[0];
    };
    var chart = draw(element, {});
    var render = function () {
      chart.setOption(optionFor(current()), true);
    };
    render();
    choice.addEventListener("change", render);
    chart.on("click", function (event) {
      var href = current().links[event.dataIndex];
      if (href) {
        window.location.assign(href);
      }
    });
  }

  function sparklines(data) {
    var trend = byCode(data.trend);
    document.querySelectorAll(".spark[data-code]").forEach(function (element) {
      var item = trend[element.dataset.code];
      if (!item) {
        return;
      }
      draw(element, {
        animation: false,
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        xAxis: { type: "category", show: false, boundaryGap: false, data: data.months },
        yAxis: { type: "value", show: false, scale: true },
        series: [
          {
            type: "line",
            data: item.values,
            symbol: "none",
            silent: true,
            lineStyle: { width: 1.5, color: BRAND },
            areaStyle: { color: BRAND, opacity: 0.08 },
          },
        ],
      });
    });
  }

  function trendChart(data) {
    var element = document.getElementById("trend-chart");
    var choice = document.getElementById("trend-choice");
    if (!element || !choice) {
      return;
    }
    switchable(element, choice, data.trend, function (item) {
      return {
        animation: false,
        aria: { enabled: true },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        tooltip: {
          trigger: "axis",
          valueFormatter: function (value) {
            return shown(value, item.unit);
          },
        },
        xAxis: {
          type: "category",
          data: data.months,
          axisLabel: { color: INK, hideOverlap: true },
        },
        yAxis: {
          type: "value",
          name: item.unit,
          nameTextStyle: { color: INK },
          axisLabel: { color: INK },
        },
        series: [
          {
            type: "line",
            name: item.name,
            data: item.values,
            symbolSize: 9,
            connectNulls: false,
            itemStyle: { color: BRAND },
            lineStyle: { width: 2, color: BRAND },
          },
        ],
      };
    });
  }

  function placesChart(data) {
    var element = document.getElementById("regions-chart");
    var choice = document.getElementById("regions-choice");
    if (!element || !choice || !data.places.length) {
      return;
    }
    // One bar a row, sideways: names stay readable on a phone however many places there are.
    element.style.height = Math.max(160, data.places.length * 28 + 48) + "px";
    switchable(element, choice, data.compared, function (item) {
      return {
        animation: false,
        aria: { enabled: true },
        grid: { left: 8, right: 48, top: 24, bottom: 8, containLabel: true },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          valueFormatter: function (value) {
            return shown(value, item.unit);
          },
        },
        xAxis: {
          type: "value",
          name: item.unit,
          nameTextStyle: { color: INK },
          axisLabel: { color: INK, hideOverlap: true },
        },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.places,
          axisLabel: { color: INK, width: 96, overflow: "truncate" },
        },
        series: [
          {
            type: "bar",
            name: item.name,
            data: item.values,
            barMaxWidth: 18,
            itemStyle: { color: BRAND },
            label: { show: true, position: "right", color: INK },
          },
        ],
      };
    });
  }

  function start() {
    var source = document.getElementById("figures-data");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    sparklines(data);
    trendChart(data);
    placesChart(data);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) {
          chart.resize();
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
