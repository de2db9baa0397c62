/**
 * `kaifareader decode --explain` (the A-XDR tree and which profile claimed which element, or why none did) and
 * `--scaler OBIS=POWER`, on captures from test/fixtures/peer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDecode } from '../../src/cli/decode-command.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'peer');
const frames = (id: string): string[] =>
  (JSON.parse(readFileSync(join(PEER, `${id}.json`), 'utf8')) as { frames_hex: string[] }).frames_hex;

test('--explain shows the tree with types and the claiming profile with each register', () => {
  const r = runDecode(frames('kamstrup-em001-2_amsreader'), { explain: true });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^ {4}\[13\] octet-string 1\.1\.31\.7\.0\.255 \(an OBIS code\?\)$/m);
  assert.match(r.stderr, /^ {4}\[14\] uint32 180$/m);
  assert.match(r.stderr, /^ {2}kaifa-ma304-norway: needs 13 or 18 elements, the body has 25$/m);
  assert.match(r.stderr, /^claimed by kamstrup-han .*list id text "Kamstrup…"/m);
  assert.match(r.stderr, /^ {2}1\.1\.31\.7\.0\.255 current_l1_a = 1\.8 A \(register 180\)$/m);
});

test('--explain names the Iskra list of 4 and the profile that claimed it', () => {
  // amsreader-firmware test/payloads/iskraemeco/gh869-4.hex (commit a88a0beb9c57): an Iskra list of 4 (meter
  // number, uint8, two uint32) without OBIS codes — layout.unknown until issue 10 gave it a profile.
  const frame =
    '7EA037CF0223139984E6E7000F000AEB090C07E80B160515000000FFC4000204090838343630353838371100060078EC38060000000012177E';
  const r = runDecode([frame], { explain: true, json: true });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^ {2}\[body\] structure of 4$/m);
  assert.match(r.stderr, /^ {2}siemens-im350: needs 10 or 12 elements, the body has 4$/m);
  assert.match(r.stderr, /^claimed by iskra-am550-slovenia-total/m);
});

test('--explain on an unknown layout says why no profile claimed it', () => {
  // The same APDU without its link layer and its last element: a structure of 3 no profile knows.
  const apdu = '0F000AEB090C07E80B160515000000FFC4000203090838343630353838371100060078EC38';
  const r = runDecode([apdu], { explain: true, json: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ {2}\[body\] structure of 3$/m);
  assert.match(r.stderr, /^ {2}iskra-am550-slovenia-total: needs 4 elements, the body has 3$/m);
  assert.match(r.stderr, /^claimed by none: unknown telegram layout/m);
  assert.match(r.stdout, /"code":"layout.unknown"/);
});

test('--scaler overrides the implied scaler of a register; the register as sent stays in raw', () => {
  const r = runDecode(frames('kamstrup-em001-2_amsreader'), { json: true, scaler: ['1.1.31.7.0.255=-1'] });
  assert.equal(r.code, 0);
  const line = JSON.parse(r.stdout) as { readings: Array<{ obis: string; value: number; raw?: number }> };
  const i1 = line.readings.find((x) => x.obis === '1.1.31.7.0.255')!;
  assert.deepEqual([i1.value, i1.raw], [18, 180]);
  assert.equal(line.readings.find((x) => x.obis === '1.1.51.7.0.255')!.value, 3.27);
});

test('--scaler that is not OBIS=POWER is a usage error that shows the form', () => {
  const r = runDecode(frames('kamstrup-em001-2_amsreader'), { scaler: ['1.1.31.7=-1'] });
  assert.equal(r.code, 64);
  assert.match(
    r.stderr,
    /--scaler "1\.1\.31\.7=-1" is not OBIS=POWER: write e\.g\. --scaler 1\.1\.31\.7\.0\.255=-2/,
  );
});

test('--explain names an octet-string of the wrong length (the date-time of the Wiener Netze list of 9)', () => {
  // Iskra's list of 9 starts with its 16-byte device name where Wiener Netze's has the 12-byte date-time.
  const r = runDecode(frames('iskraemeco-gh869-6_amsreader'), { explain: true });
  assert.match(
    r.stderr,
    /^ {2}wiener-netze-ir: element 0 must be an octet-string of 12 bytes, it has 16 bytes$/m,
  );
  assert.doesNotMatch(r.stderr, /element -1/);
});
