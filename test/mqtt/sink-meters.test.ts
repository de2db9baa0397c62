/**
 * Many meters through one MQTT sink against a real mosquitto: own topics, discovery and availability per
 * meter; a silent meter goes offline while the other stays online; retained availability after a broker crash;
 * per-meter offline before the daemon's on stop; meters without a meter number; forgotten meters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { createMqttSink, type MqttSinkOptions } from '../../src/sinks/mqtt/mqtt-sink.js';
import { toStateMessage, toValueMessages } from '../../src/sinks/mqtt/state-payload.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import {
  EVN,
  VORARLBERG,
  daemonStatus,
  meterSnapshot,
  meterStatus,
  numberlessSnapshot,
} from './fixtures/meters.js';
import {
  mqttConfig,
  recordingLogger,
  sleep,
  subscribe,
  waitFor,
  type Received,
  tempDir,
} from './fixtures/support.js';

const T0 = Date.parse('2023-07-26T18:05:21Z');
const FAST = { minMs: 100, maxMs: 400 };
const HOUSE = '1KFM0200175269'; // vorarlberg vector, configured as `house` (the first meter)
const GARAGE = '181220000009'; // EVN vector, configured as `garage`
const availability = (id: string): string => `kaifareader/${id}/availability`;
const payloads = (msgs: Received[]): string[] => msgs.map((m) => m.payload);
const device = (id: string): string => `homeassistant/device/kaifareader_${id}/config`;
const DIAGNOSIS_KEYS = ['diagnosis', 'telegrams_ok', 'telegram_errors', 'last_telegram_at'];

type T = { after(fn: () => unknown): void };

const house = (at: number): MeterSnapshot => meterSnapshot(VORARLBERG, 'house', at);
const garage = (at: number): MeterSnapshot => meterSnapshot(EVN, 'garage', at);
const twoMeters = daemonStatus([meterStatus('house', 'House'), meterStatus('garage')]);

/** A sink on a fake clock that checks for silent meters every 20 ms (timeout ≥ 1 s of the fake clock). */
function sinkOn(t: T, url: string, extra: Partial<MqttSinkOptions> = {}, cfg = mqttConfig(url)) {
  const clock = { now: T0 };
  const log = recordingLogger();
  const sink = createMqttSink(cfg, {
    logger: log,
    dataDir: tempDir(t, 'mqtt-meters'),
    backoff: FAST,
    status: twoMeters,
    now: () => clock.now,
    availability: { minTimeoutMs: 1000, factor: 4, firstTimeoutMs: 1000 },
    availabilityCheckMs: 20,
    ...extra,
  });
  t.after(() => sink.stop?.());
  return { sink, clock, log };
}

test('two meters interleaved: each one on its own topics, discovery and availability; legacy from the first only', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/#', 'homeassistant/#']);
  t.after(() => sub.end());
  const cfg = mqttConfig(broker.url, { perValueTopics: true, legacyTopics: true });
  const { sink, clock, log } = sinkOn(t, broker.url, {}, cfg);
  await sink.start?.();
  await waitFor('connected', () => sink.status?.().ok === true);
  const sent: MeterSnapshot[] = [];
  for (let i = 0; i < 3; i++) {
    for (const s of [house(T0 + i * 5000), garage(T0 + i * 5000 + 1000)]) {
      clock.now = s.receivedAt;
      sent.push(s);
      await sink.handle(s);
    }
  }
  await waitFor('outbox empty', () => sink.status?.().backlog === 0);
  for (const [id, meter] of [
    [HOUSE, 'house'],
    [GARAGE, 'garage'],
  ] as const) {
    const own = sent.filter((s) => s.meter === meter);
    await waitFor(`${id} state`, () => sub.on(`kaifareader/${id}/state`).length === 3);
    assert.deepEqual(
      payloads(sub.on(`kaifareader/${id}/state`)),
      own.map((s) => toStateMessage('kaifareader', s).payload),
    );
    const values = own.flatMap((s) => toValueMessages('kaifareader', s));
    assert.deepEqual(
      sub
        .on(`kaifareader/${id}/`)
        .filter((m) => !/\/(state|availability|grid_power|diagnostics|energy_15min\/current)$/.test(m.topic))
        .map((m) => [m.topic, m.payload]),
      values.map((m) => [m.topic, m.payload]),
    );
    // the bare signed power of every telegram of this meter (both vectors send P+ and P-)
    assert.deepEqual(
      payloads(sub.on(`kaifareader/${id}/grid_power`)),
      own.map((s) => String(JSON.parse(toStateMessage('kaifareader', s).payload).grid_power_w)),
    );
    assert.ok(own.every((s) => JSON.parse(toStateMessage('kaifareader', s).payload).meter_id === id));
    assert.deepEqual(payloads(sub.on(availability(id))), ['online']);
  }
  // the old tool's topics name no meter: only the first configured meter (`house`) feeds them
  assert.deepEqual(payloads(sub.on('kaifareader/RealEnergyIn_S')), ['3744.082', '3744.082', '3744.082']);
  assert.deepEqual(payloads(sub.on('kaifareader/RealEnergyOut_S')), ['3929.988', '3929.988', '3929.988']);

  await waitFor('discovery of both', () => [HOUSE, GARAGE].every((id) => sub.on(device(id)).length > 0));
  for (const id of [HOUSE, GARAGE]) {
    assert.deepEqual(sub.on(`homeassistant/sensor/kaifareader_${id}/`), [], 'no per-entity configs any more');
    const config = JSON.parse(sub.on(device(id)).at(-1)!.payload) as {
      dev: { identifiers: string[]; name: string };
      cmps: Record<
        string,
        { state_topic: string; unique_id: string; availability: unknown; availability_mode?: string }
      >;
    };
    assert.deepEqual(config.dev.identifiers, [`kaifareader_${id}`]);
    assert.equal(config.dev.name, id === HOUSE ? 'House' : 'Kaifa MA309 181220000009');
    for (const [key, c] of Object.entries(config.cmps)) {
      assert.equal(c.unique_id, `kaifareader_${id}_${key}`);
      if (DIAGNOSIS_KEYS.includes(key)) {
        assert.equal(c.state_topic, `kaifareader/${id}/diagnostics`, key);
        assert.deepEqual(c.availability, [{ topic: 'kaifareader/status' }]);
        continue;
      }
      const quarter = key.startsWith('energy_15min_current_')
        ? 'energy_15min/current'
        : key.startsWith('energy_15min_')
          ? 'energy_15min/last'
          : 'state';
      assert.equal(c.state_topic, `kaifareader/${id}/${quarter}`, key);
      assert.deepEqual(c.availability, [{ topic: 'kaifareader/status' }, { topic: availability(id) }]);
      assert.equal(c.availability_mode, 'all');
    }
  }
  assert.equal(log.lines.filter((l) => l.level === 'error' || l.level === 'warn').length, 0, log.text());
});

test('a silent meter goes offline after its derived timeout while the other stays online, and back with its next telegram', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/+/availability']);
  t.after(() => sub.end());
  const { sink, clock, log } = sinkOn(t, broker.url);
  await sink.start?.();
  await waitFor('connected', () => sink.status?.().ok === true);
  // both push every 100 ms (fake clock): timeout max(1000 ms, 4 × 100 ms) = 1000 ms
  for (let i = 0; i < 10; i++) {
    clock.now = T0 + i * 100;
    await sink.handle(house(clock.now));
    await sink.handle(garage(clock.now));
  }
  const garageLast = clock.now;
  for (let i = 1; i <= 10; i++) {
    clock.now = garageLast + i * 100; // house keeps pushing, garage is silent
    await sink.handle(house(clock.now));
    await sleep(i === 10 ? 200 : 0); // at exactly 1000 ms of silence, ten checks of the timer: still online
  }
  assert.deepEqual(payloads(sub.on(availability(GARAGE))), ['online']);
  clock.now += 1;
  await waitFor('garage offline', () => sub.on(availability(GARAGE)).length === 2);
  assert.deepEqual(payloads(sub.on(availability(GARAGE))), ['online', 'offline']);
  // retained (a live subscriber sees no retain flag under MQTT 3.1.1): a new client gets `offline`
  const late = await subscribe(broker.url, [availability(GARAGE)], { clean: true });
  t.after(() => late.end());
  await waitFor('retained', () => late.messages.length === 1);
  assert.deepEqual(
    late.messages.map((m) => [m.payload, m.retain]),
    [['offline', true]],
  );
  assert.match(
    log.text(),
    /warn: meter 181220000009: no telegram for 1 s — is the meter still connected\? Its MQTT availability is offline/,
  );
  clock.now += 5000;
  await sink.handle(house(clock.now));
  await sink.handle(garage(clock.now));
  await waitFor('garage online again', () => sub.on(availability(GARAGE)).length === 3);
  assert.deepEqual(payloads(sub.on(availability(GARAGE))), ['online', 'offline', 'online']);
  // house pushed all along: never offline
  await sleep(200);
  assert.deepEqual(payloads(sub.on(availability(HOUSE))), ['online']);
});

test('after a broker crash (retained lost) every meter availability is republished retained', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const { sink, clock } = sinkOn(t, broker.url);
  await sink.start?.();
  await waitFor('connected', () => sink.status?.().ok === true);
  for (let i = 0; i < 3; i++) {
    clock.now = T0 + i * 100;
    await sink.handle(house(clock.now));
    await sink.handle(garage(clock.now));
  }
  clock.now += 600;
  await sink.handle(house(clock.now));
  clock.now += 600; // garage: 1200 ms silent > 1000 ms; house: 600 ms
  const watch = await subscribe(broker.url, ['kaifareader/+/availability'], { clean: true });
  await waitFor('garage offline', () => watch.on(availability(GARAGE)).at(-1)?.payload === 'offline');
  await watch.end();

  await broker.crash(); // SIGKILL: mosquitto saved nothing, the retained messages are gone
  await waitFor('sink notices', () => sink.status?.().ok === false);
  await broker.start();
  await waitFor('reconnected', () => sink.status?.().ok === true);
  const late = await subscribe(broker.url, ['kaifareader/#'], { clean: true });
  t.after(() => late.end());
  await waitFor('retained availability', () => late.messages.length >= 3);
  await sleep(100);
  assert.deepEqual(
    late.messages
      .filter((m) => /\/(status|availability)$/.test(m.topic))
      .map((m) => [m.topic, m.payload, m.retain])
      .sort(),
    [
      [availability(GARAGE), 'offline', true],
      [availability(HOUSE), 'online', true],
      ['kaifareader/status', 'online', true],
    ],
  );
});

test('stop: every meter offline (retained), then the daemon offline on <base>/status', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/status', 'kaifareader/+/availability']);
  t.after(() => sub.end());
  const { sink, clock } = sinkOn(t, broker.url);
  await sink.start?.();
  await waitFor('connected', () => sink.status?.().ok === true);
  await sink.handle(house(clock.now));
  await sink.handle(garage(clock.now));
  await waitFor('both online', () => sub.on('kaifareader/1').length === 2);
  await sink.stop?.();
  await waitFor('status offline', () => sub.on('kaifareader/status').at(-1)?.payload === 'offline');
  assert.deepEqual(
    sub.messages.slice(-3).map((m) => [m.topic, m.payload]),
    [
      [availability(HOUSE), 'offline'],
      [availability(GARAGE), 'offline'],
      ['kaifareader/status', 'offline'],
    ],
  );
  const after = await subscribe(broker.url, ['kaifareader/status', 'kaifareader/+/availability'], {
    clean: true,
  });
  t.after(() => after.end());
  await waitFor('retained', () => after.messages.length === 3);
  assert.deepEqual(after.messages.map((m) => [m.topic, m.payload, m.retain]).sort(), [
    [availability(GARAGE), 'offline', true],
    [availability(HOUSE), 'offline', true],
    ['kaifareader/status', 'offline', true],
  ]);
});

test('meters whose telegrams carry no number publish under their configured ids, never under unknown', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/#', 'homeassistant/#']);
  t.after(() => sub.end());
  const status = daemonStatus([meterStatus('garage'), meterStatus('shed', 'Shed')]);
  const { sink, clock } = sinkOn(t, broker.url, { status });
  await sink.start?.();
  await sink.handle(numberlessSnapshot('garage', clock.now));
  await sink.handle(numberlessSnapshot('shed', clock.now));
  await waitFor(
    'both states',
    () => sub.on('kaifareader/garage/state').length === 1 && sub.on('kaifareader/shed/state').length === 1,
  );
  await waitFor('both discovered', () => ['garage', 'shed'].every((id) => sub.on(device(id)).length > 0));
  assert.equal(JSON.parse(sub.on('kaifareader/garage/state')[0]!.payload).meter_id, 'garage');
  assert.deepEqual(payloads(sub.on(availability('garage'))), ['online']);
  assert.deepEqual(payloads(sub.on(availability('shed'))), ['online']);
  const shed = JSON.parse(sub.on(device('shed'))[0]!.payload);
  assert.deepEqual(shed.cmps.energy_import_wh.availability, [
    { topic: 'kaifareader/status' },
    { topic: availability('shed') },
  ]);
  assert.equal(shed.dev.name, 'Shed');
  assert.deepEqual(
    sub.messages.filter((m) => m.topic.includes('unknown')).map((m) => m.topic),
    [],
  );
});

test('a retained online this run did not publish is set offline; forgetMeter sets offline and stops republishing', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/+/availability', 'homeassistant/device/#']);
  t.after(() => sub.end());
  // left by a crashed run, for a meter since removed from the config
  await sub.publish(availability('1KFM0100000035'), 'online', true);
  const { sink, clock, log } = sinkOn(t, broker.url);
  await sink.start?.();
  await waitFor('stale offline', () => sub.on(availability('1KFM0100000035')).length === 2);
  assert.deepEqual(payloads(sub.on(availability('1KFM0100000035'))), ['online', 'offline']);
  assert.match(log.text(), /meter 1KFM0100000035: no telegram yet in this run/);

  await sink.handle(house(clock.now));
  await sink.handle(garage(clock.now));
  await waitFor(
    'both online',
    () => sub.on(availability(GARAGE)).length === 1 && sub.on(availability(HOUSE)).length === 1,
  );
  await waitFor('discovery', () => sub.on(device(GARAGE)).length > 0 && sub.on(device(HOUSE)).length > 0);
  const garageConfigs = sub.on(device(GARAGE)).length;
  const houseConfigs = sub.on(device(HOUSE)).length;
  sink.forgetMeter('garage');
  await waitFor('garage offline', () => sub.on(availability(GARAGE)).length === 2);
  assert.deepEqual(payloads(sub.on(availability(GARAGE))), ['online', 'offline']);
  await sub.publish('homeassistant/status', 'online'); // Home Assistant restarted: only house is republished
  await waitFor('house republished', () => sub.on(device(HOUSE)).length === houseConfigs + 1);
  await sleep(100);
  assert.equal(sub.on(device(GARAGE)).length, garageConfigs);
  assert.deepEqual(payloads(sub.on(availability(HOUSE))), ['online']);
});
