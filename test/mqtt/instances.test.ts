/**
 * `exports.mqtt.instance` (issue 13, fleets) against a real mosquitto: several daemons decode one fleet into one
 * base topic. Each instance's status, last will and diagnostics are its own (`<base>/instances/<instance>/`),
 * `<base>/status` is never published, Home Assistant's entities follow the meters' availability only, and one
 * instance stopping, dying or losing a meter leaves the meter online while another instance still hears it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createMqttSink, type MqttSinkOptions } from '../../src/sinks/mqtt/mqtt-sink.js';
import type { MqttConfig } from '../../src/config/types.js';
import { parseConfig } from '../../src/daemon/config-schema.js';
import type { MeterStatus } from '../../src/status/status.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { VORARLBERG, daemonStatus, meterSnapshot, meterStatus } from './fixtures/meters.js';
import {
  mqttConfig,
  recordingLogger,
  sleep,
  subscribe,
  tempDir,
  waitFor,
  type Subscriber,
} from './fixtures/support.js';
import { vorarlbergSnapshot } from './fixtures/vorarlberg.js';

const T0 = Date.parse('2023-07-26T18:05:21Z');
const FAST = { minMs: 100, maxMs: 400 };
const HOUSE = '1KFM0200175269';
const DEVICE = `homeassistant/device/kaifareader_${HOUSE}/config`;
const METER_AVAILABILITY = `kaifareader/${HOUSE}/availability`;
const statusOf = (instance: string) => `kaifareader/instances/${instance}/status`;
const diagnosticsOf = (instance: string) => `kaifareader/instances/${instance}/diagnostics`;
const CHILD = new URL('./fixtures/child.ts', import.meta.url).pathname;

type T = { after(fn: () => unknown): void };

function sinkOn(t: T, cfg: MqttConfig, extra: Partial<MqttSinkOptions> = {}) {
  const log = recordingLogger();
  const sink = createMqttSink(cfg, {
    logger: log,
    dataDir: tempDir(t, 'mqtt-instance'),
    backoff: FAST,
    migrationSettleMs: 200,
    ...extra,
  });
  t.after(() => sink.stop?.());
  return { sink, log };
}

/** The retained messages a client connecting now gets for `topics`, once `count` have arrived. */
/**
 * After instance b went away (stopped or killed): retained, a is online, b offline and the meter online; each
 * instance announced the meter once and nobody set it offline; `<base>/status` was never published.
 */
async function assertBGoneAStays(url: string, sub: Subscriber): Promise<void> {
  const now = await retained(url, [statusOf('a'), statusOf('b'), METER_AVAILABILITY], 3);
  assert.deepEqual(Object.fromEntries(now), {
    [statusOf('a')]: 'online',
    [statusOf('b')]: 'offline',
    [METER_AVAILABILITY]: 'online',
  });
  assert.deepEqual(
    sub.on(METER_AVAILABILITY).map((m) => m.payload),
    ['online', 'online'],
    'each instance announced the meter once; nobody set it offline',
  );
  assert.deepEqual(sub.on('kaifareader/status'), [], '<base>/status is never published');
}

async function retained(url: string, topics: string[], count: number): Promise<Map<string, string>> {
  const late = await subscribe(url, topics, { clean: true });
  try {
    await waitFor(`${count} retained messages`, () => late.messages.length >= count);
    await sleep(100); // nothing more than the retained ones may follow
    assert.ok(
      late.messages.every((m) => m.retain),
      JSON.stringify(late.messages),
    );
    return new Map(late.messages.map((m) => [m.topic, m.payload]));
  } finally {
    await late.end();
  }
}

/** The house meter as this instance's status shows it after `telegrams` decoded telegrams. */
const houseStatus = (telegrams: number): MeterStatus => ({
  ...meterStatus('house', 'House', HOUSE),
  bytesReceived: 300 * telegrams,
  framesOk: telegrams,
  telegramsOk: telegrams,
  lastTelegramAt: T0,
});

test('instance set: online, diagnostics and stop offline on <base>/instances/<instance>/, never <base>/status; discovery lists the meter availability only', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/#', 'homeassistant/#'], { clean: true });
  t.after(() => sub.end());
  const { sink, log } = sinkOn(t, mqttConfig(broker.url, { instance: 'decoder-a' }), {
    status: daemonStatus([houseStatus(1), meterStatus('flat', 'Flat')]),
  });
  await sink.start?.();
  await waitFor('instance online', () => sub.on(statusOf('decoder-a')).some((m) => m.payload === 'online'));
  assert.deepEqual(
    sub.on(statusOf('decoder-a')).map((m) => m.payload),
    ['online'],
  );
  const online = await retained(broker.url, [statusOf('decoder-a')], 1);
  assert.equal(online.get(statusOf('decoder-a')), 'online', 'retained');
  await sink.handle(meterSnapshot(VORARLBERG, 'house', T0));
  await waitFor('discovery', () => sub.on(DEVICE).length === 1);
  await waitFor('meter online', () => sub.on(METER_AVAILABILITY).some((m) => m.payload === 'online'));

  // the diagnostics JSON names the instance and the meter it has seen (not `flat`: nothing received from it)
  await waitFor('instance diagnostics', () => sub.on(diagnosticsOf('decoder-a')).length >= 1);
  const diag = JSON.parse(sub.on(diagnosticsOf('decoder-a')).at(-1)!.payload) as Record<string, unknown>;
  assert.equal(diag.instance, 'decoder-a');
  assert.deepEqual(diag.meters_seen, [
    {
      id: 'house',
      meter_id: HOUSE,
      diagnosis: 'ok',
      hint: 'reading the meter',
      source_connected: true,
      bytes_received: 300,
      frames_ok: 1,
      telegrams_ok: 1,
      telegram_errors: 0,
      last_telegram_at: '2023-07-26T18:05:21.000Z',
    },
  ]);
  assert.equal(typeof diag.outbox_backlog, 'number');
  assert.deepEqual(
    (diag.meters as { id: string }[]).map((m) => m.id),
    ['house', 'flat'],
    'the daemon part as without an instance',
  );
  // the shared per-meter diagnostics topic as before, naming the instance that wrote it
  await waitFor('meter diagnostics', () => sub.on(`kaifareader/${HOUSE}/diagnostics`).length >= 1);
  const meterDiag = JSON.parse(sub.on(`kaifareader/${HOUSE}/diagnostics`)[0]!.payload) as Record<
    string,
    unknown
  >;
  assert.equal(meterDiag.instance, 'decoder-a');
  assert.equal(meterDiag.diagnosis, 'ok');

  // discovery: no entity lists a daemon's status; readings follow the meter, diagnosis entities nothing
  const cmps = JSON.parse(sub.on(DEVICE)[0]!.payload).cmps as Record<string, Record<string, unknown>>;
  assert.ok(!sub.on(DEVICE)[0]!.payload.includes('/status'), sub.on(DEVICE)[0]!.payload);
  for (const key of ['energy_import_wh', 'grid_power_w', 'energy_15min_import_wh', 'energy_15min_status']) {
    assert.deepEqual(cmps[key]!.availability, [{ topic: METER_AVAILABILITY }], key);
    assert.equal(cmps[key]!.availability_mode, undefined, key);
    assert.equal(cmps[key]!.payload_available, 'online', key);
  }
  for (const key of ['diagnosis', 'telegrams_ok', 'telegram_errors', 'last_telegram_at']) {
    assert.equal(cmps[key]!.availability, undefined, key);
    assert.equal(cmps[key]!.state_topic, `kaifareader/${HOUSE}/diagnostics`, key);
  }

  await sink.stop?.();
  const after = await retained(broker.url, [statusOf('decoder-a')], 1);
  assert.equal(after.get(statusOf('decoder-a')), 'offline');
  assert.deepEqual(sub.on('kaifareader/status'), [], '<base>/status is never published');
  assert.deepEqual(sub.on('kaifareader/diagnostics'), [], '<base>/diagnostics is never published');
  assert.equal(log.lines.filter((l) => l.level === 'error' || l.level === 'warn').length, 0, log.text());
});

test('two instances a and b: stopping b leaves a online and the meter online', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/#'], { clean: true });
  t.after(() => sub.end());
  const a = sinkOn(t, mqttConfig(broker.url, { instance: 'a' }));
  const b = sinkOn(t, mqttConfig(broker.url, { instance: 'b' }));
  await a.sink.start?.();
  await b.sink.start?.();
  await waitFor(
    'both online',
    () => sub.on(statusOf('a')).length === 1 && sub.on(statusOf('b')).length === 1,
  );
  // the shared subscription hands the meter's telegrams to either instance
  await a.sink.handle(vorarlbergSnapshot(T0));
  await b.sink.handle(vorarlbergSnapshot(T0 + 5000));
  await waitFor('meter online', () => sub.on(METER_AVAILABILITY).some((m) => m.payload === 'online'));
  await waitFor('both states', () => sub.on(`kaifareader/${HOUSE}/state`).length === 2);

  await b.sink.stop?.();
  await waitFor('b offline', () => sub.on(statusOf('b')).some((m) => m.payload === 'offline'));
  await assertBGoneAStays(broker.url, sub);
  // a keeps publishing the meter
  await a.sink.handle(vorarlbergSnapshot(T0 + 10_000));
  await waitFor('a third state', () => sub.on(`kaifareader/${HOUSE}/state`).length === 3);
  for (const { log } of [a, b])
    assert.equal(log.lines.filter((l) => l.level === 'error' || l.level === 'warn').length, 0, log.text());
});

test('kill -9 of instance b: its last will lands on its instance topic; a and the meter stay online', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/#'], { clean: true });
  t.after(() => sub.end());
  const a = sinkOn(t, mqttConfig(broker.url, { instance: 'a' }));
  await a.sink.start?.();
  await a.sink.handle(vorarlbergSnapshot(T0));

  const config = mqttConfig(broker.url, { instance: 'b' });
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, JSON.stringify({ config, dataDir: tempDir(t, 'mqtt-instance') })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    return exited;
  });
  const alive = () => {
    if (proc.exitCode !== null) throw new Error(`the child exited with code ${proc.exitCode}`);
  };
  await waitFor(
    'b online',
    () => {
      alive();
      return sub.on(statusOf('b')).some((m) => m.payload === 'online');
    },
    15_000,
  );
  proc.stdin.write(`handle 1 ${T0 + 5000}\n`); // b decodes the meter too
  await waitFor('the state b decoded', () => {
    alive();
    return sub.on(`kaifareader/${HOUSE}/state`).length === 2;
  });

  proc.kill('SIGKILL');
  await exited;
  assert.equal(proc.signalCode, 'SIGKILL');
  await waitFor('b last will', () => sub.on(statusOf('b')).some((m) => m.payload === 'offline'));
  await assertBGoneAStays(broker.url, sub);
});

test('instance b stops hearing the meter: its offline is answered with online by a, which still hears it', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [METER_AVAILABILITY], { clean: true });
  t.after(() => sub.end());
  const a = sinkOn(t, mqttConfig(broker.url, { instance: 'a' }));
  // b's silence timeout is short: it gives the meter up long before a does
  const b = sinkOn(t, mqttConfig(broker.url, { instance: 'b' }), {
    availability: { minTimeoutMs: 200, factor: 4, firstTimeoutMs: 300 },
    availabilityCheckMs: 20,
  });
  await a.sink.start?.();
  await b.sink.start?.();
  await a.sink.handle(vorarlbergSnapshot(T0));
  await waitFor('meter online', () => sub.on(METER_AVAILABILITY).length === 1);
  await b.sink.handle(vorarlbergSnapshot(T0 + 5000)); // b's silence timer starts here
  await waitFor('b gives up and a answers', () => sub.on(METER_AVAILABILITY).length >= 4, 5000);
  await sleep(200); // no further flapping
  assert.deepEqual(
    sub.on(METER_AVAILABILITY).map((m) => m.payload),
    ['online', 'online', 'offline', 'online'],
  );
  const now = await retained(broker.url, [METER_AVAILABILITY], 1);
  assert.equal(now.get(METER_AVAILABILITY), 'online');
  assert.ok(
    a.log.lines.some((l) => l.message.includes(`meter ${HOUSE}: another instance set its MQTT availability`)),
    a.log.text(),
  );
  assert.ok(b.log.lines.some((l) => l.level === 'warn' && l.message.includes(`meter ${HOUSE}: no telegram`)));
});

test('without an instance, a second daemon on the base topic still answers a meter it does not hear (unchanged)', async (t) => {
  // the behaviour the instance option exists for: shown here so the difference stays visible
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [METER_AVAILABILITY, 'kaifareader/status'], { clean: true });
  t.after(() => sub.end());
  const a = sinkOn(t, mqttConfig(broker.url));
  await a.sink.start?.();
  await a.sink.handle(vorarlbergSnapshot(T0));
  await waitFor('meter online', () => sub.on(METER_AVAILABILITY).length === 1);
  const b = sinkOn(t, mqttConfig(broker.url));
  await b.sink.start?.();
  await waitFor('b sets the meter offline', () => sub.on(METER_AVAILABILITY).length === 2);
  assert.deepEqual(
    sub.on(METER_AVAILABILITY).map((m) => m.payload),
    ['online', 'offline'],
  );
  await b.sink.stop?.();
  await waitFor('status offline', () => sub.on('kaifareader/status').some((m) => m.payload === 'offline'));
});

const base = { source: '/dev/ttyUSB0', key: '36C66639E48A8CA4D6BC8B282A793BBB' };

test('exports.mqtt.instance: an id is taken; "a/b", "" or a number is a config error that says what to write', () => {
  const ok = parseConfig({
    ...base,
    exports: { mqtt: { url: 'mqtt://127.0.0.1:1883', instance: 'decoder-a' } },
  });
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  assert.equal(ok.config.exports.mqtt?.instance, 'decoder-a');
  const unset = parseConfig({ ...base, exports: { mqtt: { url: 'mqtt://127.0.0.1:1883' } } });
  assert.ok(unset.ok);
  assert.equal(unset.config.exports.mqtt?.instance, undefined);
  assert.ok(!('instance' in (unset.config.exports.mqtt ?? {})));
  for (const value of ['a/b', '', 'a b', 7]) {
    const r = parseConfig({ ...base, exports: { mqtt: { url: 'mqtt://127.0.0.1:1883', instance: value } } });
    assert.equal(r.ok, false, JSON.stringify(value));
    const issue = !r.ok ? r.errors.find((e) => e.path === 'exports.mqtt.instance') : undefined;
    assert.match(
      issue?.message ?? '',
      /expected an id of 1 to 64 letters A-Z a-z, digits, "_" or "-" such as "[^"]+", got /,
      JSON.stringify(value),
    );
  }
});
