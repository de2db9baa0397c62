/**
 * Interleaved measurement for the decoder bench: the floor and the cases take turns in rounds (floor, case A,
 * floor, case B, …, repeated R times) and each case's ratio to the floor is taken per round, from the floor slice
 * run right before it. The median of those ratios is reported, with its spread (min/max).
 *
 * Why interleaved: this machine has 2 cores shared with other work (other test runs, builds). Measured one case
 * after another, the same decoder's ratio to the floor wandered from 0.41 to 0.69 between runs — more than the
 * effect being measured. A slow spell now hits the floor slice and the case slice next to it alike, so their ratio
 * stays put while the absolute rates move.
 */
export interface Measured {
  name: string;
  iterate: () => number;
}

export interface Rate {
  /** Iterations per wall-clock second. */
  wall: number;
  /** Iterations per second of this process's CPU time (user + system). */
  cpu: number;
}

/** Iteration rates over `seconds`, checking the clock every 64 iterations. */
export function timed(iterate: () => number, seconds: number): Rate {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const end = t0 + seconds * 1000;
  let n = 0;
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 64; i++) iterate();
    n += 64;
    t = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: n / ((t - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface RoundsResult {
  /** Per case (and the floor): the rate of every slice it ran. */
  rates: Map<string, Rate[]>;
  /** Per case: case rate / floor rate of the slice right before, one per round (wall and CPU). */
  ratios: Map<string, { wall: number[]; cpu: number[] }>;
}

/** Warms every case up, then runs `rounds` rounds of (floor, case) pairs, `seconds` per slice. */
export function interleaved(
  floor: Measured,
  cases: Measured[],
  opts: { rounds: number; seconds: number; warmup: number },
): RoundsResult {
  for (const c of [floor, ...cases]) timed(c.iterate, opts.warmup);
  const rates = new Map<string, Rate[]>([[floor.name, []]]);
  const ratios = new Map<string, { wall: number[]; cpu: number[] }>();
  for (const c of cases) {
    rates.set(c.name, []);
    ratios.set(c.name, { wall: [], cpu: [] });
  }
  for (let r = 0; r < opts.rounds; r++) {
    for (const c of cases) {
      const f = timed(floor.iterate, opts.seconds);
      const x = timed(c.iterate, opts.seconds);
      rates.get(floor.name)!.push(f);
      rates.get(c.name)!.push(x);
      ratios.get(c.name)!.wall.push(x.wall / f.wall);
      ratios.get(c.name)!.cpu.push(x.cpu / f.cpu);
    }
  }
  return { rates, ratios };
}

const r3 = (x: number): number => Number(x.toFixed(3));

/** One table row per case from the rounds: median rate and ratio, and the ratio's spread. */
export function rowsOf(
  result: RoundsResult,
  names: string[],
  prefix = '',
): Array<Record<string, number | string>> {
  return names.map((name) => {
    const rates = result.rates.get(name)!;
    const wall = median(rates.map((r) => r.wall));
    const row: Record<string, number | string> = {
      case: prefix + name,
      telegrams_per_s: Math.round(wall),
      us_per_telegram: Number((1e6 / wall).toFixed(2)),
    };
    const ratio = result.ratios.get(name);
    if (ratio) {
      row.ratio_to_floor = r3(median(ratio.wall));
      row.rounds = 0;
      row.telegrams_per_cpu_s = 0;
      row.ratio_min = r3(Math.min(...ratio.wall));
      row.ratio_max = r3(Math.max(...ratio.wall));
      row.ratio_to_floor_cpu = r3(median(ratio.cpu));
    } else {
      // The floor itself: same columns, so the table keeps its column order.
      Object.assign(row, {
        ratio_to_floor: 1,
        rounds: 0,
        telegrams_per_cpu_s: 0,
        ratio_min: '',
        ratio_max: '',
        ratio_to_floor_cpu: 1,
      });
    }
    row.rounds = rates.length;
    row.telegrams_per_cpu_s = Math.round(median(rates.map((r) => r.cpu)));
    return row;
  });
}
