/**
 * The one quantity table (src/cosem/quantities.ts): its rows agree with themselves and with the history schema,
 * the one matching rule (any channel B, F = 255 only) holds, and the decoder states known quantities in their
 * key's unit (issue 11).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANTITIES, lookupQuantity, toKeyUnit, valueInKeyUnit } from '../../src/cosem/quantities.js';
import { READING_COLUMNS, ROLLUP_ONLY_FIELDS } from '../../src/store/history-schema.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import { loadVector } from '../helpers/vectors.js';
import { readDsmr } from '../../src/profiles/dsmr.js';

/** Key suffix each unit demands. */
const SUFFIX: Record<string, string> = {
  Wh: '_wh',
  varh: '_varh',
  VAh: '_vah',
  W: '_w',
  var: '_var',
  VA: '_va',
  V: '_v',
  A: '_a',
  Hz: '_hz',
};

/** Column unit → the key unit it is made from. */
const COLUMN_FROM: Record<string, string> = { Wh: 'Wh', varh: 'varh', W: 'W', dV: 'V', mA: 'A' };

test('keys are unique and end in their unit suffix', () => {
  const keys = QUANTITIES.map((q) => q.key);
  assert.equal(new Set(keys).size, keys.length, keys.filter((k, i) => keys.indexOf(k) !== i).join());
  for (const q of QUANTITIES) {
    if (q.unit === undefined) continue;
    assert.ok(SUFFIX[q.unit], `${q.key}: unexpected unit ${q.unit}`);
    assert.ok(q.key.endsWith(SUFFIX[q.unit]!), `${q.key} should end in ${SUFFIX[q.unit]}`);
    assert.equal(q.accepts[q.unit], 0, `${q.key} accepts its own unit unscaled`);
  }
});

test('metric names follow the Prometheus rules: _total only on counters, the base unit as last word', () => {
  const seen = new Map<string, string>();
  for (const q of QUANTITIES) {
    const m = q.metric;
    if (!m) continue;
    assert.match(m.name, /^kaifareader_[a-z][a-z0-9_]*$/, m.name);
    assert.equal(m.name.endsWith('_total'), m.type === 'counter', `${m.name}: _total iff counter`);
    assert.equal(m.type === 'counter', q.stateClass === 'total_increasing', `${m.name}: counters are totals`);
    const stem = m.name.replace(/_total$/, '');
    assert.ok(stem.endsWith(`_${m.base}`), `${m.name} ends in its base unit ${m.base}`);
    assert.doesNotMatch(m.name, /hours|_wh|_kwh/, m.name);
    const factor = { joules: 3600, var_seconds: 3600 }[m.base as string] ?? 1;
    assert.equal(m.factor, factor, `${m.name} factor`);
    // Families with the same name share type and help (one # HELP / # TYPE).
    const sig = `${m.type} ${m.help} ${Object.keys(m.labels ?? {}).join()}`;
    assert.equal(seen.get(m.name) ?? sig, sig, `${m.name}: one type, help and label set`);
    seen.set(m.name, sig);
  }
  assert.ok(seen.has('kaifareader_energy_import_joules_total'));
});

test('every history column of the schema is produced by exactly one row, in a unit made from the key unit', () => {
  const produced = QUANTITIES.flatMap((q) => (q.history ? [q.history.column] : []));
  assert.deepEqual([...produced].sort(), [...READING_COLUMNS, ...ROLLUP_ONLY_FIELDS].sort());
  assert.equal(new Set(produced).size, produced.length);
  for (const q of QUANTITIES) {
    if (!q.history) continue;
    assert.equal(COLUMN_FROM[q.history.unit], q.unit, `${q.history.column} from ${q.key}`);
    assert.ok(q.history.column.endsWith(`_${q.history.unit.toLowerCase()}`), q.history.column);
  }
});

test('Solarview lines and legacy topics: A+ and A- totals only', () => {
  assert.deepEqual(
    QUANTITIES.filter((q) => q.solarview).map((q) => [q.key, q.solarview, q.legacyTopic]),
    [
      ['energy_import_wh', '1.8.0', 'RealEnergyIn_S'],
      ['energy_export_wh', '2.8.0', 'RealEnergyOut_S'],
    ],
  );
});

test('one matching rule: any channel B, only F = 255 (billing periods are other objects)', () => {
  assert.equal(lookupQuantity('1.0.1.8.0.255')?.key, 'energy_import_wh');
  assert.equal(lookupQuantity('1.1.1.8.0.255')?.key, 'energy_import_wh');
  assert.equal(lookupQuantity('1.0.1.8.0.101'), undefined);
  assert.equal(lookupQuantity('1.0.1.8.0.0'), undefined);
  assert.equal(lookupQuantity('1-0:1.8.0.101'), undefined);
  assert.equal(lookupQuantity('0.0.1.8.0.255'), undefined, 'A = 0 is not electricity');
});

test('unit conversion to the key unit is decimal-exact; sinks take only the key unit', () => {
  const e = lookupQuantity('1.0.1.8.0.255')!;
  assert.equal(toKeyUnit(e, 6.695, 'kWh'), 6695);
  assert.equal(toKeyUnit(e, 0.001, 'kWh'), 1);
  assert.equal(toKeyUnit(e, 1.1, 'MWh'), 1_100_000);
  assert.equal(toKeyUnit(e, 5, 'varh'), undefined);
  const i = lookupQuantity('1.0.31.7.0.255')!;
  assert.equal(toKeyUnit(i, 2337, 'mA'), 2.337);
  assert.equal(valueInKeyUnit(e, { value: 5, unit: 'Wh' }), 5);
  assert.equal(valueInKeyUnit(e, { value: 5, unit: 'kWh' }), undefined);
  assert.equal(valueInKeyUnit(e, { value: 5 }), undefined);
  const pf = lookupQuantity('1.0.13.7.0.255')!;
  assert.equal(valueInKeyUnit(pf, { value: 0.9 }), 0.9);
  assert.equal(valueInKeyUnit(pf, { value: 0.9, unit: 'count' }), 0.9);
});

test('a DSMR meter stating kWh: the reading itself holds Wh under energy_import_wh', () => {
  const v = loadVector('luxembourg-smarty_nexxtlab_1'); // 1-0:1.8.0(000006.695*kWh)
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const d = new TelegramDecoder({ keys: { encryptionKey: hex(v.key_hex!) } });
  const ev = d.push(hex(v.frames_hex.join('')), 1).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  const r = ev.snapshot.readings.find((x) => x.obis === '1.0.1.8.0.255');
  assert.deepEqual([r?.key, r?.value, r?.unit], ['energy_import_wh', 6695, 'Wh']);
});

test('DSMR text: kW, kvarh become W, varh exactly; billing-period and unknown codes stay as sent', () => {
  const text =
    '/XYZ5\\2ABC\r\n\r\n1-0:1.7.0(01.193*kW)\r\n1-0:3.8.0(000012.301*kvarh)\r\n' +
    '1-0:1.8.0*101(000100.123*kWh)\r\n1-0:99.7.0(2.5*kW)\r\n1-0:32.7.0(233.7*V)\r\n!\r\n';
  const got = readDsmr(Buffer.from(text, 'latin1')).map((r) => [r.obis, r.key, r.value, r.unit]);
  assert.deepEqual(got, [
    ['1.0.1.7.0.255', 'power_import_w', 1193, 'W'],
    ['1.0.3.8.0.255', 'reactive_energy_import_varh', 12301, 'varh'],
    ['1.0.1.8.0.101', 'obis_1_0_1_8_0_101', 100.123, 'kWh'],
    ['1.0.99.7.0.255', 'obis_1_0_99_7_0_255', 2.5, 'kW'],
    ['1.0.32.7.0.255', 'voltage_l1_v', 233.7, 'V'],
  ]);
});
