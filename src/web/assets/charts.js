// Sklad's dashboard charts: Chart.js (window.Chart, docs/decisions/220) drawing the series the
// page put in its JSON island (#chart-data, src/web/pages/report-charts.tsx). Plain script, no build step.
(function () {
  'use strict';
  var island = document.getElementById('chart-data');
  if (!island || !window.Chart) return;
  var data = JSON.parse(island.textContent || '{}');
  var Chart = window.Chart;
  var locale = data.locale || 'en-GB';
  // Calm colours that stay apart on a white card; a channel keeps its colour in both order charts.
  var palette = [
    '#2563eb',
    '#16a34a',
    '#d97706',
    '#9333ea',
    '#dc2626',
    '#0891b2',
    '#db2777',
    '#65a30d',
    '#475569',
    '#ca8a04',
  ];

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#475569';

  var numbers = new Intl.NumberFormat(locale);

  // Money in minor units as the currency says it (kopecks → roubles, tenge have two digits, yen none).
  function moneyFormat(currency, compact) {
    var full = new Intl.NumberFormat(locale, { style: 'currency', currency: currency });
    var digits = full.resolvedOptions().maximumFractionDigits || 0;
    var short = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency,
      notation: 'compact',
      maximumFractionDigits: 1,
    });
    return function (minor, asTick) {
      var major = Number(minor) / Math.pow(10, digits);
      return (compact && asTick ? short : full).format(major);
    };
  }

  function canvasOf(name) {
    return document.querySelector('canvas[data-chart="' + name + '"]');
  }

  function coloured(series, stacked) {
    return series.map(function (s) {
      return {
        label: s.label,
        data: s.data,
        backgroundColor: palette[s.colour % palette.length],
        borderWidth: 0,
        maxBarThickness: 64,
        stack: stacked ? 'all' : undefined,
      };
    });
  }

  function base(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    };
    for (var k in extra) options[k] = extra[k];
    return options;
  }

  function drawOrders() {
    var canvas = canvasOf('orders');
    if (!canvas || !data.orders) return;
    new Chart(canvas, {
      type: 'bar',
      data: { labels: data.orders.labels, datasets: coloured(data.orders.series, true) },
      options: base({
        scales: {
          x: { stacked: true },
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: {
              precision: 0,
              callback: function (v) {
                return numbers.format(v);
              },
            },
          },
        },
      }),
    });
  }

  // A money chart in one currency at a time; its select (when there are several) changes which.
  function drawMoney(name, source, stacked, horizontalLegend) {
    var canvas = canvasOf(name);
    if (!canvas || !source) return;
    var currencies = Object.keys(source.byCurrency);
    if (!currencies.length) return;
    var picker = document.querySelector('select[data-chart-currency="' + name + '"]');
    var currency = picker ? picker.value : currencies[0];
    var money = moneyFormat(currency, true);
    var chart = new Chart(canvas, {
      type: 'bar',
      data: { labels: source.labels, datasets: coloured(source.byCurrency[currency], stacked) },
      options: base({
        plugins: {
          legend: { display: horizontalLegend, position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return (ctx.dataset.label ? ctx.dataset.label + ': ' : '') + money(ctx.raw, false);
              },
            },
          },
        },
        scales: {
          x: { stacked: stacked },
          y: {
            stacked: stacked,
            beginAtZero: true,
            ticks: {
              callback: function (v) {
                return money(v, true);
              },
            },
          },
        },
      }),
    });
    if (!picker) return;
    picker.addEventListener('change', function () {
      currency = picker.value;
      money = moneyFormat(currency, true);
      chart.data.datasets = coloured(source.byCurrency[currency] || [], stacked);
      chart.update();
    });
  }

  function drawCover() {
    var canvas = canvasOf('cover');
    var cover = data.cover;
    if (!canvas || !cover) return;
    var days = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: cover.labels,
        datasets: [
          { label: cover.unit, data: cover.data, backgroundColor: '#d97706', borderWidth: 0, maxBarThickness: 28 },
        ],
      },
      options: base({
        indexAxis: 'y',
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? cover.labels[items[0].dataIndex] + ' · ' + cover.names[items[0].dataIndex] : '';
              },
              label: function (ctx) {
                return days.format(ctx.raw) + ' ' + cover.unit;
              },
            },
          },
        },
        scales: {
          x: {
            beginAtZero: true,
            ticks: {
              callback: function (v) {
                return days.format(v);
              },
            },
          },
        },
      }),
    });
  }

  drawOrders();
  drawMoney('revenue', data.revenue, true, true);
  drawMoney('stock', data.stock, false, false);
  drawCover();
})();
