/**
 * Plain DSMR/P1 text telegrams on the line (issue 10 §2): real telegrams from amsreader-firmware's test payloads
 * (test/fixtures/peer: Landis+Gyr E360 and NES 83335 from Denmark, CRCs as sent), read with the same parser,
 * readings and keys as DSMR inside DLMS (src/profiles/dsmr.ts), CRC-16/ARC checked, any chunking alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDsmr } from '../../src/profiles/dsmr.js';
import { crc16arc } from '../../src/framing/crc16.js';
import { runDecode } from '../../src/cli/decode-command.js';
import { prng } from '../helpers/vectors.js';
import { decodeChunks, summary, telegrams } from './support.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'peer');
const load = (id: string): Uint8Array =>
  Uint8Array.from(
    Buffer.from(
      (
        JSON.parse(readFileSync(join(PEER, `${id}.json`), 'utf8')) as { frames_hex: string[] }
      ).frames_hex.join(''),
      'hex',
    ),
  );
const TELEGRAMS = {
  'landis-gyr-gh497-1_amsreader': load('landis-gyr-gh497-1_amsreader'),
  'nes-gh712-1_amsreader': load('nes-gh712-1_amsreader'),
};

test('CRC-16/ARC check value', () => {
  assert.equal(crc16arc(Buffer.from('123456789')), 0xbb3d);
});

for (const [id, bytes] of Object.entries(TELEGRAMS)) {
  test(`${id}: a DSMR text link frame, the readings of the DSMR parser, profile dsmr-p1-text`, () => {
    const events = decodeChunks([bytes]);
    const t = telegrams(events);
    assert.equal(t.length, 1, JSON.stringify(events));
    assert.equal(t[0]!.snapshot.framing, 'dsmr');
    assert.equal(t[0]!.snapshot.profile, 'dsmr-p1-text');
    assert.deepEqual(t[0]!.snapshot.readings, readDsmr(bytes));
    assert.ok(
      t[0]!.snapshot.readings.some((r) => r.key === 'energy_import_wh' || r.obis === '1.0.1.8.0.255'),
    );
  });

  test(`${id}: split writes — every split point, 1-byte and random chunks give the same readings`, () => {
    const reference = summary(decodeChunks([bytes]));
    for (let at = 1; at < bytes.length; at++) {
      assert.deepEqual(
        summary(decodeChunks([bytes.subarray(0, at), bytes.subarray(at)])),
        reference,
        `split ${at}`,
      );
    }
    assert.deepEqual(summary(decodeChunks(Array.from(bytes, (b) => Uint8Array.of(b)))), reference, '1-byte');
    const rnd = prng(bytes.length);
    const two = Buffer.concat([Buffer.from('\r\n noise \r\n'), bytes, bytes]);
    for (let n = 0; n < 10; n++) {
      const parts: Uint8Array[] = [];
      for (let at = 0; at < two.length;) {
        const len = 1 + Math.floor(rnd() * 200);
        parts.push(two.subarray(at, at + len));
        at += len;
      }
      assert.deepEqual(summary(decodeChunks(parts)), [...reference, ...reference], `random ${n}`);
    }
  });

  test(`${id}: one changed digit → dsmr.crc and no readings`, () => {
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf('1.8.0(') + 8; // a digit of the import register
    const damaged = Uint8Array.from(bytes);
    damaged[at] = damaged[at] === 0x31 ? 0x32 : 0x31;
    const events = decodeChunks([damaged]);
    assert.equal(telegrams(events).length, 0);
    assert.ok(events.some((e) => e.type === 'skipped' && e.code === 'dsmr.crc'));
    const r = runDecode([Buffer.from(damaged).toString('hex')], { json: true });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /"code":"dsmr.crc"/);
  });

  test(`${id}: without its CRC (DSMR 2.2/3 form, '!' CR LF) the telegram is read the same`, () => {
    const text = Buffer.from(bytes).toString('latin1');
    const noCrc = Buffer.from(text.replace(/![0-9A-F]{4}\r\n$/, '!\r\n'), 'latin1');
    assert.notEqual(noCrc.length, bytes.length);
    const t = telegrams(decodeChunks([noCrc]));
    assert.equal(t.length, 1);
    assert.deepEqual(t[0]!.snapshot.readings, readDsmr(bytes));
  });
}
