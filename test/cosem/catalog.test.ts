import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyForObis, lookupObis, nameForObis, OBIS_CATALOG, parseObis } from '../../src/cosem/index.js';
import { loadVectors } from '../helpers/vectors.js';

/** Unit → the key suffix it demands and the only HA device class allowed with it. */
const UNIT_RULES: Record<string, { suffix: string; deviceClass?: string; stateClass: string }> = {
  Wh: { suffix: '_wh', deviceClass: 'energy', stateClass: 'total_increasing' },
  varh: { suffix: '_varh', deviceClass: 'reactive_energy', stateClass: 'total_increasing' },
  VAh: { suffix: '_vah', stateClass: 'total_increasing' },
  W: { suffix: '_w', deviceClass: 'power', stateClass: 'measurement' },
  var: { suffix: '_var', deviceClass: 'reactive_power', stateClass: 'measurement' },
  VA: { suffix: '_va', deviceClass: 'apparent_power', stateClass: 'measurement' },
  V: { suffix: '_v', deviceClass: 'voltage', stateClass: 'measurement' },
  A: { suffix: '_a', deviceClass: 'current', stateClass: 'measurement' },
  Hz: { suffix: '_hz', deviceClass: 'frequency', stateClass: 'measurement' },
};

test('catalog keys and codes are unique', () => {
  const keys = OBIS_CATALOG.map((e) => e.key);
  assert.equal(new Set(keys).size, keys.length, keys.filter((k, i) => keys.indexOf(k) !== i).join());
  const codes = OBIS_CATALOG.map((e) => e.obis);
  assert.equal(new Set(codes).size, codes.length);
});

test('every key is snake_case and every code canonical with B = 0 and F = 255', () => {
  for (const e of OBIS_CATALOG) {
    assert.match(e.key, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, e.key);
    const t = parseObis(e.obis);
    assert.equal(t.join('.'), e.obis);
    assert.equal(t[1], 0, e.obis);
    assert.equal(t[5], 255, e.obis);
    assert.ok(e.name.length > 0);
  }
});

test('units, key suffixes and Home Assistant classes agree', () => {
  for (const e of OBIS_CATALOG) {
    if (e.unit === undefined) {
      for (const r of Object.values(UNIT_RULES))
        assert.ok(!e.key.endsWith(r.suffix), `${e.key} has a unit suffix but no unit`);
      assert.ok(!['energy', 'power', 'voltage', 'current', 'frequency'].includes(e.deviceClass ?? ''), e.key);
      continue;
    }
    const rule = UNIT_RULES[e.unit];
    assert.ok(rule, `unexpected unit ${e.unit} on ${e.key}`);
    assert.ok(e.key.endsWith(rule.suffix), `${e.key} should end in ${rule.suffix}`);
    assert.equal(e.deviceClass, rule.deviceClass, e.key);
    assert.equal(e.stateClass, rule.stateClass, e.key);
  }
  assert.equal(lookupObis('1.0.13.7.0.255')?.deviceClass, 'power_factor');
  assert.equal(lookupObis('0.0.1.0.0.255')?.deviceClass, 'timestamp');
  assert.equal(lookupObis('0.0.96.1.0.255')?.deviceClass, undefined);
});

/** [code, key]: the keys other parts of the system (MQTT, history, dashboard) rely on. */
const KEYS: readonly (readonly [string, string])[] = [
  ['1.0.1.8.0.255', 'energy_import_wh'],
  ['1.0.2.8.0.255', 'energy_export_wh'],
  ['1.0.1.8.1.255', 'energy_import_t1_wh'],
  ['1.0.1.8.2.255', 'energy_import_t2_wh'],
  ['1.0.2.8.1.255', 'energy_export_t1_wh'],
  ['1.0.3.8.0.255', 'reactive_energy_import_varh'],
  ['1.0.4.8.0.255', 'reactive_energy_export_varh'],
  ['1.0.1.7.0.255', 'power_import_w'],
  ['1.0.2.7.0.255', 'power_export_w'],
  ['1.0.3.7.0.255', 'reactive_power_import_var'],
  ['1.0.4.7.0.255', 'reactive_power_export_var'],
  ['1.0.21.7.0.255', 'power_import_l1_w'],
  ['1.0.41.7.0.255', 'power_import_l2_w'],
  ['1.0.61.7.0.255', 'power_import_l3_w'],
  ['1.0.22.7.0.255', 'power_export_l1_w'],
  ['1.0.62.7.0.255', 'power_export_l3_w'],
  ['1.0.21.8.0.255', 'energy_import_l1_wh'],
  ['1.0.42.8.0.255', 'energy_export_l2_wh'],
  ['1.0.32.7.0.255', 'voltage_l1_v'],
  ['1.0.52.7.0.255', 'voltage_l2_v'],
  ['1.0.72.7.0.255', 'voltage_l3_v'],
  ['1.0.31.7.0.255', 'current_l1_a'],
  ['1.0.51.7.0.255', 'current_l2_a'],
  ['1.0.71.7.0.255', 'current_l3_a'],
  ['1.0.91.7.0.255', 'current_neutral_a'],
  ['1.0.13.7.0.255', 'power_factor'],
  ['1.0.33.7.0.255', 'power_factor_l1'],
  ['1.0.73.7.0.255', 'power_factor_l3'],
  ['1.0.14.7.0.255', 'frequency_hz'],
  ['1.0.1.6.0.255', 'max_demand_import_w'],
  ['1.0.9.7.0.255', 'apparent_power_import_va'],
  ['1.0.16.7.0.255', 'power_active_import_minus_export_w'],
  ['0.0.96.1.0.255', 'meter_number'],
  ['0.0.96.1.7.255', 'meter_type'],
  ['0.0.42.0.0.255', 'device_name'],
  ['1.1.0.2.129.255', 'list_id'],
  ['0.0.1.0.0.255', 'meter_time'],
  ['1.0.0.2.0.255', 'firmware_version'],
];

for (const [obis, key] of KEYS) {
  test(`${obis} → ${key}`, () => {
    assert.equal(lookupObis(obis)?.key, key);
    assert.equal(keyForObis(obis), key);
  });
}

test('matching ignores B, accepts every text form and tuples, and only takes F = 255', () => {
  assert.equal(lookupObis('1.1.1.8.0.255')?.key, 'energy_import_wh');
  assert.equal(lookupObis('0.1.1.0.0.255')?.key, 'meter_time');
  assert.equal(lookupObis('1-0:1.8.0*255')?.key, 'energy_import_wh');
  assert.equal(lookupObis('1.8.0')?.key, 'energy_import_wh');
  assert.equal(lookupObis([1, 0, 32, 7, 0, 255])?.key, 'voltage_l1_v');
  assert.equal(lookupObis('1.0.1.8.0.101'), undefined);
  assert.equal(lookupObis('not obis'), undefined);
  assert.equal(lookupObis('1.0.1.8.0.999'), undefined);
});

test('unknown codes get a stable generated key and name', () => {
  assert.equal(keyForObis('1.0.99.7.0.255'), 'obis_1_0_99_7_0_255');
  assert.equal(nameForObis('1.0.99.7.0.255'), 'OBIS 1.0.99.7.0.255');
  assert.equal(keyForObis('1-0:99.7.0'), 'obis_1_0_99_7_0_255');
  assert.equal(nameForObis('1.0.1.8.0.255'), 'Active energy import (A+)');
});

test('every electrical quantity with a unit in the real vectors is in the catalog with that unit', () => {
  let checked = 0;
  for (const v of loadVectors()) {
    for (const [obis, exp] of Object.entries(v.expected ?? {})) {
      if (!exp.unit || !(exp.unit in UNIT_RULES)) continue;
      assert.equal(lookupObis(obis)?.unit, exp.unit, `${v.id} ${obis}`);
      checked++;
    }
  }
  assert.ok(checked > 50, String(checked));
});
