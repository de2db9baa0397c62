// One local day of import/export energy in quarter hours (96 bars, 92 / 100 on DST days) for the selected meter,
// from /api/v1/energy?period=15min (the server cuts the day in the history's time zone and labels every interval
// with its UTC offset, so the repeated autumn hour shows as 02:00+02:00 … and 02:00+01:00 …). ◀ ▶ step by day.
import uPlot from '/vendor/uplot.esm.js';
import { el } from './dom.js';
import { failureText, getJson } from './api.js';
import { axis, colors, fitWidth } from './theme.js';
import { meterQuery } from './meters.js';
import { importExportSeries } from './energy-chart.js';

const HEIGHT = 220;
const whToKwh = (wh) => (wh === null || wh === undefined ? null : wh / 1000);
const fmt = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(3)} kWh`);
/** `02:15` of `2026-10-25T02:15:00+01:00`. */
const clock = (iso) => iso.slice(11, 16);

export function createQuarterHourChart(container, title) {
  const c = colors();
  let buckets = [];
  let u;
  let meter;
  let at; // an instant (unix s) inside the day shown; undefined = the day of the newest reading
  let stepped; // `at` before a ◀ ▶ step, while its answer is awaited

  function build() {
    const bars = (align) => uPlot.paths.bars({ size: [0.45, 20], align, gap: 0 });
    u = new uPlot(
      {
        width: container.clientWidth || 300,
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false, range: (_u, min, max) => [min - 0.6, max + 0.6] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 0.1] },
        },
        series: [
          {
            label: 'Quarter hour',
            value: (_u, i) => {
              const b = buckets[i];
              return b
                ? `${clock(b.start_time)}–${clock(b.end_time)} (${b.start_time.slice(19)}) ${b.status}`
                : '–';
            },
          },
          ...importExportSeries(c, bars, fmt),
        ],
        axes: [
          axis(c, {
            space: 40,
            incrs: [4, 8, 12, 24],
            values: (_u, splits) => splits.map((i) => (buckets[i] ? clock(buckets[i].start_time) : '')),
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
    const asked = `${meter}|${at}`;
    const range = at === undefined ? '' : `&from=${at}&to=${at + 1}`;
    const r = await getJson(`/api/v1/energy?period=15min${range}${meterQuery(meter, '&')}`);
    if (asked !== `${meter}|${at}`) return; // another meter or day was chosen meanwhile: its own load draws
    if (r.ok && r.body.buckets.length === 0 && stepped !== undefined) {
      at = stepped; // stepped past the stored days: stay on the day shown
      stepped = undefined;
      return;
    }
    stepped = undefined;
    if (!r.ok || r.body.buckets.length === 0) {
      buckets = [];
      u?.destroy();
      u = undefined;
      title.textContent = '';
      container.replaceChildren(
        el('div', r.ok ? 'No quarter hours for this day yet.' : failureText(r), 'message'),
      );
      return;
    }
    buckets = r.body.buckets;
    title.textContent = buckets[0].start_time.slice(0, 10);
    if (!u) {
      container.replaceChildren();
      build();
    }
    u.setData(
      [
        buckets.map((_b, i) => i),
        buckets.map((b) => whToKwh(b.import_wh)),
        buckets.map((b) => whToKwh(b.export_wh)),
      ],
      false,
    );
    u.setScale('x', { min: -0.6, max: buckets.length - 1 + 0.6 });
  }

  return {
    load,
    setMeter(id) {
      meter = id;
    },
    /** Shows the local day holding the instant `t` (unix s). */
    show(t) {
      at = t;
      return load();
    },
    /** Shows the day before (-1) or after (+1) the one shown. */
    step(direction) {
      if (buckets.length === 0) return Promise.resolve();
      stepped = at;
      at = direction < 0 ? buckets[0].start - 1 : buckets[buckets.length - 1].end;
      return load();
    },
    get u() {
      return u;
    },
    /** The intervals last drawn (test hook: the bars are on a canvas). */
    get buckets() {
      return buckets;
    },
  };
}
