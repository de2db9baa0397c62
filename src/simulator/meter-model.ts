/**
 * Believable meters for the simulator. The default is a household with PV (the demo's meter): a daily load curve
 * (night base load, morning and evening peaks), a PV bell curve between 6 and 20 h with passing clouds, 3-phase
 * voltages around 230 V, and energy counters that integrate the power and only ever grow. Other curves (a heat
 * pump on its own meter, a PV generation meter, a small flat) give a fleet of meters that look different on the
 * dashboard. Pure and deterministic for a seed; time is passed in.
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

/** Heat pump on its own meter (W): heating after the night setback, hot water at midday, evening heating. */
export function heatPumpCurve(h: number): number {
  return 60 + 1600 * bump(h, 6, 1.8) + 1100 * bump(h, 13, 1) + 900 * bump(h, 20, 2);
}

/** A small flat without PV (W): fridge and standby, breakfast, a little at lunch, cooking and TV in the evening. */
export function flatCurve(h: number): number {
  return 90 + 500 * bump(h, 7, 0.8) + 300 * bump(h, 12.5, 1) + 1100 * bump(h, 19.5, 1.4);
}

/**
 * What a simulated meter measures: `house` consumption minus a 5 kWp PV (the demo's meter), a `heatpump` alone, a
 * `pv` generation meter (an 8 kWp system: exports by day, imports only the inverter's standby at night), a `flat`.
 */
export type MeterCurve = 'house' | 'heatpump' | 'pv' | 'flat';
export const METER_CURVES: readonly MeterCurve[] = ['house', 'heatpump', 'pv', 'flat'];

interface CurveSpec {
  load: (h: number) => number;
  /** Least load (W) after the noise. */
  minLoad: number;
  /** PV size as a multiple of pvCurve's 5 kWp. */
  pv: number;
  /** Share of the power per phase. */
  split: [number, number, number];
  /** Reactive energy per hour (varh/h), import and export. */
  reactive: [number, number];
  /** Counters a new meter of this kind starts from (Wh, varh). */
  counters: Required<MeterCounters>;
}

const CURVES: Record<MeterCurve, CurveSpec> = {
  // Start from the counters of a real meter (vorarlberg vector) so values look familiar.
  house: {
    load: loadCurve,
    minLoad: 80,
    pv: 1,
    split: [0.5, 0.3, 0.2],
    reactive: [40, 120],
    counters: {
      energyImport: 3_744_082,
      energyExport: 3_929_988,
      reactiveImport: 13_445,
      reactiveExport: 1_313_360,
    },
  },
  // A compressor is an inductive load on all three phases alike.
  heatpump: {
    load: heatPumpCurve,
    minLoad: 30,
    pv: 0,
    split: [1 / 3, 1 / 3, 1 / 3],
    reactive: [300, 5],
    counters: { energyImport: 8_215_530, energyExport: 0, reactiveImport: 961_220, reactiveExport: 40_115 },
  },
  pv: {
    load: () => 5,
    minLoad: 3,
    pv: 1.6,
    split: [1 / 3, 1 / 3, 1 / 3],
    reactive: [2, 60],
    counters: { energyImport: 2_118, energyExport: 21_604_377, reactiveImport: 310, reactiveExport: 405_020 },
  },
  flat: {
    load: flatCurve,
    minLoad: 60,
    pv: 0,
    split: [0.45, 0.35, 0.2],
    reactive: [25, 60],
    counters: { energyImport: 1_906_447, energyExport: 0, reactiveImport: 120_340, reactiveExport: 88_016 },
  },
};

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
  /** What the meter measures (default `house`, the demo's meter). */
  curve?: MeterCurve;
  /** 1: a single-phase meter, all the power on L1 (L2/L3 read 0 and a 1-phase layout leaves them out). */
  phases?: 1 | 3;
}): MeterModel {
  const rnd = noise(opts.seed ?? 1);
  const spec = CURVES[opts.curve ?? 'house'];
  const split = opts.phases === 1 ? [1, 0, 0] : spec.split;
  let last = opts.start;
  let eIn = opts.energyImport ?? spec.counters.energyImport;
  let eOut = opts.energyExport ?? spec.counters.energyExport;
  let rIn = spec.counters.reactiveImport;
  let rOut = spec.counters.reactiveExport;
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
      // The same draws in the same order for every curve: the house stays the demo's meter number for number.
      const load = Math.max(spec.minLoad, spec.load(h) * (1 + rnd() * 0.2));
      const net = spec.pv === 0 ? load : load - pvCurve(h) * spec.pv * cloud;
      const powerImport = Math.round(Math.max(0, net));
      const powerExport = Math.round(Math.max(0, -net));
      const dtH = Math.max(0, now - last) / 3_600_000;
      last = now;
      eIn += powerImport * dtH;
      eOut += powerExport * dtH;
      rIn += spec.reactive[0] * dtH;
      rOut += spec.reactive[1] * dtH;
      const voltage = [0, 1, 2].map(
        (i) => Math.round(2300 + 30 * Math.sin(now / 600_000 + i) + rnd() * 20) / 10,
      ) as [number, number, number];
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
