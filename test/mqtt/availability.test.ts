/** Per-meter availability (pure, injected clock), meter topic ids and many-meter discovery payloads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AvailabilityTracker, median } from '../../src/sinks/mqtt/availability.js';
import { toDeviceDiscovery } from '../../src/sinks/mqtt/discovery.js';
import { meterTopicId } from '../../src/sinks/mqtt/topics.js';
import { EVN, VORARLBERG, meterSnapshot, numberlessSnapshot } from './fixtures/meters.js';

const T0 = Date.parse('2023-07-26T18:05:21Z');

test('timeout: max(30 s, 4 × median gap of the last 8), 5 min before the second telegram', () => {
  const a = new AvailabilityTracker();
  assert.deepEqual(a.telegram('m', 'default', T0), { id: 'm', payload: 'online' });
  assert.equal(a.timeoutMs('m'), 300_000);
  a.telegram('m', 'default', T0 + 1000); // a 1 s meter: the 30 s floor
  assert.equal(a.timeoutMs('m'), 30_000);
  const slow = new AvailabilityTracker();
  // a 10 s meter with one late telegram (25 s) and one burst (1 s): the median stays 10 s
  let t = T0;
  for (const gap of [0, 10_000, 10_000, 25_000, 1000, 10_000]) slow.telegram('s', 'garage', (t += gap));
  assert.equal(slow.timeoutMs('s'), 40_000);
  // only the last 8 gaps count: after 8 gaps of 60 s the old 10 s ones are gone
  for (let i = 0; i < 8; i++) slow.telegram('s', 'garage', (t += 60_000));
  assert.equal(slow.timeoutMs('s'), 240_000);
  assert.deepEqual([median([3, 1, 2]), median([4, 1, 3, 2])], [2, 2.5]);
});

test('offline after the derived silence, online again with the next telegram; the outage is no gap', () => {
  const a = new AvailabilityTracker();
  let t = T0;
  for (let i = 0; i < 5; i++) {
    a.telegram('fast', 'a', T0 + i * 1000);
    a.telegram('slow', 'b', T0 + i * 10_000);
  }
  t = T0 + 40_000; // fast: last at +4 s, timeout 30 s → silent for 36 s; slow: last at +40 s
  assert.deepEqual(a.expire(t), [{ id: 'fast', payload: 'offline' }]);
  assert.deepEqual(a.expire(t + 1), [], 'reported once');
  assert.equal(a.state('fast'), 'offline');
  assert.equal(a.state('slow'), 'online');
  assert.deepEqual(a.expire(T0 + 40_000 + 40_000), []);
  assert.deepEqual(a.expire(T0 + 40_000 + 40_001), [{ id: 'slow', payload: 'offline' }]);
  assert.deepEqual(a.telegram('fast', 'a', T0 + 600_000), { id: 'fast', payload: 'online' });
  assert.equal(a.timeoutMs('fast'), 30_000, 'the 10 min outage did not become a gap');
  assert.equal(a.telegram('fast', 'a', T0 + 601_000), undefined);
  assert.deepEqual(a.current(), [
    { id: 'fast', payload: 'online' },
    { id: 'slow', payload: 'offline' },
  ]);
});

test('exactly at the timeout a meter is still online; a clock step back is no gap', () => {
  const a = new AvailabilityTracker({ minTimeoutMs: 100, factor: 4, firstTimeoutMs: 500 });
  a.telegram('m', 'm', 1000);
  assert.deepEqual(a.expire(1500), []);
  assert.deepEqual(a.expire(1501), [{ id: 'm', payload: 'offline' }]);
  const b = new AvailabilityTracker({ minTimeoutMs: 100, factor: 4, firstTimeoutMs: 500 });
  b.telegram('m', 'm', 1000);
  b.telegram('m', 'm', 900);
  assert.equal(b.timeoutMs('m'), 500);
  assert.deepEqual(b.expire(1500), [], 'measured from the newest telegram');
});

test('forget by configured id or topic id; stop marks every known meter offline', () => {
  const a = new AvailabilityTracker();
  a.telegram('1KFM0200175269', 'house', T0);
  a.telegram('181220000009', 'garage', T0);
  a.telegram('garden', 'garden', T0);
  assert.deepEqual(a.forget('garage'), [{ id: '181220000009', payload: 'offline' }]);
  assert.deepEqual(a.forget('garden'), [{ id: 'garden', payload: 'offline' }]);
  assert.deepEqual(a.forget('nothing'), []);
  assert.equal(a.state('181220000009'), undefined);
  a.expire(T0 + 3_600_000);
  a.telegram('181220000009', 'garage', T0 + 3_600_000);
  assert.deepEqual(a.stopAll(), [
    { id: '1KFM0200175269', payload: 'offline' },
    { id: '181220000009', payload: 'offline' },
  ]);
  assert.deepEqual(a.expire(T0 + 7_200_000), [], 'nothing is online any more');
});

test('topic id: the meter number; without one the configured id; a one-meter config keeps `unknown`', () => {
  const garage = numberlessSnapshot('garage', T0);
  assert.equal(garage.meterId, 'unknown', 'what the decoder says for a telegram without meter number');
  assert.equal(meterTopicId(garage), 'garage');
  assert.equal(meterTopicId(numberlessSnapshot('shed', T0)), 'shed');
  // a one-meter config published under `unknown` before meters had ids: its HA entities keep their ids
  assert.equal(meterTopicId(numberlessSnapshot('default', T0)), 'unknown');
  assert.equal(meterTopicId(meterSnapshot(VORARLBERG, 'house', T0)), '1KFM0200175269');
  assert.equal(meterTopicId(meterSnapshot(EVN, 'default', T0)), '181220000009');
});

test('discovery for two meters: own device, ids, state topic and both availability topics each', () => {
  const opts = { baseTopic: 'kaifareader', prefix: 'homeassistant' };
  const house = meterSnapshot(VORARLBERG, 'house', T0);
  const garage = meterSnapshot(EVN, 'garage', T0);
  const config = (s: typeof house, deviceName?: string) => {
    const m = toDeviceDiscovery(s, { ...opts, ...(deviceName ? { deviceName } : {}) });
    const p = JSON.parse(m.payload);
    return [m.topic, p.dev, p.cmps.energy_import_wh];
  };
  const energy = (id: string) => ({
    p: 'sensor',
    name: 'Active energy import (A+)',
    unique_id: `kaifareader_${id}_energy_import_wh`,
    state_topic: `kaifareader/${id}/state`,
    value_template: '{{ value_json.energy_import_wh }}',
    availability: [{ topic: 'kaifareader/status' }, { topic: `kaifareader/${id}/availability` }],
    availability_mode: 'all',
    payload_available: 'online',
    payload_not_available: 'offline',
    device_class: 'energy',
    state_class: 'total_increasing',
    unit_of_measurement: 'Wh',
  });
  assert.deepEqual(config(house, 'House'), [
    'homeassistant/device/kaifareader_1KFM0200175269/config',
    {
      identifiers: ['kaifareader_1KFM0200175269'],
      name: 'House',
      serial_number: '1KFM0200175269',
      manufacturer: 'Kaifa',
      model: 'MA309',
    },
    energy('1KFM0200175269'),
  ]);
  assert.deepEqual(config(garage), [
    'homeassistant/device/kaifareader_181220000009/config',
    {
      identifiers: ['kaifareader_181220000009'],
      name: 'Kaifa MA309 181220000009',
      serial_number: '181220000009',
      manufacturer: 'Kaifa',
      model: 'MA309',
    },
    energy('181220000009'),
  ]);
});
