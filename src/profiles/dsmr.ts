/**
 * DSMR / P1 ASCII telegrams (NEN-EN-IEC 62056-21 lines, as the Luxembourg Smarty sends inside the encryption):
 *
 *   /Lux5\253663629_D            identification line
 *   1-0:1.8.0(000006.695*kWh)    OBIS(value*unit)
 *   0-0:96.13.0()                empty text
 *   !CFDE                        end, CRC-16/ARC (poly 0xA001 reflected, init 0) over '/' … '!' inclusive
 *
 * Values with a unit become numbers in that unit (as the meter states it: kWh, kW, A); values without a unit stay
 * text exactly as sent ("00069", "180130102122W").
 */
import { DecodeError } from '../errors.js';
import type { Reading } from '../model/snapshot.js';
import { makeReading, obisInfo, obisInfoFromBytes, type ObisInfo } from './reading.js';
import { crc16arc } from '../framing/crc16.js';

const LINE = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\*(\d+))?((?:\([^)]*\))+)\s*$/;

const NUMBER = /^-?\d+(\.\d+)?$/;

/** The fields of a line's OBIS code as bytes, reused (obisInfoFromBytes caches by the six numbers). */
const code = new Uint8Array(6);

/** A field as written is the byte's own decimal text: 0…255 without leading zeros. */
function byteOf(field: string): number {
  if (field.length > 3 || (field.length > 1 && field.charCodeAt(0) === 0x30)) return -1;
  const n = Number(field);
  return n <= 255 ? n : -1;
}

/**
 * The info of a line's OBIS code `A-B:C.D.E[*F]` (F = 255 when absent), looked up by its six numbers: no dotted
 * text is built per line. A field that is no plain byte (`01`, `300`) takes the text path, keeping its text.
 */
function lineObis(m: RegExpExecArray): ObisInfo {
  for (let i = 0; i < 6; i++) {
    const n = i === 5 && m[6] === undefined ? 255 : byteOf(m[i + 1]!);
    if (n < 0) return obisInfo(`${m[1]}.${m[2]}.${m[3]}.${m[4]}.${m[5]}.${m[6] ?? '255'}`);
    code[i] = n;
  }
  return obisInfoFromBytes(code);
}

/**
 * DSMR time stamp `YYMMDDhhmmssX` (X = W winter / S summer time, Central European) → ISO 8601 with offset,
 * e.g. `180130102122W` → `2018-01-30T10:21:22+01:00`; undefined for anything else.
 */
export function dsmrTimeToIso(text: string): string | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)([WS])$/.exec(text);
  if (!m) return undefined;
  return `20${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] === 'S' ? '+02:00' : '+01:00'}`;
}

export function isDsmr(plaintext: Uint8Array): boolean {
  return plaintext[0] === 0x2f; // '/'
}

/** Parses a DSMR telegram; checks its CRC when present. Throws `dsmr.crc` / `dsmr.invalid`. */
export function readDsmr(plaintext: Uint8Array): Reading[] {
  // A latin1 view of the plaintext's bytes (no copy first).
  const text = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.length).toString('latin1');
  const bang = text.lastIndexOf('!');
  if (bang < 0)
    throw new DecodeError('dsmr.invalid', 'DSMR telegram without the closing "!"', 'dsmr', plaintext.length);
  const crcText = text.slice(bang + 1, bang + 5);
  if (/^[0-9A-Fa-f]{4}$/.test(crcText) && crc16arc(plaintext, 0, bang + 1) !== parseInt(crcText, 16)) {
    throw new DecodeError('dsmr.crc', 'DSMR telegram CRC mismatch (damaged or wrong key)', 'dsmr', bang + 1);
  }
  const readings: Reading[] = [];
  // Line by line up to the '!' (split at \n; trim() also drops the \r of \r\n), without an array of lines.
  for (let start = 0; start < bang;) {
    let nl = text.indexOf('\n', start);
    if (nl < 0 || nl > bang) nl = bang;
    const m = LINE.exec(text.slice(start, nl).trim());
    start = nl + 1;
    if (!m) continue;
    // The last parenthesised group holds the value (gas lines carry a time stamp first): after the last ")(".
    const groups = m[7]!;
    const cut = groups.lastIndexOf(')(');
    const raw = groups.slice(cut < 0 ? 1 : cut + 2, -1);
    const star = raw.indexOf('*');
    if (star >= 0 && NUMBER.test(raw.slice(0, star))) {
      readings.push(makeReading(lineObis(m), Number(raw.slice(0, star)), raw.slice(star + 1)));
    } else {
      readings.push(makeReading(lineObis(m), raw));
    }
  }
  if (readings.length === 0)
    throw new DecodeError('dsmr.invalid', 'DSMR telegram without any OBIS line', 'dsmr', 0);
  return readings;
}
