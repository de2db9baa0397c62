/**
 * A meter's config as one comparable string, to tell on reload whether a meter changed. Keys are compared by
 * their bytes, which `Key.toJSON()` hides (it prints `<redacted>`), so they are hashed here: the fingerprint
 * stays in memory and never holds a key in the clear.
 */
import { createHash } from 'node:crypto';
import { Key } from '../util/key.js';

export function meterFingerprint(meter: object): string {
  return JSON.stringify(meter, function (this: unknown, _k: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[_k];
    if (raw instanceof Key) return `key:${createHash('sha256').update(raw.bytes).digest('hex')}`;
    if (raw instanceof Uint8Array) return `bytes:${Buffer.from(raw).toString('hex')}`;
    return v;
  });
}
