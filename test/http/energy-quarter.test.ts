/**
 * `/api/v1/energy?period=15min` and `/api/v1/energy.csv` against a real history file (Europe/Vienna): the autumn
 * DST day's CSV byte for byte (the repeated hour 02:00–03:00 twice, once +02:00 and once +01:00), the JSON shape,
 * the 32-day bound with its message, and a wrong period on the CSV route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openHistoryStore, type HistoryStore } from '../../src/store/history-store.js';
import { runPieced } from '../../src/store/pieced.js';
import type { HistoryReader } from '../../src/store/history-types.js';
import type { HistoryRow } from '../../src/store/history-row.js';
import { row, tempDir } from '../store/helpers.js';
import { startHarness } from './harness.js';

function reader(t: { after(fn: () => void): void }, rows: HistoryRow[]): HistoryReader {
  const store: HistoryStore = openHistoryStore(join(tempDir(t), 'h.db'), { timeZone: 'Europe/Vienna' });
  t.after(() => store.close());
  store.insert(rows);
  return {
    meters: () => store.meters(),
    latest: (m) => store.latest(m),
    count: (m) => store.count(m),
    extent: (m) => store.extent(m),
    series: (m, a, b, c) => runPieced(store.seriesQuery(m, a, b, c)),
    energy: (m, p, a, b) => runPieced(store.energyQuery(m, p, a, b)),
    quarterHours: (m, a, b) => runPieced(store.quarterHourQuery(m, a, b)),
  };
}

/** 2026-10-24 22:00 UTC (00:00+02:00 local) to 03:05 UTC, one telegram a minute: +3 Wh import, +1 Wh export. */
const T0 = Date.UTC(2026, 9, 24, 22);
const autumnRows = (): HistoryRow[] =>
  Array.from({ length: 5 * 60 + 6 }, (_, i) =>
    row(T0 + i * 60_000, { energy_import_wh: 4_321_000 + 3 * i, energy_export_wh: 1_000 + i }),
  );

test('the autumn DST day as CSV, byte for byte: 100 rows, the repeated hour once with +02:00 and once with +01:00', async (t) => {
  const h = await startHarness({ history: reader(t, autumnRows()) });
  t.after(() => h.close());
  const res = await fetch(
    `${h.base}/api/v1/energy.csv?period=15min&from=${T0 / 1000}&to=${T0 / 1000 + 3600}`,
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(
    res.headers.get('content-disposition') ?? '',
    /^attachment; filename="kaifareader-default-15min-/,
  );
  const complete = (a: string, b: string) => `2026-10-25T${a},2026-10-25T${b},0.045,0.015,complete\r\n`;
  let expected =
    'start,end,import_kwh,export_kwh,status\r\n' +
    complete('00:00:00+02:00', '00:15:00+02:00') +
    complete('00:15:00+02:00', '00:30:00+02:00') +
    complete('00:30:00+02:00', '00:45:00+02:00') +
    complete('00:45:00+02:00', '01:00:00+02:00') +
    complete('01:00:00+02:00', '01:15:00+02:00') +
    complete('01:15:00+02:00', '01:30:00+02:00') +
    complete('01:30:00+02:00', '01:45:00+02:00') +
    complete('01:45:00+02:00', '02:00:00+02:00') +
    complete('02:00:00+02:00', '02:15:00+02:00') +
    complete('02:15:00+02:00', '02:30:00+02:00') +
    complete('02:30:00+02:00', '02:45:00+02:00') +
    complete('02:45:00+02:00', '02:00:00+01:00') +
    complete('02:00:00+01:00', '02:15:00+01:00') +
    complete('02:15:00+01:00', '02:30:00+01:00') +
    complete('02:30:00+01:00', '02:45:00+01:00') +
    complete('02:45:00+01:00', '03:00:00+01:00') +
    complete('03:00:00+01:00', '03:15:00+01:00') +
    complete('03:15:00+01:00', '03:30:00+01:00') +
    complete('03:30:00+01:00', '03:45:00+01:00') +
    complete('03:45:00+01:00', '04:00:00+01:00') +
    // the interval in progress: readings 04:01 … 04:05 so far
    '2026-10-25T04:00:00+01:00,2026-10-25T04:15:00+01:00,0.015,0.005,open\r\n';
  // then nothing stored: the day's remaining rows are there, with empty energy
  const two = (n: number) => String(n).padStart(2, '0');
  for (let m = 4 * 60 + 15; m < 24 * 60; m += 15) {
    const end =
      m + 15 === 24 * 60
        ? '2026-10-26T00:00:00'
        : `2026-10-25T${two(((m + 15) / 60) | 0)}:${two((m + 15) % 60)}:00`;
    expected += `2026-10-25T${two((m / 60) | 0)}:${two(m % 60)}:00+01:00,${end}+01:00,,,missing\r\n`;
  }
  const text = await res.text();
  assert.equal(text.split('\r\n').length - 2, 100);
  assert.equal(text, expected);
});

test('period=15min as JSON: the clamped range and one bucket per quarter hour of the local day', async (t) => {
  const h = await startHarness({ history: reader(t, autumnRows()) });
  t.after(() => h.close());
  const res = await fetch(
    `${h.base}/api/v1/energy?period=15min&from=${T0 / 1000 + 7200}&to=${T0 / 1000 + 7201}`,
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as { period: string; from: number; to: number; buckets: unknown[] };
  assert.equal(body.period, '15min');
  assert.deepEqual([body.from, body.to], [T0 / 1000 + 7200, T0 / 1000 + 7201]);
  assert.equal(body.buckets.length, 100);
  assert.deepEqual(body.buckets[11], {
    start: T0 / 1000 + 11 * 900,
    end: T0 / 1000 + 12 * 900,
    start_time: '2026-10-25T02:45:00+02:00',
    end_time: '2026-10-25T02:00:00+01:00',
    import_wh: 45,
    export_wh: 15,
    status: 'complete',
  });
  assert.deepEqual(body.buckets[99], {
    start: T0 / 1000 + 99 * 900,
    end: T0 / 1000 + 100 * 900,
    start_time: '2026-10-25T23:45:00+01:00',
    end_time: '2026-10-26T00:00:00+01:00',
    import_wh: null,
    export_wh: null,
    status: 'missing',
  });
});

test('the range bound: 31 days of stored data answer, 40 days are a 400 that names the limit; energy.csv is 15min only', async (t) => {
  const start = Date.UTC(2025, 11, 31, 23); // 2026-01-01 00:00 local
  const rows = [0, 31, 40].map((d) => row(start + d * 86_400_000, { energy_import_wh: 1000 + d }));
  const h = await startHarness({ history: reader(t, rows) });
  t.after(() => h.close());
  const ok = await fetch(
    `${h.base}/api/v1/energy?period=15min&from=${start / 1000}&to=${start / 1000 + 31 * 86400}`,
  );
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { buckets: unknown[] }).buckets.length, 31 * 96);
  for (const path of ['/api/v1/energy', '/api/v1/energy.csv']) {
    const bad = await fetch(`${h.base}${path}?period=15min&from=0&to=99999999999`);
    assert.equal(bad.status, 400);
    assert.match(
      ((await bad.json()) as { message: string }).message,
      /^period=15min gives the quarter hours of up to 42 days for the stored data in this range, more than the limit of 32 days \(3200 quarter hours\) per request: ask for at most 31 days \(from\/to\), or period=day$/,
    );
  }
  const day = await fetch(`${h.base}/api/v1/energy.csv?period=day`);
  assert.equal(day.status, 400);
  assert.match(
    ((await day.json()) as { message: string }).message,
    /energy\.csv is the quarter-hour download: use period=15min/,
  );
});
