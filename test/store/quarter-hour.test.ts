/**
 * Quarter-hour energy (src/store/quarter-hour.ts, history-quarter-hour.ts) on a real history file: simulated days
 * across both DST changes of Europe/Vienna with a counter reset, checked against the counter differences computed
 * here from the very readings that were written (and against the store's own daily energy); the statuses; the
 * meter's clock; a restart in the middle of an interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openHistoryStore } from '../../src/store/history-store.js';
import {
  QuarterHourCloser,
  meterClockMs,
  isoWithOffset,
  type QuarterHour,
} from '../../src/store/quarter-hour.js';
import { zoneOffsetMs } from '../../src/store/local-time.js';
import { row, tempDir } from './helpers.js';

const VIENNA = 'Europe/Vienna';

interface Reading {
  t: number;
  imp: number;
  exp: number;
}

/** Readings every `stepMs` over [from, to) with irregular per-step energy; the counter drops to 1000 at `resetAt`. */
function simulate(from: number, to: number, stepMs: number, resetAt?: number): Reading[] {
  const out: Reading[] = [];
  let imp = 5_000_000;
  let exp = 70_000;
  for (let i = 0, t = from; t < to; i++, t += stepMs) {
    if (resetAt !== undefined && t === resetAt) [imp, exp] = [1000, 10];
    out.push({ t, imp, exp });
    imp += (i * 7919) % 13;
    exp += (i * 31) % 5;
  }
  return out;
}

/**
 * The counter difference between the last reading at or before `a` and the last at or before `b`, leaving out
 * pairs where the counter went down (the reset) — computed straight from the readings.
 */
function counterDifference(rs: Reading[], a: number, b: number, f: 'imp' | 'exp'): number {
  let sum = 0;
  for (let i = 1; i < rs.length; i++) {
    if (rs[i]!.t <= a || rs[i]!.t > b) continue;
    const d = rs[i]![f] - rs[i - 1]![f];
    if (d >= 0) sum += d;
  }
  return sum;
}

function storeWith(t: { after(fn: () => void): void }, rs: Reading[]) {
  const store = openHistoryStore(join(tempDir(t), 'h.db'), { timeZone: VIENNA });
  t.after(() => store.close());
  for (let i = 0; i < rs.length; i += 3000) {
    store.insert(
      rs
        .slice(i, i + 3000)
        .map((r) => row(r.t, { energy_import_wh: r.imp, energy_export_wh: r.exp, power_import_w: 100 })),
    );
  }
  return store;
}

for (const c of [
  {
    name: 'spring (2026-03-29, 23 h)',
    dayStart: Date.UTC(2026, 2, 28, 23),
    dayEnd: Date.UTC(2026, 2, 29, 22),
    n: 92,
    first: '2026-03-29T00:00:00+01:00',
    aroundChange: ['2026-03-29T01:45:00+01:00', '2026-03-29T03:00:00+02:00', '2026-03-29T03:15:00+02:00'],
  },
  {
    name: 'autumn (2026-10-25, 25 h)',
    dayStart: Date.UTC(2026, 9, 24, 22),
    dayEnd: Date.UTC(2026, 9, 25, 23),
    n: 100,
    first: '2026-10-25T00:00:00+02:00',
    aroundChange: ['2026-10-25T02:45:00+02:00', '2026-10-25T02:00:00+01:00', '2026-10-25T02:15:00+01:00'],
  },
]) {
  test(`a ${c.name} day in quarter hours with a counter reset: every interval and the day's sum are its counter differences`, (t) => {
    const resetAt = c.dayStart + 10 * 3_600_000 + 7 * 60_000 + 35_000; // 10:07:35 after local midnight
    const rs = simulate(c.dayStart - 3_600_000, c.dayEnd + 3_600_000, 5000, resetAt);
    const store = storeWith(t, rs);
    const qs = store.quarterHours('default', c.dayStart / 1000 + 5000, c.dayStart / 1000 + 5001);
    assert.equal(qs.length, c.n);
    assert.equal(qs[0]!.start_time, c.first);
    assert.equal(qs[qs.length - 1]!.end, c.dayEnd / 1000);
    // the repeated / skipped hour keeps every interval distinct and 15 minutes long
    const labels = qs.map((q) => q.start_time);
    for (const l of c.aroundChange) assert.ok(labels.includes(l), l);
    assert.equal(new Set(labels).size, c.n);
    for (const q of qs) assert.equal(q.end - q.start, 900);
    for (const q of qs) {
      const [a, b] = [q.start * 1000, q.end * 1000];
      const expectedStatus = resetAt > a && resetAt <= b ? 'partial' : 'complete';
      assert.deepEqual(
        [q.start_time, q.import_wh, q.export_wh, q.status],
        [
          q.start_time,
          counterDifference(rs, a, b, 'imp'),
          counterDifference(rs, a, b, 'exp'),
          expectedStatus,
        ],
      );
    }
    const dayImport = counterDifference(rs, c.dayStart, c.dayEnd, 'imp');
    const dayExport = counterDifference(rs, c.dayStart, c.dayEnd, 'exp');
    assert.ok(dayImport > 50_000, 'the simulated day carries energy');
    assert.equal(
      qs.reduce((s, q) => s + q.import_wh!, 0),
      dayImport,
    );
    assert.equal(
      qs.reduce((s, q) => s + q.export_wh!, 0),
      dayExport,
    );
    // and the store's daily energy (rollups, energy.ts) agrees to the Wh
    const day = store.energy('default', 'day', c.dayStart / 1000, c.dayEnd / 1000 - 1);
    assert.deepEqual(
      day.map((d) => [d.import_wh, d.export_wh]),
      [[dayImport, dayExport]],
    );
  });
}

test('statuses: complete at a 5 s cadence, partial with hourly counters or after a gap, missing without readings', () => {
  const t0 = Date.UTC(2026, 5, 1, 8); // 10:00 Vienna
  const closer = new QuarterHourCloser();
  const closed: QuarterHour[] = [];
  let imp = 100;
  const push = (t: number) =>
    closed.push(...closer.push({ t, segment: 1, importWh: (imp += 10), exportWh: null }));
  // 08:00Z–08:30Z every 5 s (first interval partial: nothing before it), then a gap until 09:10:02Z, then every 5 s
  for (let t = t0; t <= t0 + 30 * 60_000; t += 5000) push(t);
  for (let t = t0 + 70 * 60_000 + 2000; t <= t0 + 100 * 60_000; t += 5000) push(t);
  const view = closed.map((q) => [
    new Date(q.start).toISOString().slice(11, 16),
    q.status,
    q.importWh,
    q.exportWh,
  ]);
  assert.deepEqual(view, [
    ['07:45', 'partial', 0, null], // the meter's first reading is exactly 08:00: its interval has no start reading
    ['08:00', 'complete', 1800, null],
    ['08:15', 'complete', 1800, null],
    // 08:30–09:00 missing (no row); 09:00–09:15 gets the gap's difference from the 08:30:00 reading: partial
    ['09:00', 'partial', 600, null],
    ['09:15', 'complete', 1800, null],
  ]);
  assert.equal(closer.current()?.status, 'open');

  // a meter that sends counters once an hour (Nordic list 3): never complete
  const hourly = new QuarterHourCloser();
  const out: QuarterHour[] = [];
  for (let h = 0; h < 4; h++) {
    out.push(
      ...hourly.push({ t: t0 + h * 3_600_000 + 3000, segment: 'x', importWh: 1000 + h * 500, exportWh: 7 }),
    );
  }
  assert.deepEqual(
    out.map((q) => [new Date(q.start).toISOString().slice(11, 16), q.status, q.importWh, q.exportWh]),
    [
      ['08:00', 'partial', 0, 0],
      ['09:00', 'partial', 500, 0],
      ['10:00', 'partial', 500, 0],
    ],
  );
});

test("the meter's clock cuts the intervals; offset-less clocks are local time, a clock far off is not trusted", (t) => {
  const off = (ms: number) => zoneOffsetMs(VIENNA, ms);
  const recv = Date.UTC(2026, 5, 1, 8, 15, 20);
  assert.equal(meterClockMs('2026-06-01T10:14:50+02:00', recv, off), Date.UTC(2026, 5, 1, 8, 14, 50));
  assert.equal(meterClockMs('2026-06-01T10:14:50', recv, off), Date.UTC(2026, 5, 1, 8, 14, 50));
  assert.equal(meterClockMs('2026-06-01T08:14:50Z', recv, off), Date.UTC(2026, 5, 1, 8, 14, 50));
  assert.equal(meterClockMs('2000-01-01T00:00:00+01:00', recv, off), recv);
  // an offset-less clock that stayed on winter time in June: an hour off, not trusted
  assert.equal(meterClockMs('2026-06-01T09:14:50', recv, off), recv);
  assert.equal(meterClockMs('2026-06-01T10:29:00+02:00', recv, off), Date.UTC(2026, 5, 1, 8, 29));
  assert.equal(meterClockMs('2026-06-01T10:31:00+02:00', recv, off), recv);
  assert.equal(meterClockMs(undefined, recv, off), recv);
  // 02:30 local on the autumn day exists twice: the one nearest the receive time
  const second = Date.UTC(2026, 9, 25, 1, 30); // 02:30+01:00
  assert.equal(meterClockMs('2026-10-25T02:30:00', second + 4000, off), second);
  assert.equal(meterClockMs('2026-10-25T02:30:00', second - 3_600_000 + 4000, off), second - 3_600_000);
  assert.equal(isoWithOffset(second, off(second)), '2026-10-25T02:30:00+01:00');

  // through the store: the meter's clock runs 30 s ahead, so the telegram received at 10:14:40 (clock 10:15:10)
  // already counts for 10:15–10:30 — on the receive time the intervals would come out 0 / 15 / 15 / 10
  const store = openHistoryStore(join(tempDir(t), 'h.db'), { timeZone: VIENNA });
  t.after(() => store.close());
  const base = Date.UTC(2026, 5, 1, 8, 0);
  const rows = [];
  for (let i = 0; i <= 40; i++) {
    const clock = base + i * 60_000 + 30_000;
    rows.push({
      ...row(base + i * 60_000, { energy_import_wh: 1000 + i }),
      meterTime: isoWithOffset(clock, off(clock)),
    });
  }
  store.insert(rows);
  const q = store.quarterHours('default', base / 1000, base / 1000 + 1).filter((x) => x.status !== 'missing');
  assert.deepEqual(
    q.map((x) => [x.start_time, x.import_wh, x.status]),
    [
      ['2026-06-01T10:00:00+02:00', 14, 'partial'],
      ['2026-06-01T10:15:00+02:00', 15, 'complete'],
      ['2026-06-01T10:30:00+02:00', 11, 'open'],
    ],
  );
});

test('a restart in the middle of an interval continues it from the stored open row', (t) => {
  const path = join(tempDir(t), 'h.db');
  const base = Date.UTC(2026, 5, 1, 8, 0);
  const rows = (a: number, b: number) =>
    Array.from({ length: b - a }, (_, i) =>
      row(base + (a + i) * 10_000, { energy_import_wh: 1000 + 3 * (a + i) }),
    );
  let store = openHistoryStore(path);
  store.insert(rows(0, 100)); // to 08:16:30
  store.close();
  store = openHistoryStore(path);
  t.after(() => store.close());
  store.insert(rows(100, 200)); // to 08:33:10
  const q = store.quarterHours('default', base / 1000, base / 1000 + 1).filter((x) => x.status !== 'missing');
  assert.deepEqual(
    q.map((x) => [x.start_time, x.import_wh, x.status]),
    [
      ['2026-06-01T09:45:00+02:00', 0, 'partial'],
      ['2026-06-01T10:00:00+02:00', 270, 'complete'],
      ['2026-06-01T10:15:00+02:00', 270, 'complete'],
      ['2026-06-01T10:30:00+02:00', 57, 'open'],
    ],
  );
});
