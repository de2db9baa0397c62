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
