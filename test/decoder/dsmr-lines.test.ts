/**
 * readDsmr reads its lines character by character (profiles/dsmr.ts) instead of with the line regex it used
 * before: this pins it to that regex on random and awkward lines — leading zeros, fields beyond a byte, a missing
 * or empty `*F`, nested `(`, empty groups, white space, \r\n, lines that are no OBIS lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDsmr, readLine, readLineByRegex } from '../../src/profiles/dsmr.js';
import { makeReading, obisInfo } from '../../src/profiles/reading.js';
import type { Reading } from '../../src/model/snapshot.js';
import { prng } from '../helpers/vectors.js';

const LINE = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\*(\d+))?((?:\([^)]*\))+)\s*$/;

/** The regex reading, as readDsmr did it before (same value and unit rules). */
function byRegex(text: string): Reading[] {
  const out: Reading[] = [];
  for (const line of text.slice(0, text.lastIndexOf('!')).split(/\r?\n/)) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const obis = `${m[1]}.${m[2]}.${m[3]}.${m[4]}.${m[5]}.${m[6] ?? '255'}`;
    const raw = m[7]!.slice(1, -1).split(')(').at(-1)!;
    const star = raw.indexOf('*');
    if (star >= 0 && /^-?\d+(\.\d+)?$/.test(raw.slice(0, star))) {
      out.push(makeReading(obisInfo(obis), Number(raw.slice(0, star)), raw.slice(star + 1)));
    } else out.push(makeReading(obisInfo(obis), raw));
  }
  return out;
}

test('DSMR lines read character by character give exactly what the line regex gave', () => {
  const rnd = prng(1921);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const field = () => pick(['0', '1', '2', '96', '255', '256', '300', '01', '007', '1234', '', 'x']);
  const value = () =>
    pick([
      '000006.695*kWh',
      '00.000*kW',
      '-1.5*A',
      '1.*V',
      '.5*V',
      '12*',
      '*kWh',
      '00069',
      '',
      '180130102122W',
      'a(b',
      '1-0*x*y',
      ' 42 ',
    ]);
  const space = () => pick(['', '', ' ', '\t', '\r', '\u00a0']);
  let compared = 0;
  for (let k = 0; k < 400; k++) {
    const lines = ['/Lux5\\253663629_D', ''];
    for (let n = 0; n < 12; n++) {
      const f = pick(['', `*${field()}`, '*', '*255']);
      const groups = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => `(${value()})`).join('');
      const sep = pick(['-', '-', '-', ':', '.']);
      const tail = pick(['', '', '', ' ', 'x', '(', ')']);
      lines.push(
        `${space()}${field()}${sep}${field()}:${field()}.${field()}.${field()}${f}${groups}${tail}${space()}`,
      );
    }
    const text = lines.join(pick(['\r\n', '\n'])) + '\r\n!';
    // The two line readers (character loop with the JIT, regex under --jitless) agree line by line.
    for (let from = 0, nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) {
      assert.deepEqual(
        readLine(text, from, nl),
        readLineByRegex(text, from, nl),
        JSON.stringify(text.slice(from, nl)),
      );
    }
    const expected = byRegex(text);
    const bytes = Uint8Array.from(Buffer.from(text, 'latin1'));
    if (expected.length === 0) {
      assert.throws(() => readDsmr(bytes), { code: 'dsmr.invalid' });
      continue;
    }
    assert.deepEqual(readDsmr(bytes), expected, JSON.stringify(text));
    compared += expected.length;
  }
  assert.ok(compared > 300, `only ${compared} OBIS lines compared`);
});
