/** Loads the real-capture fixtures (test/fixtures/vectors, copied from shared/vectors with their provenance). */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Vector {
  id: string;
  source: string;
  operator: string;
  meter: string;
  framing: string;
  frames_hex: string[];
  key_hex: string | null;
  auth_key_hex: string | null;
  decodable: boolean;
  plain_apdu_hex?: string | null;
  position_map?: Array<{ position: number; obis: string; scaler?: number; unit?: string }> | null;
  expected?: Record<string, { value: number | string; unit?: string; raw?: number }>;
  meter_time?: { text: string; deviation_min: number | null; clock_status: string } | null;
  notes: string;
}

export const VECTOR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'vectors');

export function loadVectors(): Vector[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(VECTOR_DIR, f), 'utf8')) as Vector);
}

export function loadVector(id: string): Vector {
  const v = loadVectors().find((x) => x.id === id);
  if (!v) throw new Error(`no vector ${id}`);
  return v;
}

/** All frames of a vector as one byte stream. */
export function captureBytes(v: Vector): Uint8Array {
  return Uint8Array.from(Buffer.from(v.frames_hex.join(''), 'hex'));
}

/** Deterministic PRNG (mulberry32) so property tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes into chunks at random boundaries. */
export function chunk(bytes: Uint8Array, rnd: () => number, maxSize = 64): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(rnd() * maxSize);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/**
 * A `kaifareader capture` file of a vector's telegram recorded twice (one line per frame), cut like
 * `head -c N` in the middle of the second telegram's first line, after an odd number of hex digits.
 * `complete` is the text of the whole lines before the cut one; `cutLine` its 1-based line number.
 */
export function truncatedCapture(v: Vector): { text: string; complete: string; cutLine: number } {
  const header = '# kaifareader capture /dev/ttyUSB0 2400 8N1 started 2026-11-24T23:40:00.000Z\n';
  const line = (i: number, hex: string) => `2026-11-24T23:40:${String(i + 1).padStart(2, '0')}.000Z ${hex}\n`;
  const first = v.frames_hex.map((hex, i) => line(i, hex)).join('');
  const complete = header + first;
  const second = line(v.frames_hex.length, v.frames_hex[0]!);
  const digitsStart = second.indexOf(' ') + 1;
  const text = complete + second.slice(0, digitsStart + 41); // 41 digits: odd, mid-frame
  return { text, complete, cutLine: 2 + v.frames_hex.length };
}
