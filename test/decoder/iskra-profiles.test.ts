/**
 * Iskraemeco P1 lists share element counts with the Kaifa Norway lists (9, 18) and with each other (two lists of
 * 9): the `ISK`/`KFM_` text and the leading types decide. Bodies shaped like test/fixtures/peer/iskraemeco-*.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AxdrValue } from '../../src/axdr/types.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interpretBody } from '../../src/profiles/detect.js';
import { PROFILES } from '../../src/profiles/meters.js';
import { runDecode } from '../../src/cli/decode-command.js';

const text = (s: string): AxdrValue => ({ type: 'octet-string', value: new TextEncoder().encode(s) });
const u32 = (v: number): AxdrValue => ({ type: 'uint32', value: v });
const u16 = (v: number): AxdrValue => ({ type: 'uint16', value: v });
const struct = (...items: AxdrValue[]): AxdrValue => ({ type: 'structure', items });
const value = (readings: { obis: string; value: unknown }[], obis: string) =>
  readings.find((r) => r.obis === obis)?.value;

test('a list of 9 with a second text and a uint16 at [6] is the AM550 1 s list: voltage in 0.1 V', () => {
  const body = struct(
    text('ISK1020784605887'),
    text('ISK84605887'),
    u32(373),
    u32(0),
    u32(0),
    u32(0),
    u16(2301),
    u32(0),
    u32(0),
  );
  const { profile, readings } = interpretBody(body);
  assert.equal(profile.id, 'iskra-am550-slovenia-1s');
  assert.equal(value(readings, '1.0.32.7.0.255'), 230.1);
  assert.equal(value(readings, '0.0.96.1.2.255'), 'ISK84605887');
});

test('a list of 9 with eight uint32 after the ISK name is the energy variant: P+ and A+ total', () => {
  const body = struct(
    text('ISK1030777478586'),
    ...[625, 0, 12789950, 5732902, 7057048, 250, 112, 138].map(u32),
  );
  const { profile, readings } = interpretBody(body);
  assert.equal(profile.id, 'iskra-am550-slovenia-1s-energy');
  assert.equal(value(readings, '1.0.1.7.0.255'), 625);
  assert.equal(value(readings, '1.0.1.8.0.255'), 12789950);
});

test('the same counts under a KFM_ list id stay Kaifa (Norway lists of 9 and 18)', () => {
  const nine = struct(
    text('KFM_001'),
    text('6970631400000000'),
    text('MA105H2E'),
    ...[1, 0, 0, 0, 5000].map(u32),
    u32(2300),
  );
  assert.equal(interpretBody(nine).profile.id, 'kaifa-ma105-norway');
  const iskra18 = struct(
    text('ISK1030789375606'),
    text('16820005'),
    ...Array.from({ length: 4 }, () => u32(1)),
    ...Array.from({ length: 6 }, () => u16(1)),
    ...Array.from({ length: 6 }, () => u32(1)),
  );
  assert.equal(interpretBody(iskra18).profile.id, 'iskra-am550-slovenia');
});

test('an ISK list of 12 that is not the energy layout is not read as one (no guessed positions)', () => {
  // amsreader's other 12-element list (voltages first, uint16 at [2]) has no capture here: layout.unknown.
  const body = struct(
    text('ISK1030789375606'),
    text('16820005'),
    ...Array.from({ length: 6 }, () => u16(2300)),
    ...Array.from({ length: 4 }, () => u32(1)),
  );
  assert.throws(() => interpretBody(body), /unknown telegram layout/);
});

test('each Iskra peer capture is claimed by the profile that lists it', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'peer');
  const iskra = PROFILES.filter((p) => p.id.startsWith('iskra-'));
  assert.equal(iskra.length, 6);
  for (const p of iskra) {
    assert.ok(p.vectors.length > 0, `${p.id} lists its capture`);
    for (const id of p.vectors) {
      const { frames_hex } = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as {
        frames_hex: string[];
      };
      const r = runDecode(frames_hex, { json: true });
      assert.equal(r.code, 0, `${id}: ${r.stdout}`);
      assert.equal((JSON.parse(r.stdout.split('\n')[0]!) as { profile: string }).profile, p.id, id);
    }
  }
});
