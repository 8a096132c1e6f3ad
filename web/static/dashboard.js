// The dashboard's charts (ECharts, vendored): drawn from the page's JSON; a click opens the items behind a point.
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var percent = function (v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; };
  var charts = [];

  function draw(id, option, links) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var list = links[params.seriesId];
      if (list && list[params.dataIndex]) { window.location.href = list[params.dataIndex]; }
    });
    charts.push(chart);
  }

  var L = data.labels;
  draw("trend-chart", {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 40, top: 50, bottom: 30 },
    xAxis: { type: "category", data: data.weeks },
    yAxis: [{ type: "value", name: "件", minInterval: 1 }, { type: "value", name: "%", max: 100 }],
    series: [
      { id: "total", name: L.total, type: "bar", data: data.series.total },
      { id: "resolved", name: L.resolved, type: "bar", data: data.series.resolved },
      { id: "overdue", name: L.overdue, type: "bar", data: data.series.overdue, itemStyle: { color: "#c62828" } },
      { id: "on_time_rate", name: L.on_time_rate, type: "line", yAxisIndex: 1, data: data.rates.on_time_rate.map(percent) },
      { id: "satisfaction_rate", name: L.satisfaction_rate, type: "line", yAxisIndex: 1, data: data.rates.satisfaction_rate.map(percent) }
    ]
  }, data.week_links);

  draw("unit-chart", {
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
    legend: { top: 0 },
    grid: { left: 90, right: 20, top: 50, bottom: 30 },
    xAxis: { type: "value", max: 100 },
    yAxis: { type: "category", data: data.units, inverse: true, axisLabel: { width: 80, overflow: "truncate" } },
    series: ["response_rate", "on_time_rate", "satisfaction_rate"].map(function (name) {
      return { id: name, name: L[name], type: "bar", data: data.unit_rates[name].map(percent) };
    })
  }, data.unit_links);

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
