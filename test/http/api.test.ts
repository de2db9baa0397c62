import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createFakeHistory, type FakeRow } from '../helpers/fake-history.js';
import { formatMetrics } from '../../src/http/metrics-format.js';
import { fixtureSnapshot, fixtureStatus } from './fixtures.js';
import { startHarness } from './harness.js';
import { openEvents } from './sse-reader.js';

const NOW_S = 1_632_728_840; // the harness clock
const T0 = 1_632_726_000; // divisible by 60
const rows: FakeRow[] = Array.from({ length: 60 }, (_, i) => ({
  t: T0 + i * 60,
  values: { power_import_w: 100 + i, energy_import_wh: 12_000 + 2 * i, energy_export_wh: 500 },
}));

async function json(res: Response) {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as Record<string, unknown>;
}

test('GET /api/v1/latest: 404 before the first telegram, then the snapshot keyed by stable keys', async () => {
  const h = await startHarness();
  try {
    let res = await fetch(`${h.base}/api/v1/latest`);
    assert.equal(res.status, 404);
    assert.equal((await json(res)).error, 'no_data');
    h.setLatest(fixtureSnapshot());
    res = await fetch(`${h.base}/api/v1/latest`);
    assert.equal(res.status, 200);
    const body = await json(res);
    assert.equal(body.meter, 'default');
    assert.equal(body.meter_id, '181220000009');
    assert.equal(body.meter_time, '2021-09-27T09:47:15+02:00');
    assert.equal(body.received_at, 1_632_728_835);
    const readings = body.readings as Record<string, unknown>;
    assert.deepEqual(readings.energy_import_wh, {
      value: 12937,
      unit: 'Wh',
      obis: '1.0.1.8.0.255',
      name: 'Active energy import (A+)',
    });
    assert.deepEqual(readings.meter_number, {
      value: '181220000009',
      unit: null,
      obis: '0.0.96.1.0.255',
      name: 'Meter number',
    });
  } finally {
    await h.close();
  }
});

test('GET /api/v1/latest falls back to the history store after a restart', async () => {
  const h = await startHarness({ history: createFakeHistory([], fixtureSnapshot(1_600_000_000_000)) });
  try {
    const body = await json(await fetch(`${h.base}/api/v1/latest`));
    assert.equal(body.received_at, 1_600_000_000);
  } finally {
    await h.close();
  }
});

test('GET /api/v1/status: every DaemonStatus field in snake_case', async () => {
  const h = await startHarness({ history: createFakeHistory(rows) });
  try {
    const body = await json(await fetch(`${h.base}/api/v1/status`));
    assert.deepEqual(body, {
      version: '0.1.0',
      started_at: 1_632_728_000,
      uptime_s: 840,
      source: '/dev/ttyUSB0 2400 8N1',
      source_connected: true,
      bytes_received: 123_456,
      frames_ok: 334,
      telegrams_ok: 167,
      errors_by_code: { 'mbus.checksum': 2, 'plaintext.invalid': 1 },
      last_error: { code: 'mbus.checksum', message: 'M-Bus checksum 0x16 expected 0x17', at: 1_632_728_500 },
      last_telegram_at: 1_632_728_835,
      last_telegram_age_s: 5,
      meter_id: '181220000009',
      diagnosis: { state: 'ok', hint: 'telegrams arrive and decode' },
      sinks: {
        mqtt: {
          ok: false,
          state: 'broker unreachable: ECONNREFUSED',
          backlog: 42,
          dropped: 0,
          last_error: 'ECONNREFUSED',
        },
        solarview: {
          ok: true,
          state: 'writing /run/kaifareader/solarview.txt',
          backlog: null,
          dropped: null,
          last_error: null,
        },
      },
      history_rows: 60,
      meters: [
        {
          id: 'default',
          name: null,
          source: '/dev/ttyUSB0 2400 8N1',
          source_connected: true,
          bytes_received: 123_456,
          frames_ok: 334,
          telegrams_ok: 167,
          errors_by_code: { 'mbus.checksum': 2, 'plaintext.invalid': 1 },
          last_error: {
            code: 'mbus.checksum',
            message: 'M-Bus checksum 0x16 expected 0x17',
            at: 1_632_728_500,
          },
          last_telegram_at: 1_632_728_835,
          last_telegram_age_s: 5,
          meter_id: '181220000009',
          diagnosis: { state: 'ok', hint: 'telegrams arrive and decode' },
        },
      ],
    });
  } finally {
    await h.close();
  }
});

test('GET /api/v1/history passes from/to/step to the store and shapes the answer', async () => {
  const history = createFakeHistory(rows);
  const h = await startHarness({ history });
  try {
    const q = `from=${T0}&to=${T0 + 300}&step=120&fields=power_import_w,energy_import_wh`;
    const body = await json(await fetch(`${h.base}/api/v1/history?${q}`));
    assert.deepEqual(history.calls.at(-1), { method: 'series', args: [T0, T0 + 300, 120], meter: 'default' });
    // fake store: mean per bucket rounded (100.5 → 101, 102.5 → 103, 104), energy = last value in the bucket
    assert.deepEqual(body, {
      from: T0,
      to: T0 + 300,
      step: 120,
      requested_step: 120,
      t: [T0, T0 + 120, T0 + 240],
      series: { power_import_w: [101, 103, 104], energy_import_wh: [12_002, 12_006, 12_008] },
    });
    // the default hour (NOW_S − 3600 … NOW_S) is clamped to the stored rows (from T0), ~720 buckets of it
    await json(await fetch(`${h.base}/api/v1/history`));
    assert.deepEqual(history.calls.at(-1), { method: 'series', args: [T0, NOW_S, 4], meter: 'default' });
  } finally {
    await h.close();
  }
});

test('history and energy parameters are validated with 400 and a message saying what to send', async (t) => {
  const h = await startHarness({ history: createFakeHistory(rows) });
  t.after(() => h.close());
  // two rows eleven years apart: even clamped to them, step=60 gives millions of buckets, period=day over 4000 days
  const far = { ...rows[0]!, t: T0 + 11 * 365 * 86400 };
  const wide = await startHarness({ history: createFakeHistory([rows[0]!, far]) });
  t.after(() => wide.close());
  const all = 'from=0&to=99999999999';
  const cases: [string, RegExp][] = [
    [h.base + '/api/v1/history?from=yesterday', /from must be a time in unix seconds/],
    [h.base + `/api/v1/history?from=${T0}&to=${T0}`, /from \(\d+\) must be before to/],
    [h.base + '/api/v1/history?step=0', /step must be a whole number of seconds ≥ 1/],
    [h.base + '/api/v1/history?step=-5', /step must be a whole number/],
    [
      h.base + '/api/v1/history?fields=power,voltage_l1_v',
      /unknown field\(s\) power: choose from power_import_w/,
    ],
    [h.base + '/api/v1/history.csv?to=1e9', /to must be a time in unix seconds/],
    [h.base + '/api/v1/energy', /period must be "day", "month" or "15min", got nothing/],
    [h.base + '/api/v1/energy?period=week', /got "week"/],
    [
      wide.base + `/api/v1/history?${all}&step=60`,
      /step 60 gives more than 20000 points \(the limit per request\) for the 346896001 s of stored data in this range: use step ≥ 17345 or a shorter range/,
    ],
    [wide.base + `/api/v1/history.csv?${all}&step=1`, /more than 20000 points \(the limit per request\)/],
    [
      wide.base + `/api/v1/energy?period=day&${all}`,
      /period=day gives up to 4017 days for the stored data in this range, more than the limit of 3660 per request: ask for a shorter range \(from\/to\) or period=month/,
    ],
  ];
  for (const [url, message] of cases) {
    const res = await fetch(url);
    assert.equal(res.status, 400, url);
    const body = await json(res);
    assert.equal(body.error, 'bad_request', url);
    assert.match(String(body.message), message, url);
  }
  // the same ranges within the limits are answered, clamped to the stored data
  const month = await json(await fetch(wide.base + `/api/v1/energy?period=month&${all}`));
  assert.equal(month.from, T0);
  assert.equal(month.to, far.t + 1);
  const coarse = await json(await fetch(wide.base + `/api/v1/history?${all}`));
  assert.equal(coarse.from, T0);
  assert.equal(coarse.to, far.t + 1);
  assert.equal(coarse.requested_step, Math.ceil((far.t + 1 - T0) / 720));
});

test('history routes answer 503 with a hint when no history store is configured', async () => {
  const h = await startHarness();
  try {
    for (const path of ['/api/v1/history', '/api/v1/history.csv', '/api/v1/energy?period=day']) {
      const res = await fetch(h.base + path);
      assert.equal(res.status, 503, path);
      const body = await json(res);
      assert.equal(body.error, 'history_disabled');
      assert.match(String(body.message), /"history"/);
    }
  } finally {
    await h.close();
  }
});

test('GET /api/v1/energy returns the store buckets', async () => {
  const history = createFakeHistory(rows);
  const h = await startHarness({ history });
  try {
    const body = await json(await fetch(`${h.base}/api/v1/energy?period=day`));
    // the default 31 days are clamped to the stored rows (from T0)
    assert.deepEqual(history.calls.at(-1), { method: 'energy', args: ['day', T0, NOW_S], meter: 'default' });
    // rows before `to` (NOW_S) are i = 0…47 on 2021-09-27 UTC: import 12000 → 12094, export constant
    assert.deepEqual(body, {
      period: 'day',
      from: T0,
      to: NOW_S,
      buckets: [{ start: 1_632_700_800, label: '2021-09-27', import_wh: 94, export_wh: 0 }],
    });
  } finally {
    await h.close();
  }
});

test('GET /api/v1/history.csv: header row, CRLF, ISO time, empty cells for gaps, download name', async () => {
  // rows at T0 and T0 + 120: the bucket between them is a gap
  const h = await startHarness({ history: createFakeHistory([rows[0]!, rows[2]!]) });
  try {
    const res = await fetch(
      `${h.base}/api/v1/history.csv?from=${T0}&to=${T0 + 180}&step=60&fields=power_import_w`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(
      res.headers.get('content-disposition'),
      `attachment; filename="kaifareader-${T0}-${T0 + 180}.csv"`,
    );
    assert.equal(
      await res.text(),
      'time_unix,time_utc,power_import_w\r\n' +
        '1632726000,2021-09-27T07:00:00Z,100\r\n' +
        '1632726060,2021-09-27T07:01:00Z,\r\n' +
        '1632726120,2021-09-27T07:02:00Z,102\r\n',
    );
    const all = await (await fetch(`${h.base}/api/v1/history.csv?from=${T0}&to=${T0 + 60}&step=60`)).text();
    assert.equal(
      all.split('\r\n')[0],
      'time_unix,time_utc,power_import_w,power_export_w,power_l1_w,power_l2_w,power_l3_w,voltage_l1_v,' +
        'voltage_l2_v,voltage_l3_v,current_l1_a,current_l2_a,current_l3_a,energy_import_wh,energy_export_wh',
    );
  } finally {
    await h.close();
  }
});

test('GET /metrics serves the exposition with the Prometheus content type', async () => {
  const h = await startHarness({ history: createFakeHistory(rows) });
  try {
    h.setLatest(fixtureSnapshot());
    const res = await fetch(`${h.base}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const expected = formatMetrics({
      status: fixtureStatus(),
      snapshots: [fixtureSnapshot()],
      version: '0.1.0',
      historyRows: 60,
    });
    assert.equal(await res.text(), expected);
  } finally {
    await h.close();
  }
});

test('unknown paths are 404 JSON, other methods 405 with Allow, failures 500 without a stack', async () => {
  const failing = createFakeHistory(rows);
  failing.series = () => {
    throw new Error('disk I/O error at /secret/path');
  };
  const h = await startHarness({ history: failing });
  try {
    let res = await fetch(`${h.base}/api/v2/latest`);
    assert.equal(res.status, 404);
    assert.equal((await json(res)).error, 'not_found');
    res = await fetch(`${h.base}/api/v1/latest`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    assert.equal((await json(res)).error, 'method_not_allowed');
    res = await fetch(`${h.base}/api/v1/history`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), {
      error: 'internal',
      message: 'internal error: see the kaifareader log',
    });
    assert.doesNotMatch(text, /secret|at .*\.ts/);
  } finally {
    await h.close();
  }
});

test('page, assets and vendor uPlot are served with security headers; traversal is refused', async () => {
  const h = await startHarness();
  try {
    const page = await fetch(`${h.base}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const html = await page.text();
    assert.doesNotMatch(
      html,
      /<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|style=/i,
      'no inline script or style',
    );
    const etag = page.headers.get('etag') ?? '';
    assert.equal((await fetch(`${h.base}/`, { headers: { 'If-None-Match': etag } })).status, 304);

    const js = await fetch(`${h.base}/vendor/uplot.esm.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await js.text(), /export \{ uPlot as default \}|export default/);
    const api = await fetch(`${h.base}/api/v1/status`);
    assert.equal(api.headers.get('cache-control'), 'no-store');
    assert.equal(api.headers.get('x-frame-options'), 'DENY');
    for (const p of [
      '/assets/../package.json',
      '/assets/%2e%2e/package.json',
      '/assets/.hidden',
      '/vendor/uPlot.cjs.js',
    ]) {
      const res = await fetch(h.base + p);
      assert.equal(res.status, 404, p);
    }
  } finally {
    await h.close();
  }
});

test('GET /events: status on connect, a snapshot event after subscribe fires, cleanup on close', async () => {
  const h = await startHarness({ sse: { heartbeatMs: 50 } });
  try {
    const es = await openEvents(`${h.base}/events`);
    assert.equal(es.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const status = JSON.parse((await es.next('status')).data);
    assert.equal(status.diagnosis.state, 'ok');
    assert.equal(h.listeners.size, 1);
    h.push(fixtureSnapshot(1_632_728_840_000, 1234));
    const snap = JSON.parse((await es.next('snapshot')).data);
    assert.equal(snap.readings.power_import_w.value, 1234);
    assert.equal(snap.received_at, 1_632_728_840);
    await new Promise((r) => setTimeout(r, 150)); // heartbeats (every 50 ms here) arrive before the next event
    h.push(fixtureSnapshot(1_632_728_845_000, 99));
    assert.equal(JSON.parse((await es.next('snapshot')).data).readings.power_import_w.value, 99);
    assert.ok(es.comments.includes(': ping'), 'heartbeat comments keep the stream open');
    es.close();
    while (h.listeners.size > 0) await new Promise((r) => setTimeout(r, 10));
    assert.equal(h.listeners.size, 0);
  } finally {
    await h.close();
  }
});

test('GET /events sends the latest snapshot on connect, and stop() ends open streams', async () => {
  const h = await startHarness();
  h.setLatest(fixtureSnapshot());
  const es = await openEvents(`${h.base}/events`);
  const snap = JSON.parse((await es.next('snapshot')).data);
  assert.equal(snap.meter_id, '181220000009');
  const ended = es.next('never').then(
    () => 'event',
    (e: Error) => e.message,
  );
  await h.close();
  assert.equal(await ended, 'stream ended before a "never" event');
  assert.equal(h.listeners.size, 0);
});

test('a stopped server frees its port and can be stopped twice', async () => {
  const h = await startHarness();
  const port = Number(new URL(h.base).port);
  await h.close();
  await h.close();
  const { createServer } = await import('node:net');
  const s = createServer().listen(port, '127.0.0.1');
  await once(s, 'listening');
  s.close();
});
