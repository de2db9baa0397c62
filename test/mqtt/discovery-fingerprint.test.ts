/**
 * The MQTT sink skips rebuilding discovery while discoveryFingerprint stays the same: it must change with every
 * input of the discovery configs and stay with what changes every telegram (values, times, invocation counter).
 * Checked against toDeviceDiscovery itself: equal fingerprints ⇒ equal configs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoveryFingerprint } from '../../src/sinks/mqtt/discovery-fingerprint.js';
import { toDeviceDiscovery } from '../../src/sinks/mqtt/discovery.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { vorarlbergSnapshot } from './fixtures/vorarlberg.js';

const RECEIVED = Date.parse('2023-07-26T18:05:21Z');
const OPTS = { baseTopic: 'kaifareader', prefix: 'homeassistant' };
const configs = (s: MeterSnapshot, name?: string) =>
  JSON.stringify(toDeviceDiscovery(s, { ...OPTS, ...(name ? { deviceName: name } : {}) }));

test('the same sensors with new values, times and invocation counter: same fingerprint, same configs', () => {
  const a = vorarlbergSnapshot(RECEIVED);
  const b = vorarlbergSnapshot(RECEIVED + 5000);
  b.readings = b.readings.map((r) => (typeof r.value === 'number' ? { ...r, value: r.value + 1 } : r));
  b.security = { ...b.security, invocationCounter: (b.security.invocationCounter ?? 0) + 1 };
  assert.equal(discoveryFingerprint(a, 'Haus'), discoveryFingerprint(b, 'Haus'));
  assert.equal(configs(a, 'Haus'), configs(b, 'Haus'));
});

test('a new reading, another unit, a text value, model or device name: another fingerprint', () => {
  const a = vorarlbergSnapshot(RECEIVED);
  const base = discoveryFingerprint(a, undefined);
  const n = a.readings.findIndex((r) => typeof r.value === 'number' && r.unit === 'W');
  const variants: Array<[string, MeterSnapshot, string | undefined]> = [
    [
      'reading added',
      { ...a, readings: [...a.readings, { obis: '1.0.99.1.0.255', key: 'x', name: 'X', value: 1 }] },
      undefined,
    ],
    ['unit', { ...a, readings: a.readings.map((r, i) => (i === n ? { ...r, unit: 'kW' } : r)) }, undefined],
    [
      'text value',
      { ...a, readings: a.readings.map((r, i) => (i === n ? { ...r, value: 'n/a' } : r)) },
      undefined,
    ],
    ['model', { ...a, model: 'MA110' }, undefined],
    ['device name', a, 'Wohnung'],
  ];
  for (const [what, s, name] of variants) {
    assert.notEqual(discoveryFingerprint(s, name), base, what);
    assert.notEqual(configs(s, name), configs(a), `${what}: the configs differ too`);
  }
});
