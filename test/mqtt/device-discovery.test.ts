/**
 * Pure parts of device discovery and grid power: the exact migration sequence from per-entity topics, the
 * per-meter diagnostics payload, `expire_after` from the cadence, and `grid_power_w` = import − export for
 * real vectors (decoded by the real decoder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactDifference, gridPower } from '../../src/model/grid-power.js';
import { expireAfterSeconds } from '../../src/sinks/mqtt/availability.js';
import { toMeterDiagnosticsObject } from '../../src/sinks/mqtt/diagnostics.js';
import { toDeviceDiscovery } from '../../src/sinks/mqtt/discovery.js';
import {
  MIGRATE_PAYLOAD,
  isMigratePayload,
  migrationSequence,
} from '../../src/sinks/mqtt/discovery-migration.js';
import { toGridPowerMessage, toStateObject } from '../../src/sinks/mqtt/state-payload.js';
import { deviceDiscoveryTopic, discoveryTopic, legacyDiscoveryFilter } from '../../src/sinks/mqtt/topics.js';
import { toApiSnapshot } from '../../src/http/to-api.js';
import { EVN, VORARLBERG, meterSnapshot, meterStatus } from './fixtures/meters.js';
import { vorarlbergSnapshot } from './fixtures/vorarlberg.js';

const T0 = Date.parse('2023-07-26T18:05:21Z');
const opts = { baseTopic: 'kaifareader', prefix: 'homeassistant' };
const OLD = (key: string) => discoveryTopic('homeassistant', '1KFM0200175269', key);

test('topics of the device config and of the old per-entity configs', () => {
  assert.equal(
    deviceDiscoveryTopic('homeassistant/', '1KFM0200175269'),
    'homeassistant/device/kaifareader_1KFM0200175269/config',
  );
  assert.equal(
    legacyDiscoveryFilter('homeassistant', '1KFM0200175269'),
    'homeassistant/sensor/kaifareader_1KFM0200175269/+/config',
  );
  assert.equal(
    OLD('energy_import_wh'),
    'homeassistant/sensor/kaifareader_1KFM0200175269/energy_import_wh/config',
  );
});

test('migration: migrate_discovery on every old topic, then the device config, then the old topics cleared', () => {
  const device = toDeviceDiscovery(vorarlbergSnapshot(T0), opts);
  const found = new Map([
    [OLD('voltage_l1_v'), '{"name":"Voltage L1","unique_id":"kaifareader_1KFM0200175269_voltage_l1_v"}'],
    [OLD('energy_import_wh'), '{"name":"Active energy import (A+)"}'],
    [OLD('gone_key'), '{"name":"a key the meter no longer sends"}'],
    [OLD('cleared'), ''], // already empty: nothing to do
  ]);
  assert.deepEqual(migrationSequence(found, device), [
    { topic: OLD('energy_import_wh'), payload: '{"migrate_discovery": true}', retain: true },
    { topic: OLD('gone_key'), payload: '{"migrate_discovery": true}', retain: true },
    { topic: OLD('voltage_l1_v'), payload: '{"migrate_discovery": true}', retain: true },
    device,
    { topic: OLD('energy_import_wh'), payload: '', retain: true },
    { topic: OLD('gone_key'), payload: '', retain: true },
    { topic: OLD('voltage_l1_v'), payload: '', retain: true },
  ]);
  assert.deepEqual(JSON.parse(MIGRATE_PAYLOAD), { migrate_discovery: true });
});

test('migration: a fresh install goes straight to the device config; an interrupted move is only finished', () => {
  const device = toDeviceDiscovery(vorarlbergSnapshot(T0), opts);
  assert.deepEqual(migrationSequence(new Map(), device), [device]);
  const interrupted = new Map([[OLD('energy_import_wh'), '{"migrate_discovery":true}']]);
  assert.deepEqual(migrationSequence(interrupted, device), [
    device,
    { topic: OLD('energy_import_wh'), payload: '', retain: true },
  ]);
  assert.equal(isMigratePayload('{"migr_discvry": true}'), true);
  assert.equal(isMigratePayload('{"name":"x"}'), false);
  assert.equal(isMigratePayload('not json'), false);
});

test('grid_power_w = import − export for real vectors, in the state JSON, the bare topic and the API', () => {
  for (const [id, imp, exp] of [
    [VORARLBERG, 53, 0], // the vector's P+ / P- (test/fixtures/vectors)
    [EVN, 0, 0],
  ] as const) {
    const s = meterSnapshot(id, 'default', T0);
    const r = (key: string) => s.readings.find((x) => x.key === key)?.value;
    assert.deepEqual([r('power_import_w'), r('power_export_w')], [imp, exp], id);
    assert.equal(gridPower(s), imp - exp, id);
    const state = toStateObject(s);
    assert.equal(state.grid_power_w, imp - exp, id);
    assert.equal(Object.keys(state).at(-1), 'grid_power_w', 'derived, after the readings');
    assert.deepEqual(toGridPowerMessage('kaifareader', s), {
      topic: `kaifareader/${s.meterId}/grid_power`,
      payload: String(imp - exp),
      retain: false,
    });
    assert.equal(toApiSnapshot(s).grid_power_w, imp - exp);
  }
  // feeding in is negative; exact decimals; no value without both powers (in W)
  const both = (i: number, e: number) => [
    { obis: '1.0.1.7.0.255', key: 'power_import_w', name: 'P+', value: i, unit: 'W' },
    { obis: '1.0.2.7.0.255', key: 'power_export_w', name: 'P-', value: e, unit: 'W' },
  ];
  assert.equal(gridPower({ readings: both(0, 1520) }), -1520);
  assert.equal(gridPower({ readings: both(230.5, 0.1) }), 230.4);
  assert.equal(exactDifference(0.3, 0.1), 0.2);
  assert.equal(gridPower({ readings: both(53, 0).slice(0, 1) }), undefined);
  const unitless = both(53, 0).map((r) => ({ ...r, unit: undefined }));
  assert.equal(gridPower({ readings: unitless }), undefined);
  const s = vorarlbergSnapshot(T0);
  const importOnly = { ...s, readings: s.readings.filter((r) => r.key !== 'power_export_w') };
  assert.equal(toStateObject(importOnly).grid_power_w, undefined);
  assert.equal(toGridPowerMessage('kaifareader', importOnly), undefined);
  assert.equal(toApiSnapshot(importOnly).grid_power_w, null);
});

test('per-meter diagnostics payload: the diagnosis state flat, counters, errors summed, last telegram ISO', () => {
  const m = {
    ...meterStatus('house'),
    bytesReceived: 1200,
    framesOk: 8,
    errorsByCode: { 'plaintext.invalid': 6, 'mbus.checksum': 2 },
    diagnosis: { state: 'wrong-key' as const, hint: 'the key is probably wrong' },
  };
  assert.deepEqual(toMeterDiagnosticsObject(m, T0), {
    at: '2023-07-26T18:05:21.000Z',
    diagnosis: 'wrong-key',
    hint: 'the key is probably wrong',
    source_connected: true,
    bytes_received: 1200,
    frames_ok: 8,
    telegrams_ok: 0,
    telegram_errors: 8,
    last_telegram_at: null,
  });
  assert.equal(
    toMeterDiagnosticsObject({ ...m, lastTelegramAt: T0 }, T0 + 1000).last_telegram_at,
    '2023-07-26T18:05:21.000Z',
  );
});

test('expire_after from the cadence: twice the availability timeout in 30 s steps, stable against jitter', () => {
  assert.equal(expireAfterSeconds(30_000), 60); // 1 s and 5 s meters: availability after 30 s
  assert.equal(expireAfterSeconds(40_000), 90); // 10 s meter: 4 × 10 s
  assert.equal(expireAfterSeconds(300_000), 600); // only one telegram seen yet
  // the real cadence replaces the first guess; the median's jitter does not rewrite the config
  assert.equal(expireAfterSeconds(40_000, 600), 90);
  assert.equal(expireAfterSeconds(45_600, 90), 90);
  assert.equal(expireAfterSeconds(100_000, 90), 210);
});
