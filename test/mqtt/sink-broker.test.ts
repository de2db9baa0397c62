/** The MQTT sink against a real mosquitto: exact payloads, discovery, HA restart, outage, outbox bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import type { DaemonStatus, Diagnosis } from '../../src/status/status.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { mqttConfig, recordingLogger, subscribe, waitFor, tempDir } from './fixtures/support.js';
import { EXPECTED_STATE, vorarlbergSnapshot } from './fixtures/vorarlberg.js';

const RECEIVED = Date.parse('2023-07-26T18:05:21Z');
const FAST = { minMs: 100, maxMs: 400 };
const STATE = 'kaifareader/1KFM0200175269/state';
const DEVICE = 'homeassistant/device/kaifareader_1KFM0200175269/config';
const OLD_DISCOVERY = 'homeassistant/sensor/kaifareader_1KFM0200175269/';
const cmps = (m: { payload: string }): Record<string, Record<string, unknown>> => JSON.parse(m.payload).cmps;

const receivedAts = (payloads: { payload: string }[]): string[] =>
  payloads.map((m) => JSON.parse(m.payload).received_at as string);
const iso = (ms: number): string => new Date(ms).toISOString();

test('availability, discovery, exact state, per-value and legacy topics; offline on stop', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/#', 'homeassistant/#']);
  t.after(() => sub.end());
  const log = recordingLogger();
  const cfg = mqttConfig(broker.url, { legacyTopics: true, perValueTopics: true });
  const sink = createMqttSink(cfg, { logger: log, dataDir: tempDir(t), backoff: FAST });
  t.after(() => sink.stop?.());
  await sink.start?.();
  await waitFor('online', () => sub.on('kaifareader/status').some((m) => m.payload === 'online'));
  await sink.handle(vorarlbergSnapshot(RECEIVED));
  await waitFor(
    'state',
    () => sub.on(STATE).length === 1 && sub.on('kaifareader/RealEnergyOut_S').length === 1,
  );
  assert.equal(sub.on(STATE)[0]!.payload, EXPECTED_STATE);
  assert.deepEqual(
    sub.on('kaifareader/RealEnergyIn_S').map((m) => m.payload),
    ['3744.082'],
  );
  assert.deepEqual(
    sub.on('kaifareader/RealEnergyOut_S').map((m) => m.payload),
    ['3929.988'],
  );
  assert.deepEqual(
    sub.on('kaifareader/1KFM0200175269/energy_import_wh').map((m) => m.payload),
    ['3744082'],
  );
  assert.deepEqual(
    sub.on('kaifareader/1KFM0200175269/voltage_l1_v').map((m) => m.payload),
    ['233'],
  );
  // one device config: 15 readings, grid power, 5 quarter-hour and 4 diagnosis entities; no per-entity topic on a
  // fresh broker
  await waitFor('discovery', () => sub.on(DEVICE).length === 1);
  const energy = cmps(sub.on(DEVICE)[0]!).energy_import_wh!;
  assert.equal(energy.device_class, 'energy');
  assert.equal(energy.state_topic, STATE);
  assert.equal(Object.keys(cmps(sub.on(DEVICE)[0]!)).length, 25);
  assert.deepEqual(sub.on(OLD_DISCOVERY), []);
  assert.deepEqual(
    sub.on('kaifareader/1KFM0200175269/grid_power').map((m) => [m.payload, m.retain]),
    [['53', false]],
  );
  const diag = JSON.parse(sub.on('kaifareader/diagnostics')[0]!.payload);
  assert.equal(typeof diag.outbox_backlog, 'number');
  await waitFor('outbox empty', () => sink.status?.().backlog === 0);
  assert.deepEqual(sink.status?.(), { ok: true, state: 'connected', backlog: 0, dropped: 0 });

  // A client that connects later gets the retained discovery configs and availability.
  const late = await subscribe(broker.url, ['kaifareader/status', 'homeassistant/#'], { clean: true });
  t.after(() => late.end());
  await waitFor(
    'retained discovery',
    () => late.on(DEVICE).length === 1 && late.on('kaifareader/status').length === 1,
  );
  assert.ok(late.on(DEVICE).every((m) => m.retain));
  assert.deepEqual(late.on(OLD_DISCOVERY), []);
  assert.deepEqual(
    late.on('kaifareader/status').map((m) => [m.payload, m.retain]),
    [['online', true]],
  );
  await late.end();

  await sink.stop?.();
  const after = await subscribe(broker.url, ['kaifareader/status'], { clean: true });
  t.after(() => after.end());
  await waitFor('offline', () => after.on('kaifareader/status').length === 1);
  assert.deepEqual(
    after.on('kaifareader/status').map((m) => [m.payload, m.retain]),
    [['offline', true]],
  );
  assert.equal(log.lines.filter((l) => l.level === 'error' || l.level === 'warn').length, 0, log.text());
});

test('Home Assistant coming online gets discovery again; a new key is announced when it first appears', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['homeassistant/device/#']);
  t.after(() => sub.end());
  const sink = createMqttSink(mqttConfig(broker.url), {
    logger: recordingLogger(),
    dataDir: tempDir(t),
    backoff: FAST,
  });
  t.after(() => sink.stop?.());
  await sink.start?.();
  const first = vorarlbergSnapshot(RECEIVED);
  await sink.handle({ ...first, readings: first.readings.filter((r) => r.key !== 'energy_export_wh') });
  await waitFor('the device config', () => sub.on(DEVICE).length === 1);
  assert.equal(cmps(sub.on(DEVICE)[0]!).energy_export_wh, undefined);
  await sink.handle(first);
  await waitFor('the new key', () => sub.on(DEVICE).length === 2);
  assert.equal(
    cmps(sub.on(DEVICE)[1]!).energy_export_wh?.unique_id,
    'kaifareader_1KFM0200175269_energy_export_wh',
  );
  await sink.handle(vorarlbergSnapshot(RECEIVED + 1000)); // nothing new: no config
  await sub.publish('homeassistant/status', 'offline');
  await sub.publish('homeassistant/status', 'online');
  await waitFor('republished', () => sub.on(DEVICE).length === 3);
  assert.equal(sub.on(DEVICE)[2]!.payload, sub.on(DEVICE)[1]!.payload);
});

test('broker down for 30 telegrams: all arrive in order with their original received_at', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [STATE, 'kaifareader/status']);
  t.after(() => sub.end());
  const log = recordingLogger();
  const sink = createMqttSink(mqttConfig(broker.url), { logger: log, dataDir: tempDir(t), backoff: FAST });
  t.after(() => sink.stop?.());
  await sink.start?.();
  await sink.handle(vorarlbergSnapshot(RECEIVED));
  await waitFor('first state', () => sub.on(STATE).length === 1);
  await waitFor('first state acknowledged', () => sink.status?.().backlog === 0);

  await broker.stop();
  await waitFor('sink notices', () => sink.status?.().ok === false);
  const expected = [iso(RECEIVED)];
  for (let i = 1; i <= 30; i++) {
    await sink.handle(vorarlbergSnapshot(RECEIVED + i * 5000));
    expected.push(iso(RECEIVED + i * 5000));
  }
  assert.equal(sink.status?.().backlog, 30);
  await waitFor('several refused reconnects', () =>
    log.lines.some((l) => /broker not reachable/.test(l.message)),
  );
  await new Promise((r) => setTimeout(r, 500)); // let more reconnect attempts fail: each must not log again
  await broker.start();
  await waitFor('31 states', () => sub.on(STATE).length >= 31);
  assert.deepEqual(receivedAts(sub.on(STATE)), expected);
  await waitFor('outbox empty', () => sink.status?.().backlog === 0);
  const lines = (re: RegExp) => log.lines.filter((l) => re.test(l.message)).length;
  assert.equal(lines(/broker not reachable at 127\.0\.0\.1:\d+ — is mosquitto running\?/), 1, log.text());
  assert.equal(lines(/connection to .* lost/), 1, log.text());
  assert.equal(lines(/connected to .*delivering 30 queued messages/), 1, log.text());
});

test('outbox bound: the oldest are dropped with a counter and one warning, the rest delivered in order', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [STATE]);
  t.after(() => sub.end());
  await broker.stop();
  const log = recordingLogger();
  const cfg = mqttConfig(broker.url, { outbox: { maxMessages: 5 } });
  const sink = createMqttSink(cfg, { logger: log, dataDir: tempDir(t), backoff: FAST });
  t.after(() => sink.stop?.());
  await sink.start?.();
  for (let i = 1; i <= 8; i++) await sink.handle(vorarlbergSnapshot(RECEIVED + i * 1000));
  const st = sink.status?.();
  assert.equal(st?.backlog, 5);
  assert.equal(st?.dropped, 3);
  assert.equal(
    log.lines.filter((l) => l.level === 'warn' && /outbox full .*3 so far/.test(l.message)).length,
    0,
  );
  assert.equal(
    log.lines.filter((l) => l.level === 'warn' && /outbox full/.test(l.message)).length,
    1,
    log.text(),
  );
  await broker.start();
  await waitFor('5 states', () => sub.on(STATE).length >= 5);
  assert.deepEqual(
    receivedAts(sub.on(STATE)),
    [4, 5, 6, 7, 8].map((i) => iso(RECEIVED + i * 1000)),
  );
});

test('messages in flight when the connection breaks (no PUBACK) are sent again after the reconnect', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [STATE]);
  t.after(() => sub.end());
  await broker.stop(); // saves the subscriber's session, restored by every later start
  await broker.start();
  const sink = createMqttSink(mqttConfig(broker.url), {
    logger: recordingLogger(),
    dataDir: tempDir(t),
    backoff: FAST,
  });
  t.after(() => sink.stop?.());
  await sink.start?.();
  await waitFor('connected', () => sink.status?.().ok === true);
  broker.pause();
  for (let i = 1; i <= 5; i++) await sink.handle(vorarlbergSnapshot(RECEIVED + i * 1000));
  await broker.crash();
  await waitFor('sink notices', () => sink.status?.().ok === false);
  assert.equal(sink.status?.().backlog, 5);
  await broker.start();
  await waitFor('5 states', () => sub.on(STATE).length >= 5);
  assert.deepEqual(
    receivedAts(sub.on(STATE)),
    [1, 2, 3, 4, 5].map((i) => iso(RECEIVED + i * 1000)),
  );
  await waitFor('outbox empty', () => sink.status?.().backlog === 0);
});

test('diagnostics: published on connect and when the diagnosis state changes, with the live hint', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/diagnostics']);
  t.after(() => sub.end());
  let diagnosis: Diagnosis = { state: 'starting', hint: 'waiting for the first bytes' };
  const listeners = new Set<(s: DaemonStatus) => void>();
  const get = (): DaemonStatus => ({
    startedAt: RECEIVED,
    source: '/dev/ttyUSB0 2400 8N1',
    sourceConnected: true,
    bytesReceived: 0,
    framesOk: 0,
    telegramsOk: 0,
    errorsByCode: {},
    diagnosis,
    meters: [],
    sinks: {},
  });
  const status = {
    get,
    subscribe(l: (s: DaemonStatus) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const emit = (): void => listeners.forEach((l) => l(get()));
  const sink = createMqttSink(mqttConfig(broker.url), {
    logger: recordingLogger(),
    dataDir: tempDir(t),
    backoff: FAST,
    status,
  });
  t.after(() => sink.stop?.());
  await sink.start?.();
  await waitFor('on connect', () => sub.messages.length === 1);
  emit(); // still `starting`: already published on connect
  diagnosis = { state: 'wrong-key', hint: 'the key is probably wrong or belongs to another meter' };
  emit();
  emit(); // unchanged: not published again
  diagnosis = { state: 'ok', hint: 'reading the meter' };
  emit();
  await waitFor('ok', () => sub.messages.some((m) => JSON.parse(m.payload).diagnosis.state === 'ok'));
  const states = sub.messages.map((m) => JSON.parse(m.payload).diagnosis.state);
  assert.deepEqual(states, ['starting', 'wrong-key', 'ok']);
  const wrong = JSON.parse(sub.messages[1]!.payload);
  assert.equal(wrong.diagnosis.hint, 'the key is probably wrong or belongs to another meter');
  assert.equal(wrong.source, '/dev/ttyUSB0 2400 8N1');
  assert.equal(wrong.outbox_backlog, 0);
});
