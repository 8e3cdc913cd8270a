// Charts with TradingView's lightweight-charts (served locally as /assets/vendor/lightweight-charts.js,
// the standalone build that defines window.LightweightCharts).
/* global window */
const base = (el) =>
  window.LightweightCharts.createChart(el, {
    height: 260,
    layout: { background: { color: "#101418" }, textColor: "#c8d0d8" },
    grid: { vertLines: { color: "#1d242b" }, horzLines: { color: "#1d242b" } },
    timeScale: { timeVisible: true, secondsVisible: true },
    autoSize: true,
  });

/** A live line (equity): points arrive one at a time; a point at the last time replaces it. */
export const lineChart = (el) => {
  const chart = base(el);
  const series = chart.addSeries(window.LightweightCharts.LineSeries, { color: "#4fb3ff", lineWidth: 2 });
  let last = 0;
  return {
    add(timeSeconds, value) {
      if (timeSeconds < last) return;
      last = timeSeconds;
      series.update({ time: timeSeconds, value });
    },
  };
};

/** Candles with horizontal lines at the trap trigger prices. */
export const candleChart = (el) => {
  const chart = base(el);
  const series = chart.addSeries(window.LightweightCharts.CandlestickSeries, {});
  let lines = [];
  return {
    setBars(bars) {
      series.setData(bars);
    },
    setLevels(levels) {
      for (const line of lines) series.removePriceLine(line);
      lines = levels.map((l) => series.createPriceLine({ price: l.price, color: "#f5a623", lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: l.title }));
    },
  };
};
