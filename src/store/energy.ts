/**
 * Energy per local period from counter differences (pure). Input: the counter spans of consecutive rollup buckets
 * (first/last counter and time, meter, and the sum of differences inside the bucket), sorted by time, including
 * the last bucket before the first period and the first bucket after the last one.
 *
 * Rules:
 * - Inside a bucket the differences were already summed on insert (`*_inner`); a bucket never straddles a period
 *   edge (UTC minute/hour buckets align with local midnights of whole-minute/whole-hour zones).
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

/** Adds `amount` spread evenly over [t0, t1] to the periods it overlaps (all to t1's period when t0 = t1). */
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
  for (let i = 0; i < edges.length - 1; i++) {
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

/** Energy per period; `edges` are the n+1 period edges (unix ms). */
export function attributeEnergy(edges: number[], spans: CounterSpan[]): PeriodEnergy {
  const n = edges.length - 1;
  const imp = new Array<number>(n).fill(0);
  const exp = new Array<number>(n).fill(0);
  const covered = new Array<boolean>(n).fill(false);
  const noCover = new Array<boolean>(n).fill(false);
  let prev: CounterSpan | undefined;
  for (const s of spans) {
    const i = periodIndex(edges, s.tsFirst);
    if (i >= 0) {
      imp[i] = imp[i]! + (s.importInner ?? 0);
      exp[i] = exp[i]! + (s.exportInner ?? 0);
      covered[i] = true;
    }
    if (prev) {
      const same = prev.meterLast === s.meterFirst;
      const dt = s.tsFirst - prev.tsLast;
      const dI = counterDelta(prev.importLast, s.importFirst, same, dt);
      const dE = counterDelta(prev.exportLast, s.exportFirst, same, dt);
      if (dI !== null) spread(edges, prev.tsLast, s.tsFirst, dI, imp, covered);
      if (dE !== null) spread(edges, prev.tsLast, s.tsFirst, dE, exp, dI === null ? covered : noCover);
    }
    prev = s;
  }
  return { importWh: roundCumulative(imp), exportWh: roundCumulative(exp), covered };
}
