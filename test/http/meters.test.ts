/**
 * Many meters over HTTP: /api/v1/meters, /api/v1/latest?meter=, status.meters and the event stream, against the
 * real server with three configured meters (meters-fixtures.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeHistory } from '../helpers/fake-history.js';
import { startHarness } from './harness.js';
import { latestOf, meterSnapshot, meterSnapshots, metersStatus } from './meters-fixtures.js';
import { openEvents } from './sse-reader.js';

async function json(res: Response) {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as Record<string, unknown>;
}

function startMeters(over: Parameters<typeof startHarness>[0] = {}) {
  return startHarness({ statusValue: metersStatus(), latest: latestOf(meterSnapshots()), ...over });
}

test('GET /api/v1/meters: every meter in config order with name, number, diagnosis and live power', async () => {
  const h = await startMeters();
  try {
    const res = await fetch(`${h.base}/api/v1/meters`);
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), {
      meters: [
        {
          id: 'home',
          name: 'Haus',
          meter_number: '1KFM0200000001',
          source: '/dev/ttyUSB0 2400 8N1',
          connected: true,
          diagnosis: { state: 'ok', hint: 'telegrams arrive and decode' },
          last_telegram_at: 1_632_728_835,
          power_import_w: 480,
          power_export_w: 0,
          telegrams_ok: 167,
        },
        {
          id: 'garage',
          name: 'Garage',
          meter_number: '1KFM0200000002',
          source: 'tcp://10.0.0.5:2000',
          connected: true,
          diagnosis: { state: 'ok', hint: 'telegrams arrive and decode' },
          last_telegram_at: 1_632_728_835,
          power_import_w: 1234,
          power_export_w: 0,
          telegrams_ok: 12,
        },
        {
          id: 'pv',
          name: null,
          meter_number: null,
          source: '/dev/ttyUSB1 2400 8E1',
          connected: false,
          diagnosis: { state: 'no-bytes', hint: 'nothing arrives on /dev/ttyUSB1: check the cable' },
          last_telegram_at: null,
          power_import_w: null,
          power_export_w: null,
          telegrams_ok: 0,
        },
      ],
    });
  } finally {
    await h.close();
  }
});

test('GET /api/v1/meters: a DSMR meter stating kW is answered in W (the decoder normalised it)', async () => {
  // The route does not convert: the decoder puts every known quantity in its key's unit (cosem/quantities.ts).
  const { TelegramDecoder } = await import('../../src/pipeline/telegram-decoder.js');
  const { loadVector } = await import('../helpers/vectors.js');
  const v = loadVector('luxembourg-smarty_nexxtlab_1'); // 1-0:1.7.0(00.000*kW)
  const hex = (x: string) => Uint8Array.from(Buffer.from(x, 'hex'));
  const d = new TelegramDecoder({ keys: { encryptionKey: hex(v.key_hex!) }, meter: 'home' });
  const ev = d.push(hex(v.frames_hex.join('')), 1_700_000_000_000).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  const p = ev.snapshot.readings.find((r) => r.key === 'power_import_w')!;
  assert.equal(p.unit, 'W');
  const h = await startMeters({ latest: (m) => (m === 'home' || m === undefined ? ev.snapshot : undefined) });
  try {
    const body = (await json(await fetch(`${h.base}/api/v1/meters`))) as {
      meters: { power_import_w: number }[];
    };
    assert.equal(body.meters[0]!.power_import_w, p.value);
    assert.equal(body.meters[0]!.power_import_w, v.expected!['1.0.1.7.0.255']!.value);
  } finally {
    await h.close();
  }
});

test('GET /api/v1/latest?meter=: each meter its own snapshot, absent = the first, unknown = 404 with the ids', async () => {
  const h = await startMeters();
  try {
    const garage = await json(await fetch(`${h.base}/api/v1/latest?meter=garage`));
    assert.equal(garage.meter, 'garage');
    assert.equal(garage.meter_id, '1KFM0200000002');
    assert.equal((garage.readings as Record<string, { value: unknown }>).power_import_w!.value, 1234);
    for (const q of ['', '?meter=', '?meter=home']) {
      const first = await json(await fetch(`${h.base}/api/v1/latest${q}`));
      assert.equal(first.meter, 'home', q);
      assert.equal(first.meter_id, '1KFM0200000001', q);
    }
    let res = await fetch(`${h.base}/api/v1/latest?meter=pv`);
    assert.equal(res.status, 404);
    assert.deepEqual(await json(res), {
      error: 'no_data',
      message: 'no telegram decoded yet for meter "pv": see /api/v1/status for the diagnosis',
    });
    res = await fetch(`${h.base}/api/v1/latest?meter=Home`);
    assert.equal(res.status, 404);
    assert.deepEqual(await json(res), {
      error: 'not_found',
      message:
        'no meter "Home" in the config (known meters: home, garage, pv): send ?meter= with one of these ids',
      meters: ['home', 'garage', 'pv'],
    });
  } finally {
    await h.close();
  }
});

test('GET /api/v1/latest?meter=: the stored snapshot after a restart stands in only for its own meter', async () => {
  const stored = meterSnapshot('garage', '1KFM0200000002', 77, 1_600_000_000_000);
  const h = await startMeters({ latest: () => undefined, history: createFakeHistory([], stored) });
  try {
    const garage = await json(await fetch(`${h.base}/api/v1/latest?meter=garage`));
    assert.equal(garage.meter, 'garage');
    assert.equal(garage.received_at, 1_600_000_000);
    for (const q of ['?meter=home', '']) {
      const res = await fetch(`${h.base}/api/v1/latest${q}`);
      assert.equal(res.status, 404, q);
      assert.equal((await json(res)).error, 'no_data', q);
    }
  } finally {
    await h.close();
  }
});

test('GET /api/v1/status: the top level as before plus every meter in the same snake_case', async () => {
  const h = await startMeters();
  try {
    const body = await json(await fetch(`${h.base}/api/v1/status`));
    assert.equal(body.source, '/dev/ttyUSB0 2400 8N1', 'the top level still reads like one meter');
    assert.deepEqual((body.diagnosis as { state: string }).state, 'no-bytes');
    const meters = body.meters as Record<string, unknown>[];
    assert.deepEqual(
      meters.map((m) => [m.id, m.name]),
      [
        ['home', 'Haus'],
        ['garage', 'Garage'],
        ['pv', null],
      ],
    );
    assert.deepEqual(meters[2], {
      id: 'pv',
      name: null,
      source: '/dev/ttyUSB1 2400 8E1',
      source_connected: false,
      bytes_received: 0,
      frames_ok: 0,
      telegrams_ok: 0,
      errors_by_code: {},
      last_error: null,
      last_telegram_at: null,
      last_telegram_age_s: null,
      meter_id: null,
      diagnosis: { state: 'no-bytes', hint: 'nothing arrives on /dev/ttyUSB1: check the cable' },
    });
    assert.equal(meters[1]!.telegrams_ok, 12);
    assert.equal(meters[1]!.last_telegram_age_s, 5);
  } finally {
    await h.close();
  }
});

test(
  'GET /events: a snapshot per meter on connect, each pushed one named by its meter, status with meters',
  { timeout: 5000 },
  async () => {
    const h = await startMeters();
    try {
      const es = await openEvents(`${h.base}/events`);
      const status = JSON.parse((await es.next('status')).data);
      assert.deepEqual(
        status.meters.map((m: { id: string }) => m.id),
        ['home', 'garage', 'pv'],
      );
      const first = [
        JSON.parse((await es.next('snapshot')).data),
        JSON.parse((await es.next('snapshot')).data),
      ];
      assert.deepEqual(
        first.map((s) => [s.meter, s.readings.power_import_w.value]),
        [
          ['home', 480],
          ['garage', 1234],
        ],
      );
      h.push(meterSnapshot('garage', '1KFM0200000002', 99, 1_632_728_845_000));
      const pushed = JSON.parse((await es.next('snapshot')).data);
      assert.equal(pushed.meter, 'garage');
      assert.equal(pushed.readings.power_import_w.value, 99);
      es.close();
    } finally {
      await h.close();
    }
  },
);
