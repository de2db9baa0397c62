/**
 * Issue 9 item 1, end to end: no HTTP request may hold the daemon's event loop. The real daemon reads live
 * telegrams from `kaifareader simulate` through a pty, with a history file holding a year of data (a row every 2
 * minutes, the last two days a row every 5 s); meanwhile the worst query of every history route is sent — everything from
 * 1970 to the year 5138, the finest step allowed — plus a burst of them at once. A worker thread (its own event
 * loop, so the test's JSON parsing cannot delay it) polls /api/v1/status all along: answers within 100 ms, and a
 * monitor preloaded into the daemon (helpers/loop-monitor.mjs) shows its event loop was never held for > ~50 ms.
 * Afterwards every telegram the simulator sent is a row in the history (none dropped or skipped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createPtyPair } from '../helpers/pty.js';
import { DEMO_KEY } from '../../src/simulator/simulated-meter.js';
import { openHistoryStore } from '../../src/store/history-store.js';
import { row } from '../store/helpers.js';
import type { HistoryRow } from '../../src/store/history-row.js';
import { freePort, runCli, waitUntil } from './helpers/cli-process.js';
import { holdsOpen, makeTempDir } from './helpers/daemon-fixtures.js';

const LOOP_MONITOR = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'loop-monitor.mjs');

/** Writes a year of rows ending at `end` (ms): one every 2 minutes, the last two days one every 5 s. */
function fillHistory(path: string, end: number): number {
  const store = openHistoryStore(path);
  let batch: HistoryRow[] = [];
  let n = 0;
  try {
    for (let t = end - 366 * 86_400_000; t < end; t += t < end - 2 * 86_400_000 ? 120_000 : 5000) {
      n++;
      batch.push(
        row(t, {
          energy_import_wh: 1_000_000 + n * 10,
          energy_export_wh: 5000,
          power_import_w: 400 + (n % 100),
          voltage_l1_dv: 2300 + (n % 7),
          current_l1_ma: 1500,
        }),
      );
      if (batch.length < 20_000) continue;
      store.insert(batch);
      batch = [];
    }
    store.insert(batch);
  } finally {
    store.close();
  }
  return n;
}

/** Polls `url` every 10 ms on its own thread until told to stop; posts the slowest answer and the count. */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false;
parentPort.on('message', () => (stop = true));
(async () => {
  const lat = [];
  while (!stop) {
    const t0 = performance.now();
    const res = await fetch(workerData.url);
    await res.text();
    if (res.status !== 200) throw new Error('status answered ' + res.status);
    lat.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage({ max: Math.max(...lat), n: lat.length, slow: lat.filter((l) => l > 100).length });
})();
`;

interface PollResult {
  max: number;
  n: number;
  slow: number;
}

test('worst history/energy/CSV queries while telegrams flow: status answers within 100 ms, no telegram lost', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const historyPath = join(dir.path, 'history.db');
  const filledUntil = Date.now() - 60_000;
  const filled = fillHistory(historyPath, filledUntil);
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const port = await freePort();
  const config = join(dir.path, 'meter.json');
  writeFileSync(
    config,
    JSON.stringify({
      source: { port: pty.b },
      key: DEMO_KEY,
      data_dir: dir.path,
      exports: { history: { path: historyPath, retention_days: 400 } },
      http: { host: '127.0.0.1', port },
    }),
  );
  chmodSync(config, 0o600);
  const daemon = runCli(['--config', config], {}, ['--import', LOOP_MONITOR]);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
    context: log,
    process: daemon,
  });
  await waitUntil(() => log().includes('dashboard'), 'the dashboard line', { context: log, process: daemon });
  const sim = runCli(['simulate', '--port', pty.a, '--period', '0.3']);
  t.after(() => sim.stop('SIGKILL'));
  const status = async () => (await (await fetch(`${base}/api/v1/status`)).json()) as Record<string, unknown>;
  await waitUntil(async () => ((await status()).telegrams_ok as number) >= 3, 'three telegrams', {
    context: () => `${log()}\n${sim.stderr()}`,
    process: daemon,
  });
  assert.ok(((await status()).history_rows as number) >= filled, 'history_rows at start');

  const poller = new Worker(POLLER, { eval: true, workerData: { url: `${base}/api/v1/status` } });
  const polled = new Promise<PollResult>((resolve, reject) => {
    poller.once('message', resolve);
    poller.once('error', reject);
  });
  t.after(() => poller.terminate());

  const endS = Math.floor(filledUntil / 1000);
  const all = 'from=0&to=99999999999';
  // the finest grid each route allows: 20 000 buckets over the last two days (raw rows) and over the year
  const twoDays = `from=${endS - 172_800}&to=${endS}&step=9`;
  const year = `${all}&step=${Math.ceil((367 * 86_400) / 20_000)}`;
  // quarter hours: the largest range allowed (31 days: the whole local days it touches, 32 at most)
  const month = `period=15min&from=${endS - 31 * 86_400}&to=${endS}`;
  const worst = [
    `/api/v1/energy?${month}`,
    `/api/v1/energy.csv?${month}`,
    `/api/v1/energy?period=day&${all}`,
    `/api/v1/energy?period=month&${all}`,
    `/api/v1/history?${all}`,
    `/api/v1/history?${twoDays}`,
    `/api/v1/history?${year}`,
    `/api/v1/history.csv?${twoDays}`,
    `/api/v1/history.csv?${year}`,
  ];
  const window = { from: Date.now(), to: Infinity };
  for (const path of worst) {
    const res = await fetch(base + path);
    const body = await res.text();
    assert.equal(res.status, 200, `${path}: ${body.slice(0, 300)}`);
    if (path.includes('15min')) {
      const rows = path.includes('.csv')
        ? body.split('\r\n').length - 2
        : (JSON.parse(body) as { buckets: unknown[] }).buckets.length;
      // 31 or 32 local days of 96 (the year holds one spring and one autumn DST day: ±4)
      assert.ok(rows >= 31 * 96 - 4 && rows <= 32 * 96 + 4, `${path}: ${rows} quarter hours`);
    } else if (path.includes('/energy')) {
      const e = JSON.parse(body) as { from: number; buckets: { label: string }[] };
      // clamped to the oldest stored hour (the rollups start at its beginning)
      const firstHour = Math.floor((filledUntil - 366 * 86_400_000) / 3_600_000) * 3600;
      assert.equal(e.from, firstHour, `${path} not clamped`);
      assert.ok(
        e.buckets.length >= (path.includes('day') ? 366 : 12),
        `${path}: ${e.buckets.length} buckets`,
      );
    } else if (path.includes('.csv')) {
      assert.ok(body.split('\r\n').length > 1000, `${path}: too few CSV rows`);
    } else {
      const h = JSON.parse(body) as { from: number; to: number; t: number[]; step: number };
      assert.ok(h.t.length > 0 && h.t[0]! >= h.from && h.t.at(-1)! < h.to, `${path}: t outside [from, to)`);
    }
  }
  // a burst at once: all answered (a few may be told to come back: 503 busy with Retry-After)
  const burst = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const res = await fetch(base + worst[i % worst.length]!);
      await res.arrayBuffer();
      if (res.status === 503) assert.equal(res.headers.get('retry-after'), '2');
      return res.status;
    }),
  );
  assert.ok(
    burst.every((s) => s === 200 || s === 503),
    `burst answered ${burst.join(', ')}`,
  );
  assert.ok(burst.filter((s) => s === 200).length >= 2, `burst answered ${burst.join(', ')}`);

  window.to = Date.now();
  poller.postMessage('stop');
  const p = await polled;
  assert.ok(p.n >= 10, `only ${p.n} status answers during the queries`);
  // Status within 100 ms. The machine's cores are shared (tests run in parallel), so the poller or the daemon is
  // sometimes descheduled for a moment: a rare late answer (≤ 2 %, under 1 s) is tolerated when the daemon's own
  // event loop was never held (checked below); a blocked loop (the old freeze: 11–21 s) fails either way.
  const late = `/api/v1/status took up to ${p.max.toFixed(0)} ms (${p.slow} of ${p.n} over 100 ms)`;
  assert.ok(p.slow <= Math.floor(p.n * 0.02) && p.max < 1000, late);
  if (p.slow > 0) t.diagnostic(late);

  // every telegram the simulator sent became a history row
  assert.deepEqual(await sim.stop('SIGTERM'), { code: 0, signal: null });
  const sent = Number(/sent (\d+) telegram\(s\)/.exec(sim.stderr())?.[1]);
  assert.ok(sent > 3, sim.stderr());
  await waitUntil(async () => (await status()).telegrams_ok === sent, `telegrams_ok = ${sent}`, {
    context: log,
    process: daemon,
  });
  // the history sink writes once a second
  await waitUntil(
    async () => (await status()).history_rows === filled + sent,
    `history_rows = ${filled} + ${sent}`,
    { context: log, process: daemon },
  );
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
  assert.doesNotMatch(log(), /clock go backwards|no-bytes|memory queue full/);
  // the daemon's event loop during the queries: no step held it for long (~50 ms; 100 ms for a shared machine)
  const gaps = [...log().matchAll(/event-loop: held for (\d+) ms \(cpu (\d+) ms\) until (\d+)/g)]
    .map((m) => ({ ms: Number(m[1]), cpu: Number(m[2]), until: Number(m[3]) }))
    .filter((g) => g.until >= window.from && g.until - g.ms <= window.to);
  // the time the daemon ran without yielding: the gap, less the time it was waiting for a core
  const held = Math.max(0, ...gaps.map((g) => Math.min(g.ms, g.cpu)));
  t.diagnostic(
    `longest event-loop gap during the queries: ${held} ms of CPU (${JSON.stringify(gaps.slice(0, 20))})`,
  );
  assert.ok(held < 60, `the event loop was held during the queries: ${JSON.stringify(gaps)}`);
  const store = openHistoryStore(historyPath);
  try {
    assert.equal(store.count(), filled + sent, 'rows in the file');
  } finally {
    store.close();
  }
});
