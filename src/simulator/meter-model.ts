/**
 * A believable household with PV for the simulated meter: a daily load curve (night base load, morning and
 * evening peaks), a PV bell curve between 6 and 20 h with passing clouds, 3-phase voltages around 230 V, and
 * energy counters that integrate the power and only ever grow. Pure and deterministic for a seed; time is
 * passed in.
 */

export interface MeterValues {
  /** W */
  powerImport: number;
  powerExport: number;
  /** Wh, whole numbers, never decreasing */
  energyImport: number;
  energyExport: number;
  /** varh */
  reactiveImport: number;
  reactiveExport: number;
  /** V with one decimal, per phase */
  voltage: [number, number, number];
  /** A with two decimals, per phase */
  current: [number, number, number];
}

function noise(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const bump = (h: number, center: number, width: number) => Math.exp(-(((h - center) / width) ** 2));

/** Household consumption in W at local hour `h` (0–24). */
export function loadCurve(h: number): number {
  return 250 + 1200 * bump(h, 7.5, 1) + 600 * bump(h, 12.5, 1.2) + 2200 * bump(h, 19, 1.6);
}

/** PV production in W at local hour `h` for a 5 kWp system on a clear day. */
export function pvCurve(h: number): number {
  return h <= 6 || h >= 20 ? 0 : 4500 * Math.sin((Math.PI * (h - 6)) / 14) ** 2;
}

/** Counters (Wh, varh) a model continues from; a missing one keeps its current value. */
export interface MeterCounters {
  energyImport?: number;
  energyExport?: number;
  reactiveImport?: number;
  reactiveExport?: number;
}

export interface MeterModel {
  /** Values at `now` (ms since epoch); calls must come with non-decreasing times. */
  at(now: number): MeterValues;
  /**
   * Continue from stored counters read at `at` (a restarted demo): the counters never go below them, and the
   * energy from `at` on is integrated as usual.
   */
  resume(counters: MeterCounters, at: number): void;
}

export function createMeterModel(opts: {
  seed?: number;
  start: number;
  energyImport?: number;
  energyExport?: number;
}): MeterModel {
  const rnd = noise(opts.seed ?? 1);
  let last = opts.start;
  // Start from the counters of a real meter (vorarlberg vector) so values look familiar.
  let eIn = opts.energyImport ?? 3_744_082;
  let eOut = opts.energyExport ?? 3_929_988;
  let rIn = 13_445;
  let rOut = 1_313_360;
  let cloud = 1;
  return {
    resume(c, at) {
      eIn = Math.max(eIn, c.energyImport ?? eIn);
      eOut = Math.max(eOut, c.energyExport ?? eOut);
      rIn = Math.max(rIn, c.reactiveImport ?? rIn);
      rOut = Math.max(rOut, c.reactiveExport ?? rOut);
      last = at;
    },
    at(now) {
      const d = new Date(now);
      const h = d.getHours() + d.getMinutes() / 60 + d.getSeconds() / 3600;
      cloud = Math.min(1, Math.max(0.2, cloud + rnd() * 0.2));
      const load = Math.max(80, loadCurve(h) * (1 + rnd() * 0.2));
      const net = load - pvCurve(h) * cloud;
      const powerImport = Math.round(Math.max(0, net));
      const powerExport = Math.round(Math.max(0, -net));
      const dtH = Math.max(0, now - last) / 3_600_000;
      last = now;
      eIn += powerImport * dtH;
      eOut += powerExport * dtH;
      rIn += 40 * dtH;
      rOut += 120 * dtH;
      const voltage = [0, 1, 2].map(
        (i) => Math.round(2300 + 30 * Math.sin(now / 600_000 + i) + rnd() * 20) / 10,
      ) as [number, number, number];
      const split = [0.5, 0.3, 0.2];
      const current = voltage.map((u, i) => Math.round(((Math.abs(net) * split[i]!) / u) * 100) / 100) as [
        number,
        number,
        number,
      ];
      return {
        powerImport,
        powerExport,
        energyImport: Math.floor(eIn),
        energyExport: Math.floor(eOut),
        reactiveImport: Math.floor(rIn),
        reactiveExport: Math.floor(rOut),
        voltage,
        current,
      };
    },
  };
}
