/**
 * HTTP under load (issue 12): the real server (src/http/server.ts) on a real history file read through the real
 * history sink's reader (pieced queries, query slots), with many dashboards asking for the same view at once.
 * The file holds `days` of one-per-5-s rows for one meter (bench/history.ts's household; `quick`: 2 days, default
 * 31, `--full` a year). Clients run on a worker thread (their own event loop, so the server's loop time is the
 * server's alone); each loops: ask, read the whole answer, ask again, over keep-alive connections. Every request
 * computes its range from the clock as the dashboard does (`to` = now, `from` = to − span, the dashboard's
 * fields), so the range moves each second like 50 real dashboards'.
 * Reported per case: requests/s, latency p50/p95/p99 (ms), answers other than 200, the server's event-loop time
 * per request (performance.eventLoopUtilization: active ms / requests) and the longest event-loop delay
 * (monitorEventLoopDelay). `live` cases store a new row every second while the clients run.
 * Run alone: `node --import tsx bench/http.ts [--quick|--full]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createHttpServer } from '../src/http/server.js';
import { silentLogger } from '../src/log/logger.js';
import { createHistorySink } from '../src/sinks/history/history-sink.js';
import type { DaemonStatus } from '../src/status/status.js';
import type { HistoryRow } from '../src/store/history-row.js';
import { telegrams } from './history.js';

type Row = Record<string, number | string>;

const START = Date.UTC(2024, 11, 31, 23); // bench/history.ts's first telegram
const STEP_MS = 5000;
/** What the dashboard's chart asks for (assets/js/power-chart.js). */
const DASHBOARD_FIELDS = 'power_import_w,power_export_w';

interface Case {
  name: string;
  clients: number;
  /** The view, s: from = to − span. */
  span: number;
  fields?: string;
  live?: boolean;
}

export const caseNames = [
  'day view, 1 client',
  'day view, 50 clients',
  'day view, 50 clients, all fields',
  'day view, 50 clients, a new row each second',
  'year view, 50 clients',
];

const CASES: Case[] = [
  { name: caseNames[0]!, clients: 1, span: 86400, fields: DASHBOARD_FIELDS },
  { name: caseNames[1]!, clients: 50, span: 86400, fields: DASHBOARD_FIELDS },
  { name: caseNames[2]!, clients: 50, span: 86400 },
  { name: caseNames[3]!, clients: 50, span: 86400, fields: DASHBOARD_FIELDS, live: true },
  { name: caseNames[4]!, clients: 50, span: 365 * 86400, fields: DASHBOARD_FIELDS },
];

/** The clients: `clients` loops over keep-alive sockets for `ms`; posts every latency (ms) and the statuses. */
const CLIENTS = `
const http = require('node:http');
const { parentPort, workerData: w } = require('node:worker_threads');
const agent = new http.Agent({ keepAlive: true, maxSockets: w.clients });
const get = (path) => new Promise((resolve, reject) => {
  const req = http.get({ host: '127.0.0.1', port: w.port, path, agent }, (res) => {
    res.on('data', () => {});
    res.on('end', () => resolve(res.statusCode));
    res.on('error', reject);
  });
  req.on('error', reject);
});
(async () => {
  const lat = [];
  const statuses = {};
  const until = performance.now() + w.ms;
  await Promise.all(Array.from({ length: w.clients }, async () => {
    while (performance.now() < until) {
      const to = Math.ceil((Date.now() + w.clockOffset) / 1000);
      const path = '/api/v1/history?from=' + (to - w.span) + '&to=' + to + (w.fields ? '&fields=' + w.fields : '');
      const t0 = performance.now();
      const status = await get(path);
      // latency of the answers with data; the others (503 busy) are counted apart
      if (status === 200) lat.push(performance.now() - t0);
      statuses[status] = (statuses[status] || 0) + 1;
    }
  }));
  agent.destroy();
  parentPort.postMessage({ lat, statuses });
})();
`;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
}

const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

export async function run(opts: { quick: boolean; full?: boolean; only?: string }): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-bench-http-'));
  const days = opts.full ? 365 : opts.quick ? 2 : 31;
  const seconds = opts.quick ? 2 : 8;
  const count = (days * 86400 * 1000) / STEP_MS;
  const sink = createHistorySink(
    { path: join(dir, 'history.db'), retentionDays: 0 },
    { logger: silentLogger },
  );
  const out: Row[] = [];
  try {
    await sink.start?.();
    const store = sink.store()!;
    const gen = telegrams(count + 3600);
    let batch: HistoryRow[] = [];
    for (let k = 0; k < count; k++) {
      batch.push(gen.next().value as HistoryRow);
      if (batch.length < 17_280) continue;
      store.insert(batch);
      batch = [];
    }
    store.insert(batch);
    // the server's clock: just after the last row, moving with real time
    const lastMs = START + (count - 1) * STEP_MS;
    const clockOffset = lastMs + 1000 - Date.now();
    const server = createHttpServer({
      config: { host: '127.0.0.1', port: 0 },
      status: { get: () => ({}) as DaemonStatus },
      history: sink.history,
      latest: () => undefined,
      subscribe: () => () => {},
      logger: silentLogger,
      version: 'bench',
      meters: () => ['default'], // as the daemon passes the configured ids
      now: () => Date.now() + clockOffset,
    });
    const { port } = await server.start();
    try {
      // warm the page cache, the prepared statements and the JIT: a second of the busiest case, not reported
      await (await fetch(`http://127.0.0.1:${port}/api/v1/history?from=0&to=99999999999`)).text();
      await runCase(CASES[1]!, port, clockOffset, 1000, () => {});
      for (const c of CASES) {
        if (opts.only && !c.name.includes(opts.only)) continue;
        // live rows are stamped with the server's clock, so each lands inside the range the clients ask for
        const addRow = () =>
          store.insert([{ ...(gen.next().value as HistoryRow), ts: Date.now() + clockOffset }]);
        out.push(await runCase(c, port, clockOffset, seconds * 1000, addRow));
      }
    } finally {
      await server.stop();
    }
  } finally {
    await sink.stop?.();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function runCase(
  c: Case,
  port: number,
  clockOffset: number,
  ms: number,
  addRow: () => void,
): Promise<Row> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const live = c.live ? setInterval(addRow, 1000) : undefined;
  const worker = new Worker(CLIENTS, {
    eval: true,
    workerData: { port, clients: c.clients, span: c.span, fields: c.fields, ms, clockOffset },
  });
  const elu0 = performance.eventLoopUtilization();
  delay.enable();
  const result = await new Promise<{ lat: number[]; statuses: Record<string, number> }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  delay.disable();
  const elu = performance.eventLoopUtilization(elu0);
  if (live) clearInterval(live);
  await worker.terminate();
  const lat = result.lat.sort((a, b) => a - b);
  const all = Object.values(result.statuses).reduce((a, n) => a + n, 0);
  return {
    case: c.name,
    requests: all,
    req_per_s: Math.round(all / (ms / 1000)),
    ok_per_s: Math.round(lat.length / (ms / 1000)),
    p50_ms: round(quantile(lat, 0.5)),
    p95_ms: round(quantile(lat, 0.95)),
    p99_ms: round(quantile(lat, 0.99)),
    not_200: all - lat.length,
    loop_ms_per_req: round(elu.active / Math.max(1, all), 2),
    max_loop_delay_ms: round(delay.max / 1e6),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run({ quick: process.argv.includes('--quick'), full: process.argv.includes('--full') });
  console.table(rows);
}
