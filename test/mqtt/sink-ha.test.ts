/**
 * Home Assistant against a real mosquitto: the documented move from per-entity discovery to one device config
 * (exact order of every step as a subscriber sees it, once per meter), the diagnosis entities' states for a
 * wrong key and an unplugged meter (status driven by the test), and `<base>/<meter>/grid_power` at QoS 0,
 * not retained and never through the outbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMqttSink, type MqttSinkOptions } from '../../src/sinks/mqtt/mqtt-sink.js';
import { toDeviceDiscovery } from '../../src/sinks/mqtt/discovery.js';
import { KNOWN_METERS_FILE } from '../../src/sinks/mqtt/known-meters.js';
import type { DaemonStatus, MeterStatus, StatusProvider } from '../../src/status/status.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { VORARLBERG, daemonStatus, meterSnapshot, meterStatus } from './fixtures/meters.js';
import { mqttConfig, recordingLogger, sleep, subscribe, waitFor, tempDir } from './fixtures/support.js';

const T0 = Date.parse('2023-07-26T18:05:21Z');
const FAST = { minMs: 100, maxMs: 400 };
const HOUSE = '1KFM0200175269';
const OLD = (key: string) => `homeassistant/sensor/kaifareader_${HOUSE}/${key}/config`;
const DEVICE = `homeassistant/device/kaifareader_${HOUSE}/config`;
const MIGRATE = '{"migrate_discovery": true}';

type T = { after(fn: () => unknown): void };

function sinkOn(t: T, url: string, extra: Partial<MqttSinkOptions> = {}) {
  const log = recordingLogger();
  const sink = createMqttSink(mqttConfig(url), {
    logger: log,
    dataDir: tempDir(t, 'mqtt-ha'),
    backoff: FAST,
    migrationSettleMs: 200,
    ...extra,
  });
  t.after(() => sink.stop?.());
  return { sink, log };
}

test('per-entity configs of an older version: migrate_discovery on each, the device config, then each cleared; once', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  // what the previous version left retained (two keys the meter sends, one it no longer sends)
  const seed = await subscribe(broker.url, ['kaifareader/none'], { clean: true });
  const oldConfig = (key: string) =>
    JSON.stringify({
      name: key,
      unique_id: `kaifareader_${HOUSE}_${key}`,
      state_topic: `kaifareader/${HOUSE}/state`,
    });
  for (const key of ['energy_import_wh', 'voltage_l1_v', 'gone_key'])
    await seed.publish(OLD(key), oldConfig(key), true);
  await seed.end();

  const ha = await subscribe(broker.url, ['homeassistant/#'], { clean: true }); // as Home Assistant subscribes
  t.after(() => ha.end());
  await waitFor('the old configs', () => ha.messages.length === 3);
  const status = daemonStatus([meterStatus('default')]);
  const { sink, log } = sinkOn(t, broker.url, { status });
  await sink.start?.();
  const snapshot = meterSnapshot(VORARLBERG, 'default', T0);
  await sink.handle(snapshot);
  await waitFor('the clears', () => ha.messages.filter((m) => m.payload === '').length === 3);
  await sleep(100);
  const device = ha.on(DEVICE);
  assert.equal(device.length, 1);
  assert.deepEqual(
    ha.messages
      .slice(3)
      .map((m) => [m.topic, m.payload === device[0]!.payload ? '<device config>' : m.payload]),
    [
      [OLD('energy_import_wh'), MIGRATE],
      [OLD('gone_key'), MIGRATE],
      [OLD('voltage_l1_v'), MIGRATE],
      [DEVICE, '<device config>'],
      [OLD('energy_import_wh'), ''],
      [OLD('gone_key'), ''],
      [OLD('voltage_l1_v'), ''],
    ],
  );
  // the device config carries the old unique_ids
  const cmps = JSON.parse(device[0]!.payload).cmps;
  assert.equal(cmps.energy_import_wh.unique_id, `kaifareader_${HOUSE}_energy_import_wh`);
  assert.equal(cmps.voltage_l1_v.unique_id, `kaifareader_${HOUSE}_voltage_l1_v`);
  assert.match(
    log.text(),
    /meter 1KFM0200175269: moving 3 Home Assistant entities from per-entity to device discovery/,
  );
  await sink.stop?.();

  // a client connecting now finds only the device config: the old topics are gone from the broker
  const late = await subscribe(broker.url, ['homeassistant/#'], { clean: true });
  t.after(() => late.end());
  await waitFor('retained device config', () => late.on(DEVICE).length === 1);
  await sleep(200);
  assert.deepEqual(
    late.messages.map((m) => m.topic),
    [DEVICE],
  );

  // the next run (a fresh data dir too) finds nothing old: straight to the device config, no migration
  const ha2 = await subscribe(broker.url, ['homeassistant/#'], { clean: true });
  t.after(() => ha2.end());
  await waitFor('retained', () => ha2.messages.length === 1);
  const next = sinkOn(t, broker.url, { status });
  await next.sink.start?.();
  await next.sink.handle(meterSnapshot(VORARLBERG, 'default', T0 + 5000));
  await waitFor('the device config again', () => ha2.on(DEVICE).length === 2);
  await sleep(300);
  assert.deepEqual(
    ha2.messages.map((m) => m.topic),
    [DEVICE, DEVICE],
  );
  assert.doesNotMatch(next.log.text(), /moving/);
});

test('a fresh broker: the device config without any migrate or clear message', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const ha = await subscribe(broker.url, ['homeassistant/#'], { clean: true });
  t.after(() => ha.end());
  const { sink } = sinkOn(t, broker.url);
  await sink.start?.();
  const snapshot = meterSnapshot(VORARLBERG, 'default', T0);
  await sink.handle(snapshot);
  await waitFor('device config', () => ha.on(DEVICE).length === 1);
  await sleep(300);
  assert.deepEqual(
    ha.messages.map((m) => m.topic),
    [DEVICE],
  );
  const expected = JSON.parse(
    toDeviceDiscovery(snapshot, { baseTopic: 'kaifareader', prefix: 'homeassistant' }).payload,
  );
  const got = JSON.parse(ha.messages[0]!.payload);
  assert.deepEqual(got.dev, expected.dev);
  assert.deepEqual(Object.keys(got.cmps), Object.keys(expected.cmps));
  assert.equal(got.o.name, 'kaifareader');
  assert.equal(typeof got.o.sw, 'string', 'the package version');
  assert.equal(
    got.cmps.energy_import_wh.expire_after,
    600,
    'the first telegram: twice the 5-minute first guess',
  );
});

/** A status whose one meter the test changes; listeners are told like the daemon's StatusHub does. */
function drivenStatus(meter: MeterStatus): StatusProvider & { set(m: Partial<MeterStatus>): void } {
  const listeners = new Set<(s: DaemonStatus) => void>();
  let current = meter;
  const get = (): DaemonStatus => ({ ...daemonStatus([current]).get(), diagnosis: current.diagnosis });
  return {
    get,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(m) {
      current = { ...current, ...m };
      for (const l of listeners) l(get());
    },
  };
}

test('diagnosis entities: ok, then wrong key, then unplugged, each on the meter diagnostics topic while the meter is silent', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [`kaifareader/${HOUSE}/#`, 'homeassistant/device/#'], {
    clean: true,
  });
  t.after(() => sub.end());
  const clock = { now: T0 };
  const status = drivenStatus(meterStatus('house', 'House'));
  const { sink } = sinkOn(t, broker.url, {
    status,
    now: () => clock.now,
    availability: { minTimeoutMs: 1000, factor: 4, firstTimeoutMs: 1000 },
    availabilityCheckMs: 20,
  });
  await sink.start?.();
  await sink.handle(meterSnapshot(VORARLBERG, 'house', T0));
  status.set({ meterId: HOUSE, telegramsOk: 1, framesOk: 1, bytesReceived: 300, lastTelegramAt: T0 });
  await waitFor('device config', () => sub.on('homeassistant/device/').length === 1);
  const cmps = JSON.parse(sub.on('homeassistant/device/')[0]!.payload).cmps;
  const topic = cmps.diagnosis.state_topic as string;
  assert.equal(topic, `kaifareader/${HOUSE}/diagnostics`);
  // the state each diagnosis entity shows: its value_template key of the retained diagnostics JSON
  const shown = () => {
    const last = JSON.parse(sub.on(topic).at(-1)!.payload) as Record<string, unknown>;
    const key = (c: { value_template: string }) => /value_json\.(\w+)/.exec(c.value_template)![1]!;
    return {
      diagnosis: last[key(cmps.diagnosis)],
      telegrams_ok: last[key(cmps.telegrams_ok)],
      telegram_errors: last[key(cmps.telegram_errors)],
      last_telegram_at: last[key(cmps.last_telegram_at)],
    };
  };

  // the key no longer fits (the operator changed it): frames arrive, nothing decodes
  clock.now = T0 + 3000;
  status.set({
    framesOk: 4,
    bytesReceived: 1500,
    errorsByCode: { 'plaintext.invalid': 3 },
    diagnosis: { state: 'wrong-key', hint: 'the key is probably wrong or belongs to another meter' },
  });
  await waitFor('wrong-key', () =>
    sub.on(topic).some((m) => JSON.parse(m.payload).diagnosis === 'wrong-key'),
  );
  assert.deepEqual(shown(), {
    diagnosis: 'wrong-key',
    telegrams_ok: 1,
    telegram_errors: 3,
    last_telegram_at: '2023-07-26T18:05:21.000Z',
  });
  assert.ok(cmps.diagnosis.options.includes(shown().diagnosis));
  // meanwhile the meter's readings go unavailable (silent for longer than its timeout) ...
  await waitFor('meter offline', () =>
    sub.on(`kaifareader/${HOUSE}/availability`).some((m) => m.payload === 'offline'),
  );
  // ... while the diagnosis entities (daemon availability only) keep telling what is wrong: unplugged now
  status.set({
    sourceConnected: false,
    diagnosis: { state: 'no-bytes', hint: 'nothing arrives: is the cable plugged in?' },
  });
  await waitFor('no-bytes', () => sub.on(topic).some((m) => JSON.parse(m.payload).diagnosis === 'no-bytes'));
  assert.equal(shown().diagnosis, 'no-bytes');
  assert.deepEqual(cmps.diagnosis.availability, [{ topic: 'kaifareader/status' }]);
  // retained: Home Assistant restarting now reads the current diagnosis at once
  const late = await subscribe(broker.url, [topic], { clean: true });
  t.after(() => late.end());
  await waitFor('retained diagnostics', () => late.messages.length === 1);
  assert.deepEqual(
    late.messages.map((m) => [JSON.parse(m.payload).diagnosis, m.retain]),
    [['no-bytes', true]],
  );
});

test('after a restart with the meter still unplugged, its diagnosis entity shows it (the meter number is kept in data_dir)', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const dataDir = tempDir(t, 'mqtt-ha');
  // run 1: the meter decodes, so its number is known
  const first = sinkOn(t, broker.url, { status: daemonStatus([meterStatus('house', 'House')]), dataDir });
  await first.sink.start?.();
  await first.sink.handle(meterSnapshot(VORARLBERG, 'house', T0));
  await first.sink.stop?.();
  assert.deepEqual(JSON.parse(readFileSync(join(dataDir, KNOWN_METERS_FILE), 'utf8')), { house: HOUSE });
  // run 2: the adapter is unplugged from the start — no telegram, no meter number in the status
  const sub = await subscribe(broker.url, [`kaifareader/${HOUSE}/diagnostics`], { clean: true });
  t.after(() => sub.end());
  const unplugged = drivenStatus({
    ...meterStatus('house', 'House'),
    sourceConnected: false,
    diagnosis: { state: 'port-error', hint: 'no such port' },
  });
  const second = sinkOn(t, broker.url, { status: unplugged, dataDir });
  await second.sink.start?.();
  await waitFor('port-error on the meter diagnostics topic', () =>
    sub.on(`kaifareader/${HOUSE}/diagnostics`).some((m) => JSON.parse(m.payload).diagnosis === 'port-error'),
  );
});

test('grid_power: QoS 0, not retained, one per telegram; never queued in the outbox while the broker is down', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [`kaifareader/${HOUSE}/state`, `kaifareader/${HOUSE}/grid_power`]);
  t.after(() => sub.end());
  const { sink } = sinkOn(t, broker.url);
  await sink.start?.();
  await waitFor('connected', () => sink.status?.().ok === true);
  await sink.handle(meterSnapshot(VORARLBERG, 'default', T0));
  await waitFor('one grid power', () => sub.on(`kaifareader/${HOUSE}/grid_power`).length === 1);
  assert.deepEqual(
    sub.on(`kaifareader/${HOUSE}/grid_power`).map((m) => [m.payload, m.qos, m.retain]),
    [['53', 0, false]], // the vector's P+ 53 W − P- 0 W
  );
  await waitFor('state delivered', () => sink.status?.().backlog === 0);

  await broker.stop();
  await waitFor('disconnected', () => sink.status?.().ok === false);
  for (let i = 1; i <= 3; i++) await sink.handle(meterSnapshot(VORARLBERG, 'default', T0 + i * 1000));
  assert.equal(sink.status?.().backlog, 3, 'only the three states wait in the outbox');
  await broker.start();
  await waitFor('states after the outage', () => sub.on(`kaifareader/${HOUSE}/state`).length === 4, 15_000);
  await sleep(300);
  assert.equal(sub.on(`kaifareader/${HOUSE}/grid_power`).length, 1, 'no stale power after the outage');
  // a retained grid power would greet every new subscriber with a stale value
  const late = await subscribe(broker.url, [`kaifareader/${HOUSE}/grid_power`], { clean: true });
  t.after(() => late.end());
  await sleep(300);
  assert.deepEqual(late.messages, []);
});
