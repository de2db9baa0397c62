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
import { makeReading, obisInfo } from './reading.js';
import { crc16arc } from '../framing/crc16.js';

const LINE = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\*(\d+))?((?:\([^)]*\))+)\s*$/;

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
  const text = Buffer.from(plaintext).toString('latin1');
  const bang = text.lastIndexOf('!');
  if (bang < 0)
    throw new DecodeError('dsmr.invalid', 'DSMR telegram without the closing "!"', 'dsmr', plaintext.length);
  const crcText = text.slice(bang + 1, bang + 5);
  if (/^[0-9A-Fa-f]{4}$/.test(crcText) && crc16arc(plaintext, 0, bang + 1) !== parseInt(crcText, 16)) {
    throw new DecodeError('dsmr.crc', 'DSMR telegram CRC mismatch (damaged or wrong key)', 'dsmr', bang + 1);
  }
  const readings: Reading[] = [];
  for (const line of text.slice(0, bang).split(/\r?\n/)) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const obis = `${m[1]}.${m[2]}.${m[3]}.${m[4]}.${m[5]}.${m[6] ?? '255'}`;
    // The last parenthesised group holds the value (gas lines carry a time stamp first).
    const groups = m[7]!.slice(1, -1).split(')(');
    const raw = groups.at(-1)!;
    const star = raw.indexOf('*');
    if (star >= 0 && /^-?\d+(\.\d+)?$/.test(raw.slice(0, star))) {
      readings.push(makeReading(obisInfo(obis), Number(raw.slice(0, star)), raw.slice(star + 1)));
    } else {
      readings.push(makeReading(obisInfo(obis), raw));
    }
  }
  if (readings.length === 0)
    throw new DecodeError('dsmr.invalid', 'DSMR telegram without any OBIS line', 'dsmr', 0);
  return readings;
}
