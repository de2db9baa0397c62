// Import/export kWh per day or month as grouped bars (uPlot, ordinal x axis labelled with the bucket label).
import uPlot from '/vendor/uplot.esm.js';
import { el } from './dom.js';
import { failureText, getJson } from './api.js';
import { axis, colors, fitWidth } from './theme.js';
import { formatBucketLabel } from './dates.js';
import { meterQuery } from './meters.js';

const HEIGHT = 240;
const kwh = (wh) => (wh === null || wh === undefined ? null : Math.round(wh) / 1000);
const fmt = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(v >= 100 ? 0 : 2)} kWh`);

/** The import and export bar series of an energy chart (days, months, quarter hours). */
export function importExportSeries(c, bars, fmt) {
  const series = (label, color, align) => ({
    label,
    stroke: color,
    fill: color,
    paths: bars(align),
    points: { show: false },
    value: (_u, v) => fmt(v),
  });
  return [series('Import', c.imp, -1), series('Export', c.exp, 1)];
}

export function createEnergyChart(container, period) {
  const c = colors();
  let labels = [];
  let axisLabels = [];
  let u;
  let meter; // the selected meter id; undefined with one meter (no ?meter= sent)

  function build() {
    const bars = (align) => uPlot.paths.bars({ size: [0.4, 40], align, gap: 1 });
    u = new uPlot(
      {
        width: container.clientWidth || 300,
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false, range: (_u, min, max) => [min - 0.6, max + 0.6] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
        },
        series: [
          {
            label: period === 'day' ? 'Day' : 'Month',
            value: (_u, i) => (labels[i] === undefined ? '–' : formatBucketLabel(labels[i], period, true)),
          },
          ...importExportSeries(c, bars, fmt),
        ],
        axes: [
          axis(c, {
            space: 50,
            incrs: [1, 2, 3, 5, 7, 10],
            values: (_u, splits) =>
              (axisLabels = splits.map((i) =>
                labels[i] === undefined ? '' : formatBucketLabel(labels[i], period),
              )),
          }),
          axis(c, { size: 50 }),
        ],
      },
      [[], [], []],
      container,
    );
    fitWidth(u, container, HEIGHT);
  }

  async function load() {
    const asked = meter;
    const r = await getJson(`/api/v1/energy?period=${period}${meterQuery(meter, '&')}`);
    if (asked !== meter) return; // another meter was chosen meanwhile: its own load draws
    if (!r.ok || r.body.buckets.length === 0) {
      const text = r.ok ? 'No energy data yet: bars appear after the first full day.' : failureText(r);
      u?.destroy();
      u = undefined;
      container.replaceChildren(el('div', text, 'message'));
      return;
    }
    const b = r.body.buckets;
    labels = b.map((x) => x.label);
    if (!u) {
      container.replaceChildren();
      build();
    }
    u.setData([b.map((_x, i) => i), b.map((x) => kwh(x.import_wh)), b.map((x) => kwh(x.export_wh))], false);
    // Explicit x range: with a single bucket uPlot would otherwise put it on the left edge and cut its bars.
    u.setScale('x', { min: -0.6, max: b.length - 1 + 0.6 });
  }

  return {
    load,
    /** The meter whose energy the next `load` asks for. */
    setMeter(id) {
      meter = id;
    },
    get u() {
      return u;
    },
    /** The x axis labels last drawn (test hook: they are on a canvas). */
    get axisLabels() {
      return axisLabels;
    },
  };
}
