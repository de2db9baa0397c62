/**
 * The history routes' answers, byte for byte, over a grid of ranges, steps, fields and meters on a real history
 * file read through the real history sink: the answer cache, the coalescing of identical requests and any change
 * to the series SQL must not change one byte. The expected hashes (history-answers.golden.json: status and the
 * SHA-256 of the body per request) were written by the code before the answer cache (the commit that added this
 * test) with `KAIFAREADER_WRITE_GOLDEN=1 node scripts/run-tests.mjs history-answers`.
 * The fixture: meter `default` with three days of rows every 5 s (a two-hour gap, per-phase power only in part of
 * it), meter `flat` with the last 26 hours every 10 s (1-phase: the other columns NULL), and retention having
 * removed the first 12 hours of raw rows (ranges there are served by the hour rollups).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import { silentLogger } from '../../src/log/logger.js';
import type { HistoryRow } from '../../src/store/history-row.js';
import { row, tempDir } from '../store/helpers.js';
import { startHarness } from './harness.js';

const NOW_S = 1_632_728_840; // the harness clock
const END_MS = (NOW_S - 20) * 1000;
const T0_MS = Date.UTC(2021, 8, 24, 0, 0, 1);
const GOLDEN = join(import.meta.dirname, 'history-answers.golden.json');

function fixtureRows(): HistoryRow[] {
  const rows: HistoryRow[] = [];
  let importWh = 1_234_567;
  let exportWh = 54_321;
  const gap = [T0_MS + 40 * 3_600_000, T0_MS + 42 * 3_600_000];
  for (let k = 0, t = T0_MS; t < END_MS; k++, t += 5000) {
    if (t >= gap[0]! && t < gap[1]!) continue;
    const pIn = (k * 37) % 3000;
    const pOut = k % 500 < 100 ? (k * 13) % 1500 : 0;
    importWh += k % 3;
    exportWh += k % 7 === 0 ? 1 : 0;
    const phases = k % 20_000 < 5000;
    rows.push(
      row(t, {
        energy_import_wh: importWh,
        energy_export_wh: exportWh,
        power_import_w: pIn,
        power_export_w: pOut,
        voltage_l1_dv: 2300 + ((k * 7) % 80),
        voltage_l2_dv: 2310 + ((k * 3) % 61),
        voltage_l3_dv: 2290 + ((k * 5) % 97),
        current_l1_ma: (k * 11) % 20_000,
        current_l2_ma: (k * 17) % 13_000,
        current_l3_ma: (k * 19) % 9000,
        power_l1_w: phases ? pIn % 1000 : null,
        power_l2_w: phases ? (pIn * 3) % 1000 : null,
        power_l3_w: phases ? (pIn * 7) % 1000 : null,
      }),
    );
  }
  let flatWh = 777_000;
  for (let k = 0, t = END_MS - 26 * 3_600_000 + 3000; t < END_MS; k++, t += 10_000) {
    flatWh += k % 2;
    rows.push(
      row(
        t,
        {
          meter: 'flat',
          energy_import_wh: flatWh,
          power_import_w: 100 + ((k * 29) % 900),
          voltage_l1_dv: 2280 + ((k * 13) % 90),
          current_l1_ma: (k * 23) % 4000,
        },
        'F1',
      ),
    );
  }
  return rows.sort((a, b) => a.ts - b.ts);
}

const T0 = T0_MS / 1000;
const RANGES = [
  '', // the default hour
  `from=${NOW_S - 86_400}&to=${NOW_S}`, // the dashboard's day view
  `from=${NOW_S - 86_400 + 17}&to=${NOW_S + 3}`,
  `from=${NOW_S - 3600}&to=${NOW_S}`,
  `from=${NOW_S - 172_800}&to=${NOW_S}`, // two days: still the raw rows
  `from=${NOW_S - 172_801}&to=${NOW_S}`, // longer: the rollups
  'from=0&to=99999999999',
  `from=${T0 + 3600}&to=${T0 + 7200}`, // raw rows removed by retention: the hour rollups
  `from=${T0 + 6 * 3600 + 11}&to=${T0 + 30 * 3600}`, // across the removed part
  `from=${T0 + 39 * 3600}&to=${T0 + 43 * 3600 + 7}`, // across the gap
];
const STEPS = ['', 'step=121', 'step=3600'];
const FIELDS = [
  '',
  'fields=power_import_w,power_export_w',
  'fields=energy_import_wh,voltage_l1_v,current_l3_a',
];
const METERS = ['', 'meter=flat'];

function grid(): string[] {
  const out: string[] = [];
  for (const r of RANGES)
    for (const s of STEPS)
      for (const m of METERS) {
        for (const f of FIELDS) out.push(`/api/v1/history?${[r, s, f, m].filter(Boolean).join('&')}`);
        if (!m) out.push(`/api/v1/history.csv?${[r, s].filter(Boolean).join('&')}`);
      }
  return out;
}

test('history answers are byte-identical to the recorded ones over a grid of ranges, steps, fields, meters', async (t) => {
  const path = join(tempDir(t), 'history.db');
  const sink = createHistorySink({ path, retentionDays: 0 }, { logger: silentLogger });
  await sink.start?.();
  t.after(() => sink.stop?.());
  const store = sink.store()!;
  store.insert(fixtureRows());
  store.deleteRawBefore(T0_MS + 12 * 3_600_000, 1_000_000);
  const h = await startHarness({ history: sink.history, meters: () => ['default', 'flat'] });
  t.after(() => h.close());
  const got: Record<string, string> = {};
  // twice: the second round is answered from the cache where there is one, and must not differ either
  for (const round of [1, 2]) {
    for (const path of grid()) {
      const res = await fetch(h.base + path);
      const body = Buffer.from(await res.arrayBuffer());
      const hash = `${res.status} ${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
      if (round === 1) got[path] = hash;
      else assert.equal(hash, got[path], `${path}: the second answer differs from the first`);
    }
  }
  assert.ok(Object.values(got).filter((h) => h.startsWith('200 ')).length > 120, 'most of the grid answers');
  if (process.env.KAIFAREADER_WRITE_GOLDEN === '1') {
    writeFileSync(GOLDEN, JSON.stringify(got, null, 1) + '\n');
    return;
  }
  const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string>;
  assert.equal(
    Object.keys(got).length,
    Object.keys(want).length,
    'the grid changed: rewrite the golden file',
  );
  for (const [path, hash] of Object.entries(want)) assert.equal(got[path], hash, path);
});
