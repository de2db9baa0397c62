/**
 * The line-protocol sink against real servers from Debian's packages: VictoriaMetrics (/write and the InfluxDB 2
 * form /api/v2/write with org, bucket and token), InfluxDB 1.x (/write?db=, and the missing database with the
 * command that creates it); VictoriaMetrics stopped for 30 telegrams and restarted (all 30 arrive, in order,
 * with their receive times); wrong credentials (one clear message, the token/password never in the log).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLineProtocolSink } from '../../src/sinks/line-protocol/line-protocol-sink.js';
import type { LineProtocolConfig } from '../../src/sinks/line-protocol/options.js';
import { toLine } from '../../src/sinks/line-protocol/lines.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { Key } from '../../src/util/key.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';
import { captureLogger } from '../store/helpers.js';
import {
  influxQuery,
  startInfluxDb,
  startVictoriaMetrics,
  tsdbUnavailable,
  vmExport,
  type Tsdb,
} from '../helpers/tsdb.js';
import { waitUntil } from '../e2e/helpers/cli-process.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const EVN = loadVector('evn_netznoe-pdf_1');
const noVm = tsdbUnavailable('victoria-metrics');
const noInflux = tsdbUnavailable('influxd');

function decoded(v: typeof VKW, meter: string, at: number): MeterSnapshot {
  const d = new TelegramDecoder({ keys: { encryptionKey: Key.parse(v.key_hex!).bytes }, meter });
  const ev = d.push(captureBytes(v), at).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  return ev.snapshot;
}

const cfg = (url: string, over: Partial<LineProtocolConfig> = {}): LineProtocolConfig => ({
  url,
  measurement: 'kaifareader',
  batchSize: 1000,
  gzip: true,
  outbox: { maxRows: 500_000 },
  ...over,
});

/** Polls until `check` holds (the e2e helper: a deadline, not a timing assertion). */
const until = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) =>
  waitUntil(check, what, { timeoutMs, intervalMs: 100 });

function tempDir(t: test.TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'kr-lp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function server(t: test.TestContext, start: () => Promise<Tsdb>): Promise<Tsdb> {
  const s = await start();
  t.after(() => s.close());
  return s;
}

test('a line: tags meter/meter_id/profile, every numeric reading as a float field, meter time as integer ms, ns timestamp', () => {
  const T = Date.UTC(2026, 11, 2, 12, 0, 0, 123);
  const s = decoded(VKW, 'home', T);
  const line = toLine('kaifareader', s)!;
  assert.match(line, /^kaifareader,meter=home,meter_id=1KFM0200175269,profile=obis-structures /);
  assert.ok(line.endsWith(` ${T}000000`), line);
  assert.match(line, /(^| |,)energy_import_wh=3744082(,| )/);
  assert.match(line, /,voltage_l2_v=232\.8(,| )/);
  assert.match(line, /,meter_time_ms=1690394720000i /); // 2023-07-26T20:05:20+02:00
  assert.doesNotMatch(line, /meter_number=|"|\bi,/); // text readings are left out, numbers are floats
  // Escaping: a meter id with a space, comma and equals sign stays one tag.
  assert.match(toLine('kaifareader', { ...s, meter: 'a b,c=d' })!, /^kaifareader,meter=a\\ b\\,c\\=d,/);
});

test(
  'VictoriaMetrics /write: every telegram of two meters as series with their tags and receive times',
  { skip: noVm },
  async (t) => {
    const vm = await server(t, () => startVictoriaMetrics());
    const logger = captureLogger();
    const sink = createLineProtocolSink(cfg(`${vm.base}/write`), { logger, dataDir: tempDir(t) });
    await sink.start!();
    const T = Date.UTC(2026, 11, 2, 12, 0, 0);
    sink.handle(decoded(VKW, 'home', T));
    sink.handle(decoded(EVN, 'flat', T + 1000));
    await until(
      async () => (await vmExport(vm, '{__name__="kaifareader_energy_import_wh"}')).length === 2,
      'two series',
    );
    const series = await vmExport(vm, '{__name__="kaifareader_energy_import_wh"}');
    const byMeter = Object.fromEntries(series.map((s) => [s.metric.meter, s]));
    assert.deepEqual(byMeter.home!.values, [VKW.expected!['1.0.1.8.0.255']!.value]);
    assert.deepEqual(byMeter.home!.timestamps, [T]);
    assert.equal(byMeter.home!.metric.meter_id, '1KFM0200175269');
    assert.deepEqual(byMeter.flat!.values, [EVN.expected!['1.0.1.8.0.255']!.value]);
    assert.deepEqual(byMeter.flat!.timestamps, [T + 1000]);
    const volts = await vmExport(vm, '{__name__="kaifareader_voltage_l2_v",meter="home"}');
    assert.deepEqual(volts[0]!.values, [VKW.expected!['1.0.52.7.0.255']!.value]);
    await sink.stop!();
    assert.equal(sink.status!().dropped, 0);
  },
);

test(
  'the InfluxDB 2 form (/api/v2/write with org, bucket and token) against VictoriaMetrics, which serves it',
  { skip: noVm },
  async (t) => {
    const vm = await server(t, () => startVictoriaMetrics());
    const sink = createLineProtocolSink(
      cfg(`${vm.base}/api/v2/write`, { org: 'home', bucket: 'meters', token: 'tok' }),
      {
        logger: captureLogger(),
        dataDir: tempDir(t),
      },
    );
    await sink.start!();
    const T = Date.UTC(2026, 11, 2, 12, 5, 0);
    sink.handle(decoded(VKW, 'home', T));
    await until(
      async () => (await vmExport(vm, '{__name__="kaifareader_power_import_w"}')).length === 1,
      'the series',
    );
    const s = await vmExport(vm, '{__name__="kaifareader_power_import_w"}');
    assert.deepEqual([s[0]!.values, s[0]!.timestamps], [[VKW.expected!['1.0.1.7.0.255']!.value], [T]]);
    await sink.stop!();
  },
);

test(
  'VictoriaMetrics stopped for 30 telegrams and restarted: all 30 arrive, in order, with their receive times',
  { skip: noVm },
  async (t) => {
    const vm = await server(t, () => startVictoriaMetrics());
    const logger = captureLogger();
    const sink = createLineProtocolSink(cfg(`${vm.base}/write`), {
      logger,
      dataDir: tempDir(t),
      backoff: { minMs: 50, maxMs: 200 },
    });
    await sink.start!();
    const T = Date.UTC(2026, 11, 2, 13, 0, 0);
    await vm.stop();
    for (let i = 0; i < 30; i++) sink.handle(decoded(VKW, 'home', T + i * 5000));
    await until(
      () => sink.status!().lastError !== undefined && sink.status!().backlog === 30,
      'the outage in the status',
    );
    assert.match(sink.status!().state, /^unreachable: 127\.0\.0\.1:\d+\/write refuses connections/);
    await vm.start();
    await until(
      async () =>
        (await vmExport(vm, '{__name__="kaifareader_energy_import_wh"}'))[0]?.timestamps.length === 30,
      'all 30',
      20_000,
    );
    const [s] = await vmExport(vm, '{__name__="kaifareader_energy_import_wh"}');
    assert.deepEqual(
      s!.timestamps,
      Array.from({ length: 30 }, (_, i) => T + i * 5000),
    );
    await until(() => sink.status!().ok && sink.status!().backlog === 0, 'ok again');
    assert.equal(
      logger.lines.filter((l) => /refuses connections/.test(l)).length,
      1,
      logger.lines.join('\n'),
    );
    assert.ok(logger.lines.some((l) => /is back; delivering/.test(l)));
    await sink.stop!();
  },
);

test(
  'wrong credentials: one clear message, never the password, telegrams kept',
  { skip: noVm },
  async (t) => {
    const vm = await server(t, () => startVictoriaMetrics({ username: 'meter', password: 'right-password' }));
    const logger = captureLogger();
    const sink = createLineProtocolSink(
      cfg(`${vm.base}/write`, { username: 'meter', password: 'wrong-password' }),
      {
        logger,
        dataDir: tempDir(t),
        backoff: { minMs: 50, maxMs: 100 },
      },
    );
    await sink.start!();
    sink.handle(decoded(VKW, 'home', Date.UTC(2026, 11, 2, 14)));
    await until(() => sink.status!().lastError !== undefined, 'the error');
    await new Promise((r) => setTimeout(r, 400));
    const errors = logger.lines.filter((l) => l.startsWith('error'));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(
      errors[0]!,
      /refused the credentials \(HTTP 401\): check exports\.line_protocol\.token or username\/password/,
    );
    assert.doesNotMatch(logger.lines.join('\n'), /wrong-password|right-password/);
    assert.equal(sink.status!().backlog, 1);
    await sink.stop!();
  },
);

test(
  'InfluxDB 1.x: a missing database says how to create it; once created, the points arrive exactly',
  { skip: noInflux },
  async (t) => {
    const influx = await server(t, () => startInfluxDb());
    const logger = captureLogger();
    const sink = createLineProtocolSink(cfg(`${influx.base}/write`, { database: 'meters' }), {
      logger,
      dataDir: tempDir(t),
      backoff: { minMs: 50, maxMs: 200 },
    });
    await sink.start!();
    const T = Date.UTC(2026, 11, 2, 15, 0, 0, 250);
    sink.handle(decoded(VKW, 'home', T));
    await until(() => logger.lines.some((l) => l.startsWith('error')), 'the error');
    const err = logger.lines.find((l) => l.startsWith('error'))!;
    assert.match(
      err,
      /the database meters does not exist — create it: curl -XPOST 'http:\/\/127\.0\.0\.1:\d+\/query' --data-urlencode 'q=CREATE DATABASE "meters"'/,
    );
    await influxQuery(influx, 'CREATE DATABASE "meters"');
    await until(() => sink.status!().backlog === 0, 'the delivery');
    const r = (await influxQuery(
      influx,
      'SELECT energy_import_wh, power_import_w, meter_time_ms, meter FROM kaifareader',
      'meters',
    )) as {
      results: { series?: { columns: string[]; values: unknown[][] }[] }[];
    };
    const s = r.results[0]!.series![0]!;
    assert.deepEqual(s.columns, ['time', 'energy_import_wh', 'power_import_w', 'meter_time_ms', 'meter']);
    assert.deepEqual(s.values, [
      [
        T,
        VKW.expected!['1.0.1.8.0.255']!.value,
        VKW.expected!['1.0.1.7.0.255']!.value,
        Date.parse('2023-07-26T20:05:20+02:00'),
        'home',
      ],
    ]);
    await sink.stop!();
  },
);
