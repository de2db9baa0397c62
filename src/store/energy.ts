/**
 * Energy per local period from counter differences (pure). Input: the counter spans of consecutive rollup buckets
 * (first/last counter and time, meter, and the sum of differences inside the bucket), sorted by time, including
 * the last bucket before the first period and the first bucket after the last one.
 *
 * Rules:
 * - Inside a bucket the differences were already summed on insert (`*_inner`) and go to the bucket's period. UTC hour
 *   buckets align with the local midnights of whole-hour zones; in zones such as Asia/Kolkata (+05:30) the hour
 *   around midnight straddles two days: its raw rows, while retention keeps them, are split at the edge into exact
 *   spans (spansFromRows); without them the bucket's inner energy is spread over its readings' time span.
 * - The difference between one bucket's last reading and the next bucket's first is split over the periods in
 *   proportion to the time the gap spends in each: a gap from 22:00 to 02:00 gives half to each day. With a
 *   5 s cadence that is exact to the Wh; after an outage it is the best estimate the counters allow.
 * - A pair from different meters, a counter that went down or jumped implausibly (see counterDelta) starts a new
 *   segment: that gap contributes nothing, never a negative or huge value.
 * - Results are rounded so that the integer per-period values add up to the rounded total (cumulative rounding).
 */
import { counterDelta } from './rollup.js';

export interface CounterSpan {
  tsFirst: number;
  tsLast: number;
  meterFirst: number;
  meterLast: number;
  importFirst: number;
  importLast: number;
  importInner: number | null;
  exportFirst: number | null;
  exportLast: number | null;
  exportInner: number | null;
}

export interface PeriodEnergy {
  importWh: number[];
  exportWh: number[];
  /** A period is covered when a reading falls into it or a valid counter difference spans it. */
  covered: boolean[];
}

/** Index of the period containing t, -1 outside [edges[0], edges[n]). */
function periodIndex(edges: number[], t: number): number {
  if (t < edges[0]! || t >= edges[edges.length - 1]!) return -1;
  let lo = 0;
  let hi = edges.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Adds `amount` spread evenly over [t0, t1] to the periods it overlaps (all to t1's period when t0 = t1). Starts at
 * t0's period and stops past t1, so a gap costs the periods it spans, not all of them.
 */
function spread(
  edges: number[],
  t0: number,
  t1: number,
  amount: number,
  out: number[],
  covered: boolean[],
): void {
  if (t1 <= t0) {
    const i = periodIndex(edges, t1);
    if (i >= 0) [out[i], covered[i]] = [out[i]! + amount, true];
    return;
  }
  const n = edges.length - 1;
  const first = t0 < edges[0]! ? 0 : periodIndex(edges, t0);
  if (first < 0) return; // t0 at or after the last edge
  for (let i = first; i < n && edges[i]! < t1; i++) {
    const overlap = Math.min(t1, edges[i + 1]!) - Math.max(t0, edges[i]!);
    if (overlap <= 0) continue;
    out[i] = out[i]! + (amount * overlap) / (t1 - t0);
    covered[i] = true;
  }
}

function roundCumulative(values: number[]): number[] {
  let sum = 0;
  let prevRounded = 0;
  return values.map((v) => {
    sum += v;
    const r = Math.round(sum);
    const d = r - prevRounded;
    prevRounded = r;
    return d;
  });
}

/** Energy per period, fed span by span (ascending) so that a long range can be attributed in pieces. */
export class EnergyAttribution {
  private readonly imp: number[];
  private readonly exp: number[];
  private readonly covered: boolean[];
  private readonly noCover: boolean[];
  private prev: CounterSpan | undefined;

  /** `edges` are the n+1 period edges (unix ms). */
  constructor(private readonly edges: number[]) {
    const n = edges.length - 1;
    this.imp = new Array<number>(n).fill(0);
    this.exp = new Array<number>(n).fill(0);
    this.covered = new Array<boolean>(n).fill(false);
    this.noCover = new Array<boolean>(n).fill(false);
  }

  add(s: CounterSpan): void {
    const { edges, imp, exp, covered, noCover, prev } = this;
    const i = periodIndex(edges, s.tsFirst);
    if (i === periodIndex(edges, s.tsLast)) {
      if (i >= 0) {
        imp[i] = imp[i]! + (s.importInner ?? 0);
        exp[i] = exp[i]! + (s.exportInner ?? 0);
        covered[i] = true;
      }
    } else {
      spread(edges, s.tsFirst, s.tsLast, s.importInner ?? 0, imp, covered);
      spread(edges, s.tsFirst, s.tsLast, s.exportInner ?? 0, exp, noCover);
    }
    if (prev) {
      const same = prev.meterLast === s.meterFirst;
      const dt = s.tsFirst - prev.tsLast;
      const dI = counterDelta(prev.importLast, s.importFirst, same, dt);
      const dE = counterDelta(prev.exportLast, s.exportFirst, same, dt);
      if (dI !== null) spread(edges, prev.tsLast, s.tsFirst, dI, imp, covered);
      if (dE !== null) spread(edges, prev.tsLast, s.tsFirst, dE, exp, dI === null ? covered : noCover);
    }
    this.prev = s;
  }

  result(): PeriodEnergy {
    return {
      importWh: roundCumulative(this.imp),
      exportWh: roundCumulative(this.exp),
      covered: this.covered,
    };
  }
}

/** Energy per period; `edges` are the n+1 period edges (unix ms). */
export function attributeEnergy(edges: number[], spans: CounterSpan[]): PeriodEnergy {
  const a = new EnergyAttribution(edges);
  for (const s of spans) a.add(s);
  return a.result();
}

/** One raw reading that carries the counters. */
export interface CounterRow {
  ts: number;
  meter: number;
  importWh: number;
  exportWh: number | null;
}

/** Splits consecutive raw rows (ascending) into one span per run of rows inside the same period. */
export function spansFromRows(edges: number[], rows: CounterRow[]): CounterSpan[] {
  const out: CounterSpan[] = [];
  let cur: CounterSpan | undefined;
  let curPeriod = NaN;
  for (const r of rows) {
    const p = periodIndex(edges, r.ts);
    if (cur && p === curPeriod) {
      const same = cur.meterLast === r.meter;
      const dt = r.ts - cur.tsLast;
      const dI = counterDelta(cur.importLast, r.importWh, same, dt);
      const dE = counterDelta(cur.exportLast, r.exportWh, same, dt);
      if (dI !== null) cur.importInner = (cur.importInner ?? 0) + dI;
      if (dE !== null) cur.exportInner = (cur.exportInner ?? 0) + dE;
      [cur.tsLast, cur.meterLast, cur.importLast, cur.exportLast] = [r.ts, r.meter, r.importWh, r.exportWh];
      continue;
    }
    cur = {
      tsFirst: r.ts,
      tsLast: r.ts,
      meterFirst: r.meter,
      meterLast: r.meter,
      importFirst: r.importWh,
      importLast: r.importWh,
      importInner: null,
      exportFirst: r.exportWh,
      exportLast: r.exportWh,
      exportInner: null,
    };
    curPeriod = p;
    out.push(cur);
  }
  return out;
}
