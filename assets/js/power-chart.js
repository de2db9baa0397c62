// Power over time (import and export, W) with uPlot: range buttons, drag-to-zoom that refetches finer data,
// double-click to zoom out, live points from the event stream while the last hour is shown, and a CSV link for
// exactly the visible range. With many meters it shows the selected one (`setMeter`, ?meter= on every request).
import uPlot from '/vendor/uplot.esm.js';
import { $, el } from './dom.js';
import { failureText, getJson } from './api.js';
import { alpha, axis, colors, fitWidth } from './theme.js';
import { baseValue, findByCde, formatPower } from './format.js';
import { formatDateTimeMinutes, formatTimeAxis } from './dates.js';
import { meterQuery } from './meters.js';

const HEIGHT = 280;
const FIELDS = 'power_import_w,power_export_w';

/**
 * Drops empty buckets and keeps a null only where the data really stops (longer than `maxGap` seconds), so a
 * meter that pushes less often than the bucket width still draws a line while an outage shows as a gap.
 */
export function compact(t, imp, exp, maxGap) {
  const out = [[], [], []];
  for (let i = 0; i < t.length; i++) {
    if (imp[i] === null && exp[i] === null) continue;
    const prev = out[0].length ? out[0][out[0].length - 1] : undefined;
    if (prev !== undefined && t[i] - prev > maxGap) {
      out[0].push(prev + 1);
      out[1].push(null);
      out[2].push(null);
    }
    out[0].push(t[i]);
    out[1].push(imp[i]);
    out[2].push(exp[i]);
  }
  return out;
}

export function createPowerChart(container) {
  const c = colors();
  let range = 3600; // seconds shown by the active range button
  let view = { from: 0, to: 0, zoomed: false };
  let loading = 0;
  let off = false; // history is off: no requests, no live points
  let axisLabels = [];
  let meter; // the selected meter id; undefined with one meter (no ?meter= sent)

  const u = new uPlot(
    {
      width: container.clientWidth || 300,
      height: HEIGHT,
      cursor: { drag: { x: true, y: false }, bind: { dblclick: () => null } },
      scales: { x: { time: true } },
      series: [
        { value: (_u, v) => formatDateTimeMinutes(v) },
        {
          label: 'Import',
          stroke: c.imp,
          width: 2,
          fill: alpha(c.imp, 0.12),
          value: (_u, v) => formatPower(v),
        },
        {
          label: 'Export',
          stroke: c.exp,
          width: 2,
          fill: alpha(c.exp, 0.12),
          value: (_u, v) => formatPower(v),
        },
      ],
      axes: [
        axis(c, {
          values: (self, splits) =>
            (axisLabels = formatTimeAxis(splits, (self.scales.x.max ?? 0) - (self.scales.x.min ?? 0))),
        }),
        axis(c, { size: 70, values: (_u, splits) => splits.map((v) => formatPower(v)) }),
      ],
      hooks: { setSelect: [(self) => zoomTo(self)] },
    },
    [[], [], []],
    container,
  );
  fitWidth(u, container, HEIGHT);
  u.over.addEventListener('dblclick', () => show(range));

  function setCsv() {
    const link = $('csv-link');
    link.href = `/api/v1/history.csv?from=${view.from}&to=${view.to}${meterQuery(meter, '&')}`;
    link.download = `kaifareader-${view.from}-${view.to}.csv`;
  }

  async function load(from, to, zoomed) {
    if (off) return;
    const ticket = ++loading;
    view = { from, to, zoomed };
    setCsv();
    const r = await getJson(
      `/api/v1/history?from=${from}&to=${to}&fields=${FIELDS}${meterQuery(meter, '&')}`,
    );
    if (ticket !== loading) return; // a newer request superseded this one
    if (!r.ok) {
      $('power-hint').textContent = failureText(r);
      return;
    }
    const { t, series, step } = r.body;
    u.setData(compact(t, series.power_import_w, series.power_export_w, Math.max(5 * step, 120)));
    u.setScale('x', { min: from, max: to });
  }

  function zoomTo(self) {
    if (self.select.width < 5) return;
    const from = Math.floor(self.posToVal(self.select.left, 'x'));
    const to = Math.ceil(self.posToVal(self.select.left + self.select.width, 'x'));
    self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (to - from >= 60) void load(from, to, true);
  }

  function show(seconds) {
    range = seconds;
    const to = Math.ceil(Date.now() / 1000);
    return load(to - seconds, to, false);
  }

  /** A pushed snapshot: appended while the last hour is shown and not zoomed. */
  function live(s) {
    if (off || view.zoomed || range > 3600) return;
    const t = s.received_at;
    const from = Math.floor(t - range);
    const [xs, imp, exp] = u.data;
    const keep = xs.findIndex((x) => x >= from);
    const start = keep < 0 ? xs.length : keep;
    const nx = xs.slice(start).concat(t);
    const ni = imp.slice(start).concat(baseValue(findByCde(s, '1.7.0')) ?? null);
    const ne = exp.slice(start).concat(baseValue(findByCde(s, '2.7.0')) ?? null);
    view = { from, to: Math.ceil(t), zoomed: false };
    u.setData([nx, ni, ne]);
    u.setScale('x', { min: view.from, max: view.to });
    setCsv();
  }

  /** Longer ranges are refetched now and then (the store adds a point per telegram). */
  setInterval(() => {
    if (!off && !view.zoomed && range > 3600) void show(range);
  }, 60_000);

  /** History is off: the chart gives way to `text` and never asks the server. */
  function disable(text) {
    off = true;
    u.destroy();
    container.replaceChildren(el('div', text, 'message'));
  }

  /** Another meter: its data replaces the shown one's (the active range, unzoomed, once `reload` is set). */
  function setMeter(id, reload) {
    meter = id;
    if (off) return undefined;
    u.setData([[], [], []]);
    return reload ? show(range) : undefined;
  }

  return {
    u,
    show,
    live,
    disable,
    setMeter,
    /** The time axis labels last drawn (test hook: they are on a canvas). */
    get axisLabels() {
      return axisLabels;
    },
    get view() {
      return view;
    },
  };
}
