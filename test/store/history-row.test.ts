import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHistoryRow } from '../../src/store/history-row.js';
import { snapshot } from './helpers.js';

test('readings map by OBIS to integer base units, the B field (channel) is ignored', () => {
  const r = toHistoryRow(
    snapshot(1_700_000_000_123, [
      ['1.0.1.8.0.255', 12345678, 'Wh'],
      ['1.1.2.8.0.255', 2500, 'Wh'],
      ['1.0.3.8.0.255', 100, 'varh'],
      ['1.0.4.8.0.255', 7000, 'varh'],
      ['1.0.1.7.0.255', 1200, 'W'],
      ['1.0.2.7.0.255', 0, 'W'],
      ['1.0.32.7.0.255', 231.4, 'V'],
      ['1.0.52.7.0.255', 229.9, 'V'],
      ['1.0.72.7.0.255', 230, 'V'],
      ['1.0.31.7.0.255', 1.23, 'A'],
      ['1.0.51.7.0.255', 0.01, 'A'],
      ['1.0.71.7.0.255', 15.5, 'A'],
      ['1.0.21.7.0.255', 400, 'W'],
      ['0.0.96.1.0.255', 5, undefined],
    ]),
  );
  assert.deepEqual(r, {
    ts: 1_700_000_000_123,
    meter: 'default',
    meterId: 'M1',
    energy_import_wh: 12345678,
    energy_export_wh: 2500,
    reactive_import_varh: 100,
    reactive_export_varh: 7000,
    power_import_w: 1200,
    power_export_w: 0,
    voltage_l1_dv: 2314,
    voltage_l2_dv: 2299,
    voltage_l3_dv: 2300,
    current_l1_ma: 1230,
    current_l2_ma: 10,
    current_l3_ma: 15500,
    power_l1_w: 400,
    power_l2_w: null,
    power_l3_w: null,
  });
});

test('values in an unknown unit or as text stay null', () => {
  const s = snapshot(1, [['1.0.1.7.0.255', 5, 'VA']]);
  s.readings.push({ obis: '1.0.1.8.0.255', key: 'x', name: 'x', value: 'oops' });
  const r = toHistoryRow(s);
  assert.equal(r.power_import_w, null);
  assert.equal(r.energy_import_wh, null);
});

test('a kWh reading is not converted here (the decoder states Wh): it stays null rather than guessed', () => {
  const r = toHistoryRow(
    snapshot(1, [
      ['1.0.1.8.0.255', 2.5, 'kWh'],
      ['1.0.1.7.0.255', 1.2, 'kW'],
    ]),
  );
  assert.equal(r.energy_import_wh, null);
  assert.equal(r.power_import_w, null);
});

test('a billing-period object (F = 101) is never the current counter', () => {
  const r = toHistoryRow(
    snapshot(1, [
      ['1.0.1.8.0.101', 1000, 'Wh'],
      ['1.0.2.8.0.255', 5, 'Wh'],
    ]),
  );
  assert.equal(r.energy_import_wh, null);
  assert.equal(r.energy_export_wh, 5);
});

test('a DSMR meter stating kWh: the decoded snapshot gives energy_import_wh in Wh', async () => {
  const { TelegramDecoder } = await import('../../src/pipeline/telegram-decoder.js');
  const { loadVector } = await import('../helpers/vectors.js');
  const v = loadVector('luxembourg-smarty_nexxtlab_1'); // 1-0:1.8.0(000006.695*kWh)
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const d = new TelegramDecoder({ keys: { encryptionKey: hex(v.key_hex!) } });
  const ev = d.push(hex(v.frames_hex.join('')), 1).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  assert.equal(toHistoryRow(ev.snapshot).energy_import_wh, 6695);
});
