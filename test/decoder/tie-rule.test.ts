/**
 * The tie rule of src/profiles/detect.ts: when two profiles could read a body, the more specific wins. Each tie
 * met on real layouts is pinned here with bodies shaped like those captures (test/fixtures/peer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AxdrValue } from '../../src/axdr/types.js';
import { interpretBody } from '../../src/profiles/detect.js';

const obis = (s: string): AxdrValue => ({
  type: 'octet-string',
  value: Uint8Array.from(s.split('.').map(Number)),
});
const text = (s: string): AxdrValue => ({ type: 'octet-string', value: new TextEncoder().encode(s) });
const u32 = (v: number): AxdrValue => ({ type: 'uint32', value: v });
const struct = (...items: AxdrValue[]): AxdrValue => ({ type: 'structure', items });

test('rule 3: a pair list named Kamstrup_V0001 is kamstrup-han (implied scalers), not the bare obis-pairs', () => {
  const body = struct(
    text('Kamstrup_V0001'),
    obis('1.1.31.7.0.255'),
    u32(180),
    obis('1.1.1.8.0.255'),
    u32(15),
  );
  const { profile, readings } = interpretBody(body);
  assert.equal(profile.id, 'kamstrup-han');
  assert.deepEqual(
    readings.map((r) => [r.value, r.unit, r.raw]),
    [
      [1.8, 'A', 180],
      [150, 'Wh', 15],
    ],
  );
});

test('rule 3: the same pairs without a list id or FLAG stay raw obis-pairs; the KAM FLAG id claims them', () => {
  const body = struct(obis('1.1.31.7.0.255'), u32(180), obis('1.1.1.8.0.255'), u32(15));
  assert.equal(interpretBody(body).profile.id, 'obis-pairs');
  assert.equal(interpretBody(body).readings[0]!.value, 180);
  assert.equal(interpretBody(body, { manufacturer: 'KAM' }).profile.id, 'kamstrup-han');
});

test('rule 3: the list id text is checked before the FLAG id (KFM_001 pairs under a KAM title are Kaifa)', () => {
  const body = struct(obis('1.0.0.2.129.255'), text('KFM_001'), obis('1.0.31.7.0.255'), u32(6781));
  const { profile, readings } = interpretBody(body, { manufacturer: 'KAM' });
  assert.equal(profile.id, 'kaifa-sweden');
  assert.equal(readings.find((r) => r.obis === '1.0.31.7.0.255')!.value, 6.781);
});

test('a configured scaler overrides the implied one (CT meter)', () => {
  const body = struct(
    text('Kamstrup_V0001'),
    obis('1.1.31.7.0.255'),
    u32(180),
    obis('1.1.1.8.0.255'),
    u32(15),
  );
  const r = interpretBody(body, { scalers: { '1.1.31.7.0.255': -1 } }).readings[0]!;
  assert.deepEqual([r.value, r.unit, r.raw], [18, 'A', 180]);
});

test('rule 2: KFM_001 lists by length: 9/14 MA105H2E one-phase, 13/18 MA304 three-phase, 1 bare value list 1', () => {
  const head = [text('KFM_001'), text('6970631408225928'), text('MA105H2E')];
  const nine = struct(...head, u32(1655), u32(0), u32(0), u32(12), u32(6952), u32(2424));
  const r9 = interpretBody(nine);
  assert.equal(r9.profile.id, 'kaifa-ma105-norway');
  assert.equal(r9.readings.find((r) => r.obis === '1.0.32.7.0.255')!.value, 242.4);
  const thirteen = struct(...head, ...Array.from({ length: 10 }, () => u32(1)));
  assert.equal(interpretBody(thirteen).profile.id, 'kaifa-ma304-norway');
  assert.equal(interpretBody(struct(u32(549))).profile.id, 'han-list-1');
});

test('rule 1: a position profile whose match fits beats the self-describing reading of a stray OBIS code', () => {
  // IM350: the push setup id 0.6.25.9.0.255 first, then texts and counters.
  const body = struct(
    obis('0.6.25.9.0.255'),
    text('1ISK0012345678'),
    text('x'),
    text('y'),
    ...Array.from({ length: 6 }, () => u32(1)),
  );
  assert.equal(interpretBody(body).profile.id, 'siemens-im350');
});
