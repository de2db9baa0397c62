/**
 * `kaifareader demo`: the whole daemon against the built-in simulated meter — decoded telegrams in the log, the
 * Solarview file and history.db in the data dir, readings from the JSON API — and SIGTERM ends it with 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli, waitUntil } from './helpers/cli-process.js';
import { makeTempDir, readIfExists } from './helpers/daemon-fixtures.js';

test('demo: telegrams decode, solarview.txt and history.db appear, /api/v1/latest has readings, SIGTERM → 0', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const demo = runCli(['demo', '--http-port', '0', '--data-dir', dir.path, '--period', '0.5']);
  t.after(() => demo.stop('SIGKILL'));
  const log = () => demo.stderr();
  const opts = { context: log, process: demo };
  const port = await waitUntil(
    () => /dashboard on http:\/\/127\.0\.0\.1:(\d+)\//.exec(log())?.[1],
    'the dashboard line',
    opts,
  );
  // The first telegram is logged at info, the others at debug (issue 9, item 17): count them in the status.
  assert.match(
    await waitUntil(
      () => /\[meter\] 1KFM0200004242: 1\.8\.0 \d+\.\d{3} kWh.*/.exec(log())?.[0],
      'a telegram',
      opts,
    ),
    /P\+ \d+ W/,
  );
  await waitUntil(
    async () => {
      const st = (await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json()) as {
        telegrams_ok: number;
      };
      return st.telegrams_ok >= 2;
    },
    'two decoded telegrams',
    opts,
  );
  assert.match(log(), /first telegram decoded/);
  await waitUntil(() => existsSync(join(dir.path, 'solarview.txt')), 'solarview.txt', opts);
  assert.match(
    readIfExists(join(dir.path, 'solarview.txt'))!,
    /^\/\?!\n\/KAIFA\n1\.8\.0\(\d{6}\.\d{3}\*kWh\)\n2\.8\.0\(\d{6}\.\d{3}\*kWh\)\n!\n$/,
  );
  assert.ok(existsSync(join(dir.path, 'history.db')), 'history.db is missing');

  const res = await fetch(`http://127.0.0.1:${port}/api/v1/latest`);
  assert.equal(res.status, 200);
  const latest = (await res.json()) as {
    meter_id: string;
    readings: Record<string, { value: unknown; unit: string | null; obis: string }>;
  };
  assert.equal(latest.meter_id, '1KFM0200004242');
  assert.equal(latest.readings.energy_import_wh?.obis, '1.0.1.8.0.255');
  assert.equal(latest.readings.energy_import_wh?.unit, 'Wh');
  assert.equal(typeof latest.readings.energy_import_wh?.value, 'number');
  assert.equal(typeof latest.readings.power_import_w?.value, 'number');
  assert.ok(Object.keys(latest.readings).length >= 10, JSON.stringify(latest));

  assert.deepEqual(await demo.stop('SIGTERM'), { code: 0, signal: null });
  assert.match(log(), /SIGTERM: stopping/);
  assert.doesNotMatch(log(), /ERROR/);
});

test('demo --meters 3: three simulated meters, each its own status, Solarview file and history; a restart resumes them', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const start = () =>
    runCli(['demo', '--meters', '3', '--http-port', '0', '--data-dir', dir.path, '--period', '0.5']);
  interface Meter {
    id: string;
    name: string | null;
    meter_number: string;
    diagnosis: { state: string };
    telegrams_ok: number;
  }
  const run = async () => {
    const demo = start();
    t.after(() => demo.stop('SIGKILL'));
    const opts = { context: () => demo.stderr(), process: demo, timeoutMs: 30_000 };
    const port = await waitUntil(
      () => /dashboard on http:\/\/127\.0\.0\.1:(\d+)\//.exec(demo.stderr())?.[1],
      'the dashboard line',
      opts,
    );
    const meters = await waitUntil(
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/meters`)).json()) as {
          meters: Meter[];
        };
        return body.meters.every((m) => m.telegrams_ok >= 2) ? body.meters : undefined;
      },
      'two telegrams from every meter',
      opts,
    );
    return { demo, port, meters };
  };
  const first = await run();
  assert.deepEqual(
    first.meters.map((m) => [m.id, m.name, m.diagnosis.state]),
    [
      ['house', 'House', 'ok'],
      ['heatpump', 'Heat pump', 'ok'],
      ['pv', 'PV system', 'ok'],
    ],
  );
  assert.equal(new Set(first.meters.map((m) => m.meter_number)).size, 3, 'each meter its own number');
  for (const id of ['house', 'heatpump', 'pv']) {
    assert.match(
      first.demo.stderr(),
      new RegExp(`filled the new history with 10080 simulated minutes .* for ${id}`),
    );
    assert.match(readIfExists(join(dir.path, `solarview-${id}.txt`)) ?? '', /^\/\?!\n\/KAIFA\n1\.8\.0\(/);
  }
  // The backfilled week is each meter's own: the PV system exports by day, the heat pump never does.
  const energy = async (port: string, id: string) => {
    const now = Math.floor(Date.now() / 1000);
    const url = `http://127.0.0.1:${port}/api/v1/energy?period=day&meter=${id}&from=${now - 8 * 86400}&to=${now}`;
    const body = (await (await fetch(url)).json()) as { buckets: { import_wh: number; export_wh: number }[] };
    return body.buckets.reduce((s, b) => ({ i: s.i + b.import_wh, e: s.e + b.export_wh }), { i: 0, e: 0 });
  };
  const pvWeek = await energy(first.port, 'pv');
  const heatWeek = await energy(first.port, 'heatpump');
  assert.ok(pvWeek.e > 0, JSON.stringify(pvWeek));
  assert.ok(heatWeek.i > 0 && heatWeek.e === 0, JSON.stringify(heatWeek));
  const latest = async (port: string, id: string) =>
    (
      (await (await fetch(`http://127.0.0.1:${port}/api/v1/latest?meter=${id}`)).json()) as {
        readings: { energy_export_wh: { value: number } };
      }
    ).readings.energy_export_wh.value;
  const pvBefore = await latest(first.port, 'pv');
  assert.deepEqual(await first.demo.stop('SIGTERM'), { code: 0, signal: null });

  // Same data dir: no new backfill, every meter continues from its stored counters (never backwards).
  const second = await run();
  assert.doesNotMatch(second.demo.stderr(), /filled the new history/);
  assert.ok((await latest(second.port, 'pv')) >= pvBefore, 'the PV export counter went backwards');
  assert.deepEqual(await second.demo.stop('SIGTERM'), { code: 0, signal: null });
  assert.doesNotMatch(first.demo.stderr() + second.demo.stderr(), /ERROR/);
});

test('dashboard port already taken: one clear error line, exit 69 (EX_UNAVAILABLE), no stack trace', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as AddressInfo).port;
  for (const [event, flag] of [
    ['start', 'npm start -- --http-port 8081'],
    [undefined, 'kaifareader demo --http-port 8081'],
  ] as const) {
    const demo = runCli(['demo', '--http-port', String(port), '--data-dir', dir.path], {
      npm_lifecycle_event: event,
    });
    t.after(() => demo.stop('SIGKILL'));
    const exit = await demo.exited;
    assert.deepEqual(exit, { code: 69, signal: null }, demo.stderr());
    assert.match(demo.stderr(), new RegExp(`cannot start: http: 127\\.0\\.0\\.1:${port} is already in use`));
    assert.ok(demo.stderr().includes(`start the demo on another port: \`${flag}\``), demo.stderr());
    assert.doesNotMatch(demo.stderr(), /http\.port/, 'no config key the demo cannot take');
    assert.doesNotMatch(demo.stderr(), /\n\s+at /, 'no stack trace');
  }
});

test('demo --http-host off loopback is accepted with a token made for the run and printed', async (t) => {
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: the demo gets as far as listening, and nothing is ever
  // reachable from the network during the test. A refused config would end before printing a token.
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const demo = runCli(['demo', '--http-host', '192.0.2.1', '--http-port', '0', '--data-dir', dir.path], {
    npm_lifecycle_event: 'start',
  });
  t.after(() => demo.stop('SIGKILL'));
  const exit = await demo.exited;
  assert.match(
    demo.stderr(),
    /reachable from the network, so it asks for this run's token: .*\?token=[A-Za-z0-9_-]{24} /,
  );
  assert.doesNotMatch(demo.stderr(), /invalid configuration|http\.token|basic_auth/, 'not refused');
  assert.deepEqual(exit, { code: 69, signal: null }, demo.stderr());
  assert.match(
    demo.stderr(),
    /192\.0\.2\.1 is not an address of this machine: give another address: `npm start -- --http-host 127\.0\.0\.1`/,
  );
});
