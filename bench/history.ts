/**
 * History store benchmark: generates 5-second telegrams (a year; `quick`: a month) with realistic household values
 * (base load with appliance peaks, PV export at noon in summer, 3-phase voltages and currents, no per-phase power
 * like a Kaifa MA309), inserts them in hour-sized batches, then reports insert rate, file size per year and the
 * median time of the dashboard queries, and where the bytes go (SQLite's dbstat: bytes per raw row, rollups).
 * Run alone: `node --import tsx bench/history.ts [--full]` (a month; `--full`: a year, 6.3 M rows, ~3 min).
 * From `npm run bench`: a month, `--quick` a week.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistoryStore, type HistoryStore } from '../src/store/history-store.js';
import type { HistoryRow } from '../src/store/history-row.js';
import { openDatabase } from '../src/store/sqlite.js';

const START = Date.UTC(2024, 11, 31, 23); // 2025-01-01 00:00 Europe/Vienna
const STEP_MS = 5000;
const ROWS_PER_YEAR = (365 * 86400 * 1000) / STEP_MS;

/** Small deterministic PRNG (mulberry32) so every run writes the same file. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function* telegrams(count: number): Generator<HistoryRow> {
  const rnd = prng(42);
  let importWh = 12_345_678;
  let exportWh = 2_345_678;
  let reactiveIn = 3_456_789;
  let reactiveOut = 1_234_567;
  let appliance = 0;
  for (let k = 0; k < count; k++) {
    const ts = START + k * STEP_MS;
    const hour = ((ts / 3_600_000) % 24) + 1;
    const season = Math.cos(((ts - START) / (365 * 86_400_000) - 0.47) * 2 * Math.PI) * 0.5 + 0.5;
    const pv = hour > 6 && hour < 20 ? 4000 * season * Math.max(0, Math.sin(((hour - 6) / 14) * Math.PI)) : 0;
    if (rnd() < 0.002) appliance = rnd() < 0.5 ? 0 : 800 + rnd() * 2000;
    const load = 180 + rnd() * 120 + appliance;
    const net = Math.round(load - pv * (0.8 + rnd() * 0.2));
    const [pIn, pOut] = net >= 0 ? [net, 0] : [0, -net];
    importWh += (pIn * STEP_MS) / 3_600_000;
    exportWh += (pOut * STEP_MS) / 3_600_000;
    reactiveIn += (pIn * 0.1 * STEP_MS) / 3_600_000;
    reactiveOut += (pOut * 0.05 * STEP_MS) / 3_600_000;
    const v = [2300 + rnd() * 80, 2300 + rnd() * 80, 2300 + rnd() * 80].map(Math.round);
    const phase = Math.max(pIn, pOut) / 3;
    yield {
      ts,
      meter: 'default',
      meterId: '1KFM0200204711',
      energy_import_wh: Math.floor(importWh),
      energy_export_wh: Math.floor(exportWh),
      reactive_import_varh: Math.floor(reactiveIn),
      reactive_export_varh: Math.floor(reactiveOut),
      power_import_w: pIn,
      power_export_w: pOut,
      voltage_l1_dv: v[0]!,
      voltage_l2_dv: v[1]!,
      voltage_l3_dv: v[2]!,
      current_l1_ma: Math.round((phase * (0.8 + rnd() * 0.4) * 10000) / v[0]!),
      current_l2_ma: Math.round((phase * (0.8 + rnd() * 0.4) * 10000) / v[1]!),
      current_l3_ma: Math.round((phase * (0.8 + rnd() * 0.4) * 10000) / v[2]!),
      power_l1_w: null,
      power_l2_w: null,
      power_l3_w: null,
    };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeQuery(name: string, fn: () => unknown, runs = 5): Record<string, number | string> {
  fn(); // warm the page cache and statement preparation once
  const ms: number[] = [];
  let points = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = fn() as { t?: unknown[]; length?: number };
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    points = r.t ? r.t.length : (r.length ?? 0);
  }
  return { case: name, median_ms: Number(median(ms).toFixed(2)), points };
}

/** Inserts the first `count` telegrams in batches; returns the seconds taken and the `extra` telegrams after them. */
function insertAll(store: HistoryStore, count: number, batch: number, extra: number): [number, HistoryRow[]] {
  let seconds = 0;
  let buf: HistoryRow[] = [];
  const rest: HistoryRow[] = [];
  const write = (): void => {
    const t0 = performance.now();
    store.insert(buf);
    seconds += (performance.now() - t0) / 1000;
    buf = [];
  };
  let k = 0;
  for (const row of telegrams(count + extra)) {
    if (k++ >= count) rest.push(row);
    else if (buf.push(row) === batch) write();
  }
  if (buf.length) write();
  return [seconds, rest];
}

/** Size, bytes per row (all pages / leaf cells) and record payload per row of the two largest tables (dbstat). */
function storage(file: string): Array<Record<string, number | string>> {
  const db = openDatabase(file, []);
  try {
    const rows = db
      .prepare(
        `SELECT name, count(*) AS pages, sum(pgsize) AS bytes, sum(payload) AS payload,
         sum(CASE WHEN pagetype = 'leaf' THEN ncell ELSE 0 END) AS cells
         FROM dbstat GROUP BY name ORDER BY bytes DESC`,
      )
      .all() as { name: string; pages: number; bytes: number; payload: number; cells: number }[];
    return rows.slice(0, 2).map((r) => ({
      case: `table ${r.name}`,
      rows: r.cells,
      mb: Number((r.bytes / 1e6).toFixed(1)),
      bytes_per_row: Number((r.bytes / Math.max(1, r.cells)).toFixed(1)),
      payload_per_row: Number((r.payload / Math.max(1, r.cells)).toFixed(1)),
    }));
  } finally {
    db.close();
  }
}

export async function run(opts: {
  quick: boolean;
  full?: boolean;
}): Promise<Array<Record<string, number | string>>> {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-bench-history-'));
  const file = join(dir, 'history.db');
  const days = opts.full ? 365 : opts.quick ? 7 : 30;
  const count = (days * 86400 * 1000) / STEP_MS;
  const out: Array<Record<string, number | string>> = [];
  try {
    let store = openHistoryStore(file);
    const single = 2000;
    const t0 = performance.now();
    const [seconds, rest] = insertAll(store, count, 720, single);
    const withGeneration = (performance.now() - t0) / 1000;
    out.push({
      case: `insert ${days} d (batches of 720)`,
      rows: count,
      seconds: Number(seconds.toFixed(1)),
      rows_per_s: Math.round(count / seconds),
      seconds_with_generation: Number(withGeneration.toFixed(1)),
    });
    const singleT0 = performance.now();
    for (const row of rest) store.insert([row]);
    const singleS = (performance.now() - singleT0) / 1000;
    out.push({
      case: 'insert 1 row per transaction',
      rows: single,
      rows_per_s: Math.round(single / singleS),
    });
    store.close(); // checkpoints the WAL into the file
    const mb = statSync(file).size / 1e6;
    out.push({
      case: 'file size',
      rows: count + single,
      mb: Number(mb.toFixed(1)),
      mb_per_year: Math.round((mb * ROWS_PER_YEAR) / (count + single)),
    });
    out.push(...storage(file));
    store = openHistoryStore(file);
    const end = (START + count * STEP_MS) / 1000;
    const q = (label: string, range: number, step: number): void => {
      out.push(timeQuery(`series ${label}`, () => store.series('default', end - range, end, step)));
    };
    q('hour', 3600, 5);
    q('day', 86400, 86);
    q('2 days', 2 * 86400, 86);
    q('week', 7 * 86400, 605);
    q('month', 30 * 86400, 2592);
    if (days >= 365) q('year', 365 * 86400, 31536);
    out.push(
      timeQuery(`energy per day (${days} d)`, () => store.energy('default', 'day', end - days * 86400, end)),
    );
    out.push(
      timeQuery(`energy per month (${days} d)`, () =>
        store.energy('default', 'month', end - days * 86400, end),
      ),
    );
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run({ quick: false, full: process.argv.includes('--full') });
  console.table(rows);
}
