/* The response-time page's chart (analytics/response.html): each station's 到场 P90 as a
   bar, ECharts with the SVG renderer, drawn from <script id="response-data"> (json_script;
   the CSP allows no inline script). A click on a bar opens that station's figures. The
   same numbers are in the table below it, so nothing is lost without this script. */
(function () {
  "use strict";

  var BRAND = "#8b2b1d";
  var INK = "#555";

  function start() {
    var source = document.getElementById("response-data");
    var element = document.getElementById("response-chart");
    if (!source || !element || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.places.length) {
      return;
    }
    // One bar a row, sideways: names stay readable on a phone however many stations.
    element.style.height = Math.max(160, data.places.length * 28 + 48) + "px";
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      grid: { left: 8, right: 48, top: 24, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (value) {
          return value === null || value === undefined ? "—" : value + " " + data.unit;
        },
      },
      xAxis: {
        type: "value",
        name: data.unit,
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
          name: data.name,
          data: data.values,
          barMaxWidth: 18,
          itemStyle: { color: BRAND },
          label: { show: true, position: "right", color: INK },
        },
      ],
    });
    chart.on("click", function (event) {
      var href = data.links[event.dataIndex];
      if (href) {
        window.location.assign(href);
      }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        chart.resize();
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
