/**
 * Per-meter availability (pure: every call gets the time). Each meter has a retained
 * `<base>/<meter id>/availability` of `online` / `offline`, next to the daemon's `<base>/status`; Home
 * Assistant needs both `online` (`availability_mode: all`), so a silent meter's entities go unavailable while
 * the other meters stay live.
 *
 * - `online` on a meter's first telegram, and on its first telegram after it was offline.
 * - `offline` when no telegram came for `timeoutMs(meter)`, when the meter is forgotten (removed from the
 *   config) and when the sink stops.
 *
 * The silence timeout is derived from the meter's own cadence: max(30 s, 4 × the median gap of its last 8
 * telegrams). Meters push every 1 s (DSMR 5), 5 s (Austrian DLMS), 10 s (DSMR 4) or slower; a fixed timeout
 * would be either too slow for a fast meter or flap for a slow one. The median ignores one late or one burst telegram; 4 gaps tolerate a few missed frames
 * (checksum errors on a noisy line) without flapping; the 30 s floor keeps a fast meter from flapping when
 * the daemon is briefly busy. Before the second telegram no gap is known: 5 minutes then, long enough for
 * any usual cadence, so a freshly started meter does not flap between its first and second telegram.
 */

export interface AvailabilityOptions {
  /** Lower bound of the timeout, default 30 000 ms. */
  minTimeoutMs: number;
  /** Timeout = factor × median gap (when above the lower bound), default 4. */
  factor: number;
  /** Timeout while only one telegram was seen, default 300 000 ms. */
  firstTimeoutMs: number;
  /** Gaps kept per meter for the median, default 8. */
  window: number;
}

export const DEFAULT_AVAILABILITY: AvailabilityOptions = {
  minTimeoutMs: 30_000,
  factor: 4,
  firstTimeoutMs: 300_000,
  window: 8,
};

export type Availability = 'online' | 'offline';

/** One change to publish: `id` is the meter's topic id. */
export interface AvailabilityChange {
  id: string;
  payload: Availability;
}

interface MeterEntry {
  /** Configured meter id (`MeterSnapshot.meter`), for `forget`. */
  meter: string;
  lastAt: number;
  gaps: number[];
  state: Availability;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export class AvailabilityTracker {
  private readonly meters = new Map<string, MeterEntry>();
  private readonly opts: AvailabilityOptions;

  constructor(opts: Partial<AvailabilityOptions> = {}) {
    this.opts = { ...DEFAULT_AVAILABILITY, ...opts };
  }

  /** A telegram of meter `id` (topic id) at `now`: `online` when it was not online before. */
  telegram(id: string, meter: string, now: number): AvailabilityChange | undefined {
    const entry = this.meters.get(id);
    if (!entry) {
      this.meters.set(id, { meter, lastAt: now, gaps: [], state: 'online' });
      return { id, payload: 'online' };
    }
    const gap = now - entry.lastAt;
    // a gap across an offline period is the outage, not the cadence; a clock step back is no gap at all
    if (gap > 0 && entry.state === 'online') {
      entry.gaps.push(gap);
      if (entry.gaps.length > this.opts.window) entry.gaps.shift();
    }
    entry.lastAt = Math.max(entry.lastAt, now);
    entry.meter = meter;
    if (entry.state === 'online') return undefined;
    entry.state = 'online';
    return { id, payload: 'online' };
  }

  /** The silence after which meter `id` goes offline (ms). */
  timeoutMs(id: string): number {
    const gaps = this.meters.get(id)?.gaps ?? [];
    if (gaps.length === 0) return Math.max(this.opts.minTimeoutMs, this.opts.firstTimeoutMs);
    return Math.max(this.opts.minTimeoutMs, this.opts.factor * median(gaps));
  }

  /** Meters silent for longer than their timeout at `now`: now `offline`. */
  expire(now: number): AvailabilityChange[] {
    const out: AvailabilityChange[] = [];
    for (const [id, entry] of this.meters) {
      if (entry.state === 'online' && now - entry.lastAt > this.timeoutMs(id)) {
        entry.state = 'offline';
        out.push({ id, payload: 'offline' });
      }
    }
    return out;
  }

  /**
   * Forgets a meter removed from the config, by configured id (`meters[].id`) or topic id: `offline` for each
   * entry it had (its retained availability must not stay `online`), and it is not republished again.
   */
  forget(meterOrId: string): AvailabilityChange[] {
    const out: AvailabilityChange[] = [];
    for (const [id, entry] of this.meters) {
      if (id !== meterOrId && entry.meter !== meterOrId) continue;
      this.meters.delete(id);
      out.push({ id, payload: 'offline' });
    }
    return out;
  }

  /** Every known meter's current state: republished (retained) after each connect. */
  current(): AvailabilityChange[] {
    return [...this.meters].map(([id, e]) => ({ id, payload: e.state }));
  }

  /** The state of meter `id`, undefined when unknown (never seen since start, or forgotten). */
  state(id: string): Availability | undefined {
    return this.meters.get(id)?.state;
  }

  /** Marks every meter offline (sink stop): `offline` for all of them, once more for those already offline. */
  stopAll(): AvailabilityChange[] {
    for (const entry of this.meters.values()) entry.state = 'offline';
    return this.current();
  }
}

/**
 * Home Assistant's `expire_after` (s) when the config leaves it to the cadence: twice the meter's availability
 * timeout, rounded up to 30 s. The per-meter availability stays the first guard (it fires first, and brings
 * the entities back with the next telegram); `expire_after` catches what it cannot, e.g. a daemon that hangs
 * with its connection still open. Every change rewrites the retained device config, so a new value replaces the
 * published one only when it differs by more than a factor of 2 (the first telegram's 5-minute guess against
 * the real cadence), never for the jitter of the median.
 */
export function expireAfterSeconds(timeoutMs: number, published?: number): number {
  const next = Math.max(30, Math.ceil((2 * timeoutMs) / 30_000) * 30);
  if (published !== undefined && next <= 2 * published && 2 * next >= published) return published;
  return next;
}
