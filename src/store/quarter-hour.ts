/**
 * Quarter-hour energy from counter readings (pure: no I/O, no clock). Austrian energy communities (EEG) are billed
 * on 15-minute values; this is the one code path that closes them, used by the history store (which keeps them
 * for ever, history-quarter-hour.ts) and by the MQTT sink (which publishes each closed interval).
 *
 * Rules:
 * - Intervals start at :00, :15, :30 and :45 local time. Every UTC offset in use (including +05:30, +05:45 and
 *   +12:45) is a whole multiple of 15 minutes, so the local quarter hours are the UTC quarter hours: an interval is
 *   [k·900 s, (k+1)·900 s) in unix time, and the time zone matters only for labels (isoWithOffset).
 * - Times are the meter's clock when the telegram carries one (meterClockMs), the receive time otherwise.
 * - The counter value at a boundary is the one of the LAST reading at or before it. An interval's energy is the
 *   sum of the valid differences between consecutive readings from its start boundary's reading to its end
 *   boundary's reading: without a counter reset that is exactly end − start, so the intervals of a day add up to
 *   the day's counter difference to the Wh. A pair that counterDelta rejects (meter replaced, counter went down,
 *   implausible jump) contributes nothing, as in the daily energy, and makes the interval `partial`.
 * - Status: `complete` when both boundary readings lie within `toleranceMs` of their boundaries (and no reset);
 *   `partial` otherwise (gaps, meters that send counters only hourly such as the Nordic list 3, the first interval
 *   of a meter); `missing` when no reading falls into (start, end] — such intervals are never emitted (energy 0 by
 *   construction), readers fill them in. The interval still in progress is `open`.
 * - An interval is closed when the first reading after its end boundary arrives (only then is the boundary's
 *   reading known to be the last one at or before it).
 */
import { counterDelta } from './rollup.js';

export const QUARTER_MS = 900_000;

/**
 * Default tolerance between a boundary and its reading for `complete`: 30 s covers every push period in use
 * (1 s DSMR 5, 2.5 s Aidon, 5 s Kaifa/EVN, 10 s Nordic list 2) with room for a lost telegram or two, while an
 * hourly counter list (Nordic list 3) stays `partial`.
 */
export const DEFAULT_QUARTER_TOLERANCE_MS = 30_000;

/** One counter reading on the clock the intervals are cut on. */
export interface ClockReading {
  /** Unix ms, meter clock (or receive time). */
  t: number;
  /** Counter segment: the meter number (a replaced meter starts a new segment). */
  segment: number | string;
  importWh: number;
  exportWh: number | null;
}

/** A boundary reading: the last reading at or before a boundary. */
export interface BoundaryReading {
  t: number;
  importWh: number;
  exportWh: number | null;
}

export type QuarterStatus = 'complete' | 'partial' | 'missing' | 'open';

export interface QuarterHour {
  /** Interval start, unix ms (the end is start + QUARTER_MS). */
  start: number;
  importWh: number;
  /** null when the meter sends no export counter. */
  exportWh: number | null;
  status: QuarterStatus;
  /** Counter differences left out (reset, meter replaced, implausible jump). */
  resets: number;
  /** The start boundary's reading; undefined for a meter's very first interval. */
  first: BoundaryReading | undefined;
  /** The end boundary's reading (for an open interval: the newest reading so far). */
  last: BoundaryReading;
  /** The counter segment of the end reading. */
  segment: number | string;
}

/** What a closer carries between readings (restorable: the store keeps it as the `open` row). */
export interface QuarterState {
  last: ClockReading | undefined;
  /** The interval in progress; undefined until its first reading. */
  open:
    | {
        start: number;
        first: BoundaryReading | undefined;
        importWh: number;
        exportWh: number;
        resets: number;
      }
    | undefined;
}

const boundary = (r: ClockReading): BoundaryReading => ({
  t: r.t,
  importWh: r.importWh,
  exportWh: r.exportWh,
});

/** The start of the interval whose end boundary is the first at or after t: a reading at 10:15:00 ends 10:00–10:15. */
export function intervalOf(t: number): number {
  return Math.ceil(t / QUARTER_MS) * QUARTER_MS - QUARTER_MS;
}

/** Closes quarter hours from one meter's readings, in clock order. */
export class QuarterHourCloser {
  constructor(
    public state: QuarterState = { last: undefined, open: undefined },
    private readonly toleranceMs = DEFAULT_QUARTER_TOLERANCE_MS,
  ) {}

  /**
   * Adds a reading; returns the intervals it closed (complete or partial, ascending; missing ones are skipped). A
   * reading not after the previous one on this clock (a meter clock set back) is ignored.
   */
  push(r: ClockReading): QuarterHour[] {
    const { last } = this.state;
    if (last !== undefined && r.t <= last.t) return [];
    const closed: QuarterHour[] = [];
    if (last !== undefined) {
      // every boundary b with last.t <= b < r.t now has its final reading: `last`
      for (let b = intervalOf(last.t) + QUARTER_MS; b < r.t; b += QUARTER_MS) {
        const open = this.state.open;
        if (open !== undefined && open.start === b - QUARTER_MS) closed.push(this.close(open, last, b));
        this.state.open = undefined;
        // no reading falls into the gap's intervals: skip to the one r falls into (its start reading is `last`)
        if (b + QUARTER_MS < r.t) b = Math.max(b, intervalOf(r.t) - QUARTER_MS);
      }
    }
    const start = intervalOf(r.t);
    let open = this.state.open;
    if (open === undefined || open.start !== start) {
      open = { start, first: last && boundary(last), importWh: 0, exportWh: 0, resets: 0 };
      this.state.open = open;
    }
    if (last !== undefined) {
      const same = last.segment === r.segment;
      const dt = r.t - last.t;
      const dI = counterDelta(last.importWh, r.importWh, same, dt);
      const dE = counterDelta(last.exportWh, r.exportWh, same, dt);
      if (dI === null) open.resets++;
      else open.importWh += dI;
      if (dE !== null) open.exportWh += dE;
      else if (dI !== null && last.exportWh !== null && r.exportWh !== null) open.resets++;
    }
    this.state.last = r;
    return closed;
  }

  /** The interval in progress (status `open`), undefined before the first reading. */
  current(): QuarterHour | undefined {
    const { open, last } = this.state;
    if (open === undefined || last === undefined) return undefined;
    return { ...this.summary(open, last), status: 'open' };
  }

  private close(open: NonNullable<QuarterState['open']>, last: ClockReading, end: number): QuarterHour {
    const q = this.summary(open, last);
    const fresh = (b: BoundaryReading | undefined, at: number) =>
      b !== undefined && at - b.t <= this.toleranceMs;
    q.status = q.resets === 0 && fresh(q.first, open.start) && fresh(q.last, end) ? 'complete' : 'partial';
    return q;
  }

  private summary(open: NonNullable<QuarterState['open']>, last: ClockReading): QuarterHour {
    return {
      start: open.start,
      importWh: open.importWh,
      exportWh: last.exportWh === null && open.exportWh === 0 ? null : open.exportWh,
      status: 'partial',
      resets: open.resets,
      first: open.first,
      last: boundary(last),
      segment: last.segment,
    };
  }
}

/**
 * Meter clocks further than this from the receive time are not trusted: a clock lost after a power cut, a replayed
 * capture, or an offset-less clock read in the wrong zone or never switched to summer time (whole hours off). A
 * synchronised meter is seconds off; one interval of slack keeps every plausible drift on the meter's clock.
 */
export const MAX_CLOCK_SKEW_MS = QUARTER_MS;

const ISO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * The instant the meter's clock says (`snapshot.meterTime`), or `receivedAt` when there is none or it is more
 * than MAX_CLOCK_SKEW_MS away. A time without offset is local time in `timeZone`; in the repeated autumn hour the
 * candidate nearest the receive time is taken.
 */
export function meterClockMs(
  meterTime: string | undefined,
  receivedAt: number,
  offsetAt: (ms: number) => number,
): number {
  const m = meterTime === undefined ? null : ISO_OFFSET.exec(meterTime);
  if (!m) return receivedAt;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  let t: number;
  if (m[7] !== undefined) {
    const off =
      m[7] === 'Z' ? 0 : (m[7][0] === '-' ? -1 : 1) * (+m[7].slice(1, 3) * 60 + +m[7].slice(4, 6)) * 60_000;
    t = wall - off;
  } else {
    // the two offsets around the wall time (they differ only near a DST change)
    const candidates = [
      wall - offsetAt(wall - 86_400_000 / 2),
      wall - offsetAt(wall + 86_400_000 / 2),
    ].filter((c) => offsetAt(c) === wall - c);
    if (candidates.length === 0) return receivedAt; // the skipped spring hour: not a real local time
    t = candidates.reduce((a, c) => (Math.abs(c - receivedAt) < Math.abs(a - receivedAt) ? c : a));
  }
  return Number.isFinite(t) && Math.abs(t - receivedAt) <= MAX_CLOCK_SKEW_MS ? t : receivedAt;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-10-25T02:15:00+01:00`: local time with its UTC offset (offsetMs from local-time.ts zoneOffsetMs). */
export function isoWithOffset(ms: number, offsetMs: number): string {
  const d = new Date(ms + offsetMs);
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs) / 60_000;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
