/**
 * Leaf value parsers for meter.json: each takes what the JSON holds and returns the normalised value or a message
 * saying what is expected. They accept the old Python tool's spellings as DATA (`"serial.PARITY_EVEN"`,
 * `"logging.INFO"`, `"serial.EIGHTBITS"`); nothing is ever evaluated. Messages for secrets never echo the value.
 */
import { isAbsolute, resolve } from 'node:path';
import { parseKey, toHex } from '../util/hex.js';
import { DecodeError } from '../errors.js';
import type { LogLevel, Parity } from './types.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string): Parsed<never> => ({ ok: false, message });

/** Describes what the user wrote, for "got …" (never used for secrets). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** Strips `serial.` / `logging.` and a constant's prefix (`PARITY_`, `STOPBITS_`), upper-cases. */
function constantName(v: string, prefixes: string[]): string {
  let s = v.trim().toUpperCase();
  for (const p of ['SERIAL.', 'LOGGING.', ...prefixes]) if (s.startsWith(p)) s = s.slice(p.length);
  return s;
}

const PARITY: Record<string, Parity> = {
  NONE: 'none',
  N: 'none',
  EVEN: 'even',
  E: 'even',
  ODD: 'odd',
  O: 'odd',
  MARK: 'mark',
  M: 'mark',
  SPACE: 'space',
  S: 'space',
};

export function parseParity(v: unknown): Parsed<Parity> {
  const p = typeof v === 'string' ? PARITY[constantName(v, ['PARITY_'])] : undefined;
  return p
    ? ok(p)
    : bad(
        `expected "none", "even", "odd", "mark" or "space" (or "serial.PARITY_EVEN"), got ${describeValue(v)}`,
      );
}

const STOPBITS: Record<string, 1 | 1.5 | 2> = {
  ONE: 1,
  '1': 1,
  ONE_POINT_FIVE: 1.5,
  '1.5': 1.5,
  TWO: 2,
  '2': 2,
};

export function parseStopBits(v: unknown): Parsed<1 | 1.5 | 2> {
  const s =
    STOPBITS[constantName(String(typeof v === 'number' || typeof v === 'string' ? v : ''), ['STOPBITS_'])];
  return s ? ok(s) : bad(`expected 1, 1.5 or 2 (or "serial.STOPBITS_ONE"), got ${describeValue(v)}`);
}

const BYTESIZE: Record<string, 5 | 6 | 7 | 8> = {
  FIVEBITS: 5,
  '5': 5,
  SIXBITS: 6,
  '6': 6,
  SEVENBITS: 7,
  '7': 7,
  EIGHTBITS: 8,
  '8': 8,
};

export function parseByteSize(v: unknown): Parsed<5 | 6 | 7 | 8> {
  const b = BYTESIZE[constantName(String(typeof v === 'number' || typeof v === 'string' ? v : ''), [])];
  return b ? ok(b) : bad(`expected 5, 6, 7 or 8 data bits (or "serial.EIGHTBITS"), got ${describeValue(v)}`);
}

const LEVEL_NAMES: Record<string, LogLevel> = {
  NOTSET: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'error',
  FATAL: 'error',
};

/** `"info"`, `"logging.INFO"`, `"WARNING"`, or Python's numbers (10 debug, 20 info, 30 warning, 40/50 error). */
export function parseLogLevel(v: unknown): Parsed<LogLevel> {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 50) {
    return ok(v <= 10 ? 'debug' : v <= 20 ? 'info' : v <= 30 ? 'warn' : 'error');
  }
  const l = typeof v === 'string' ? LEVEL_NAMES[constantName(v, [])] : undefined;
  return l
    ? ok(l)
    : bad(`expected "debug", "info", "warn" or "error" (or "logging.INFO"), got ${describeValue(v)}`);
}

export function parseString(v: unknown, example = ''): Parsed<string> {
  if (typeof v !== 'string' || v.trim() === '') {
    return bad(
      `expected a non-empty text${example ? ` such as ${JSON.stringify(example)}` : ''}, got ${describeValue(v)}`,
    );
  }
  return ok(v.trim());
}

/** A secret (password, token): never echoed. */
export function parseSecret(v: unknown): Parsed<string> {
  if (typeof v !== 'string' || v === '') return bad(`expected a non-empty text (the value is not shown)`);
  return ok(v);
}

/** Absolute path, or relative to `baseDir` (the config file's directory). */
export function parsePath(v: unknown, baseDir: string, example: string): Parsed<string> {
  const s = parseString(v, example);
  if (!s.ok) return bad(`expected a file path such as ${JSON.stringify(example)}, got ${describeValue(v)}`);
  return ok(isAbsolute(s.value) ? s.value : resolve(baseDir, s.value));
}

export function parseInteger(v: unknown, min: number, max: number): Parsed<number> {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return ok(v);
  const range = `a whole number from ${min} to ${max}`;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v))
    return bad(`expected ${range} without quotes, got ${describeValue(v)}`);
  return bad(`expected ${range}, got ${describeValue(v)}`);
}

export function parseBoolean(v: unknown): Parsed<boolean> {
  if (typeof v === 'boolean') return ok(v);
  return bad(`expected true or false (without quotes), got ${describeValue(v)}`);
}

export function parseEnum<T extends string>(v: unknown, values: readonly T[]): Parsed<T> {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  const hit = values.find((x) => x === s);
  return hit
    ? ok(hit)
    : bad(`expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describeValue(v)}`);
}

/** AES-128 key: case, spaces and `0x` normalised away, length checked; messages never contain the key. */
export function parseAesKey(v: unknown, what: string): Parsed<string> {
  if (typeof v !== 'string')
    return bad(`expected the ${what} as 32 hex digits in quotes (the value is not shown)`);
  try {
    return ok(toHex(parseKey(v, what)));
  } catch (e) {
    if (e instanceof DecodeError) return bad(`${e.message} (the value is not shown)`);
    throw e;
  }
}

const MQTT_PROTOCOLS = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:'];

/** Broker URL `mqtt://host:1883` / `mqtts://host:8883`; a bare host gets a hint. */
export function parseMqttUrl(v: unknown): Parsed<string> {
  const expected =
    'expected a broker URL such as "mqtt://192.168.0.10:1883" or "mqtts://broker.example:8883"';
  if (typeof v !== 'string' || v.trim() === '') return bad(`${expected}, got ${describeValue(v)}`);
  const s = v.trim();
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  if (!url || !MQTT_PROTOCOLS.includes(url.protocol) || url.hostname === '') {
    const hint = /^[\w.-]+(:\d+)?$/.test(s) ? ` (write "mqtt://${s.includes(':') ? s : s + ':1883'}")` : '';
    return bad(`${expected}${hint}, got ${describeValue(url?.password ? redactUrl(s) : s)}`);
  }
  return ok(s);
}

/** Host name or IP address (no scheme, no port). */
export function parseHost(v: unknown, example: string): Parsed<string> {
  const s = parseString(v, example);
  if (!s.ok) return s;
  if (!/^[A-Za-z0-9.\-:[\]%]+$/.test(s.value) || s.value.includes('://')) {
    return bad(
      `expected a host name or IP address such as ${JSON.stringify(example)}, got ${describeValue(v)}`,
    );
  }
  return ok(s.value);
}

/**
 * A list of host names as a browser sends them in `Host` (no scheme, no port): `["meter.home.arpa"]`.
 * A single string is taken as a list of one; names are lower-cased (host names are case-insensitive).
 */
export function parseHostList(v: unknown, example: string): Parsed<string[]> {
  const expected = `expected a list of host names such as ["${example}"]`;
  const items = typeof v === 'string' ? [v] : Array.isArray(v) ? (v as unknown[]) : undefined;
  if (!items) return bad(`${expected}, got ${describeValue(v)}`);
  const out: string[] = [];
  for (const [i, item] of items.entries()) {
    const s = typeof item === 'string' ? item.trim().toLowerCase() : '';
    if (!/^[a-z0-9._-]+$|^\[[0-9a-f:.]+\]$/.test(s)) {
      const port =
        typeof item === 'string' && /^[^:[\]]+:\d+$/.test(item.trim()) ? ' (without the port)' : '';
      return bad(`${expected}${port}, got ${describeValue(item)} at position ${i + 1}`);
    }
    out.push(s);
  }
  return ok(out);
}

/** `mqtt://user:secret@host` → `mqtt://user:<redacted>@host`. */
export function redactUrl(s: string): string {
  return s.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:<redacted>@');
}

/** Loopback host names and addresses (the HTTP server needs no auth there). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

const OBIS_CODE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** `{"1.1.31.7.0.255": -2}`: full OBIS codes to integer scalers from -9 to 9. */
export function parseObisScalers(v: unknown): Parsed<Record<string, number>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return {
      ok: false,
      message: `expected an object such as {"1.1.31.7.0.255": -2}, got ${describeValue(v)}`,
    };
  }
  const out: Record<string, number> = {};
  for (const [obis, s] of Object.entries(v)) {
    if (!OBIS_CODE.test(obis)) {
      return { ok: false, message: `"${obis}" is no OBIS code: write all six groups, e.g. "1.1.31.7.0.255"` };
    }
    if (!Number.isInteger(s) || (s as number) < -9 || (s as number) > 9) {
      return {
        ok: false,
        message: `the scaler of ${obis} must be an integer from -9 to 9, got ${describeValue(s)}`,
      };
    }
    out[obis] = s as number;
  }
  return { ok: true, value: out };
}
