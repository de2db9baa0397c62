/**
 * In-memory HistoryReader for the HTTP unit tests only (the real store is src/store/). Rows are plain points;
 * `series` averages per bucket of `step` from `from` (energy: last value), `energy` takes counter differences per UTC
 * day or month. Deliberately simple: it exists so the HTTP layer can be tested against known numbers.
 */
import {
  SERIES_FIELDS,
  type EnergyBucket,
  type HistoryReader,
  type Series,
  type SeriesField,
} from '../../src/store/history-types.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';

export interface FakeRow {
  /** unix seconds */
  t: number;
  values: Partial<Record<SeriesField, number>>;
}

export interface FakeHistory extends HistoryReader {
  rows: FakeRow[];
  /** Arguments of every `series` / `energy` call after the meter, and the meter, for assertions. */
  calls: { method: 'series' | 'energy'; args: unknown[]; meter: string }[];
}

function bucketStart(t: number, period: 'day' | 'month'): { start: number; label: string } {
  const d = new Date(t * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (period === 'month') {
    return { start: Date.UTC(y, m, 1) / 1000, label: `${y}-${String(m + 1).padStart(2, '0')}` };
  }
  const day = d.getUTCDate();
  const label = `${y}-${String(m + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { start: Date.UTC(y, m, day) / 1000, label };
}

/**
 * The rows (and `latest`) belong to `meter` (default: the snapshot's meter, else `default`) — or to each of
 * several meter ids, the same rows for each (dashboard tests that switch meters); other ids have no data.
 */
export function createFakeHistory(
  rows: FakeRow[],
  latest?: MeterSnapshot,
  meter: string | readonly string[] = latest?.meter ?? 'default',
): FakeHistory {
  const calls: FakeHistory['calls'] = [];
  const ids: readonly string[] = typeof meter === 'string' ? [meter] : meter;
  const owns = (m: string | undefined) => m === undefined || ids.includes(m);
  const of = (m: string | undefined): FakeRow[] => (owns(m) ? rows : []);
  return {
    rows,
    calls,
    meters: () => (rows.length > 0 || latest ? [...ids] : []),
    latest: (m) => (owns(m) ? latest : undefined),
    count: (m) => of(m).length,
    extent: (m) =>
      of(m).length === 0
        ? undefined
        : {
            firstMs: Math.min(...rows.map((r) => r.t)) * 1000,
            lastMs: Math.max(...rows.map((r) => r.t)) * 1000,
          },
    async series(m, from, to, step): Promise<Series> {
      calls.push({ method: 'series', args: [from, to, step], meter: m });
      const rows = of(m);
      const t: number[] = [];
      for (let b = from; b < to; b += step) t.push(b);
      const values = {} as Record<SeriesField, (number | null)[]>;
      for (const f of SERIES_FIELDS) {
        values[f] = t.map((b) => {
          const xs = rows
            .filter((r) => r.t >= Math.max(b, from) && r.t < Math.min(b + step, to))
            .map((r) => r.values[f])
            .filter((v): v is number => v !== undefined);
          if (!xs.length) return null;
          if (f.startsWith('energy_')) return xs[xs.length - 1]!;
          return Math.round(xs.reduce((a, v) => a + v, 0) / xs.length);
        });
      }
      return { t, values, step };
    },
    async energy(m, period, from, to): Promise<EnergyBucket[]> {
      calls.push({ method: 'energy', args: [period, from, to], meter: m });
      const rows = of(m);
      const out = new Map<number, EnergyBucket & { firstI: number; firstE: number }>();
      for (const r of rows.filter((x) => x.t >= from && x.t < to)) {
        const { start, label } = bucketStart(r.t, period);
        const i = r.values.energy_import_wh;
        const e = r.values.energy_export_wh;
        if (i === undefined || e === undefined) continue;
        const b = out.get(start) ?? { start, label, import_wh: 0, export_wh: 0, firstI: i, firstE: e };
        b.import_wh = i - b.firstI;
        b.export_wh = e - b.firstE;
        out.set(start, b);
      }
      return [...out.values()].map(({ start, label, import_wh, export_wh }) => ({
        start,
        label,
        import_wh,
        export_wh,
      }));
    },
  };
}
