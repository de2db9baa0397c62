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

/** A value before `*` that is a number: `-?\d+(\.\d+)?`, checked on the characters (no regex per line). */
function isNumber(t: string, from: number, to: number): boolean {
  let i = from;
  if (i < to && t.charCodeAt(i) === 0x2d) i++;
  const digits = i;
  while (i < to && isDigit(t.charCodeAt(i))) i++;
  if (i === digits) return false;
  if (i === to) return true;
  if (t.charCodeAt(i) !== 0x2e) return false;
  const frac = ++i;
  while (i < to && isDigit(t.charCodeAt(i))) i++;
  return i > frac && i === to;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The characters String#trim and the regex `\s` treat as white space, as far as latin1 text can hold them. */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/** The fields of a line's OBIS code as bytes, reused (obisInfoFromBytes caches by the six numbers). */
const code = new Uint8Array(6);

/**
 * One line `A-B:C.D.E[*F](…)(…)` of `text` between `from` and `to`, read like the regex
 * `^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\*(\d+))?((?:\([^)]*\))+)\s*$` on the trimmed line, character by character
 * (the regex and its match strings were most of a DSMR telegram's decode time): the OBIS info and the last group's
 * content, or undefined when the line is no OBIS line.
 */
export function readLine(text: string, from: number, to: number): [ObisInfo, string] | undefined {
  let i = from;
  let end = to;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  while (end > i && isSpace(text.charCodeAt(end - 1))) end--;
  // Six fields: digits, each followed by its separator ('-', ':', '.', '.', then '*' or the first '(').
  const starts: number[] = [];
  const ends: number[] = [];
  const SEPARATORS = [0x2d, 0x3a, 0x2e, 0x2e];
  for (let f = 0; f < 6; f++) {
    if (f === 5) {
      if (text.charCodeAt(i) !== 0x2a) break; // no *F
      i++;
    }
    const s0 = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i === s0) return undefined;
    starts.push(s0);
    ends.push(i);
    if (f < 4) {
      if (text.charCodeAt(i) !== SEPARATORS[f]) return undefined;
      i++;
    }
  }
  // One or more groups `(` … `)` with no `)` inside, then nothing (the line is trimmed).
  if (text.charCodeAt(i) !== 0x28) return undefined;
  let open = i;
  while (i < end && text.charCodeAt(i) === 0x28) {
    open = i;
    const close = text.indexOf(')', i + 1);
    if (close < 0 || close >= end) return undefined;
    i = close + 1;
  }
  if (i !== end) return undefined;
  return [lineObis(text, starts, ends), text.slice(open + 1, i - 1)];
}

const LINE = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\*(\d+))?((?:\([^)]*\))+)\s*$/;

/**
 * The same line by the regex: where JavaScript runs interpreted (--jitless, the systemd unit's flag) the regex
 * engine's native matching beats a character loop (Luxembourg telegram: 121 µs by regex, 150–174 µs by loop),
 * with the JIT the loop wins (17–19 µs against 37).
 */
export function readLineByRegex(text: string, from: number, to: number): [ObisInfo, string] | undefined {
  const m = LINE.exec(text.slice(from, to).trim());
  if (!m) return undefined;
  const groups = m[7]!;
  const cut = groups.lastIndexOf(')(');
  const value = groups.slice(cut < 0 ? 1 : cut + 2, -1);
  // Interpreted, one dotted text and a Map lookup are cheaper than reading the six numbers.
  return [obisInfo(`${m[1]}.${m[2]}.${m[3]}.${m[4]}.${m[5]}.${m[6] ?? '255'}`), value];
}

/** Whether JavaScript runs interpreted: `node --jitless` also removes WebAssembly, nothing else in node does. */
const INTERPRETED = (globalThis as { WebAssembly?: unknown }).WebAssembly === undefined;

/** A field as written is the byte's own decimal text: 0…255 without leading zeros; else -1. */
function byteOf(text: string, from: number, to: number): number {
  const len = to - from;
  if (len > 3 || (len > 1 && text.charCodeAt(from) === 0x30)) return -1;
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 0x30;
  return n <= 255 ? n : -1;
}

/**
 * The info of a line's OBIS code (F = 255 when absent), looked up by its six numbers: no dotted text is built per
 * line. A field that is no plain byte (`01`, `300`) takes the text path, keeping its text as written.
 */
function lineObis(text: string, starts: number[], ends: number[]): ObisInfo {
  for (let f = 0; f < 6; f++) {
    const n = f === starts.length ? 255 : byteOf(text, starts[f]!, ends[f]!);
    if (n < 0) {
      const fields = starts.map((s0, k) => text.slice(s0, ends[k]));
      if (fields.length === 5) fields.push('255');
      return obisInfo(fields.join('.'));
    }
    code[f] = n;
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
    const line = INTERPRETED ? readLineByRegex(text, start, nl) : readLine(text, start, nl);
    start = nl + 1;
    if (!line) continue;
    // The last parenthesised group holds the value (gas lines carry a time stamp first).
    const [info, raw] = line;
    const star = raw.indexOf('*');
    if (star >= 0 && isNumber(raw, 0, star)) {
      readings.push(makeReading(info, Number(raw.slice(0, star)), raw.slice(star + 1)));
    } else {
      readings.push(makeReading(info, raw));
    }
  }
  if (readings.length === 0)
    throw new DecodeError('dsmr.invalid', 'DSMR telegram without any OBIS line', 'dsmr', 0);
  return readings;
}
