/**
 * The history store: raw rows, rollups and the latest snapshot in one SQLite file (schema: history-schema.ts).
 * `insert` writes a batch — raw rows, rollup upserts and the latest snapshot — in ONE transaction, so a kill -9 at
 * any moment leaves raw rows and rollups consistent up to the last committed batch. The row count is kept in memory
 * (counted once at open). The history sink wraps it as the HTTP layer's HistoryReader (pieced queries).
 */
import type { MeterSnapshot } from '../model/snapshot.js';
import type { EnergyBucket, HistoryExtent, QuarterHourBucket, Series } from './history-types.js';
import type { SqliteDatabase } from './sqlite.js';
import { METER_KEY_SPAN, READING_COLUMNS, rowKeys } from './history-schema.js';
import type { HistoryRow } from './history-row.js';
import { RollupBuilder, type CounterState, type StoredRow } from './rollup.js';
import { openHistoryDatabase, rollupWriter, type SchemaUpgrade } from './history-open.js';
import { seriesQuery } from './history-series.js';
import { energyQuery } from './history-energy.js';
import { runNow, type Pieced } from './pieced.js';
import { checkTimeZone, offsetFunction } from './local-time.js';
import { DEFAULT_QUARTER_TOLERANCE_MS, QuarterHourCloser, meterClockMs } from './quarter-hour.js';
import { quarterHourQuery, quarterHourWriter, restoreCloser } from './history-quarter-hour.js';

export interface HistoryStore {
  readonly path: string;
  /** Set when this open upgraded the file's schema (the sink logs it, with where the backup copy is). */
  readonly upgrade: SchemaUpgrade | undefined;
  /** Configured meter ids that have data (rows, rollups or a latest snapshot), in the order they first came. */
  meters(): string[];
  /** The meter's last stored snapshot; without `meter` the newest of any meter. */
  latest(meter?: string): MeterSnapshot | undefined;
  /** The meter's oldest row (raw or hour rollup) and newest raw row; undefined when it has none. */
  extent(meter: string): HistoryExtent | undefined;
  /** Averages per `step` seconds in [from, to), synchronously (tests, CLI); HTTP uses seriesQuery pieced. */
  series(meter: string, from: number, to: number, step: number): Series;
  energy(meter: string, period: 'day' | 'month', from: number, to: number): EnergyBucket[];
  /** The same queries as generators that yield between bounded slices (run them with runPieced). */
  seriesQuery(meter: string, from: number, to: number, step: number): Pieced<Series>;
  energyQuery(meter: string, period: 'day' | 'month', from: number, to: number): Pieced<EnergyBucket[]>;
  /** Every quarter hour of the local days overlapping [from, to) (unix s); quarter-hour.ts has the rules. */
  quarterHours(meter: string, from: number, to: number): QuarterHourBucket[];
  quarterHourQuery(meter: string, from: number, to: number): Pieced<QuarterHourBucket[]>;
  /** Raw rows of one meter (all meters without it): counted once at open, then kept up to date. */
  count(meter?: string): number;
  /**
   * Writes rows (ascending ts per meter) in one transaction; rows not newer than their meter's last stored one
   * are skipped. `latest`: the newest snapshot per meter, stored for each meter that got rows in this batch.
   */
  insert(
    rows: HistoryRow[],
    latest?: MeterSnapshot | readonly MeterSnapshot[],
  ): { written: number; skipped: number };
  /** Deletes up to `limit` raw rows older than `cutoffMs` (rollups stay), meter by meter; returns how many went. */
  deleteRawBefore(cutoffMs: number, limit?: number): number;
  /** Caps the file (PRAGMA max_page_count; beyond it inserts fail with SQLITE_FULL); undefined lifts the cap. */
  setMaxBytes(bytes: number | undefined): void;
  close(): void;
}

export interface HistoryStoreOptions {
  /** IANA zone for energy per day/month, default Europe/Vienna. */
  timeZone?: string;
  /** Upper bound of the file size (small SD cards); inserts beyond it fail like a full disk. */
  maxBytes?: number;
  /**
   * How far (ms) a boundary's reading may lie before the boundary for a `complete` quarter hour; default
   * DEFAULT_QUARTER_TOLERANCE_MS (30 s).
   */
  quarterToleranceMs?: number;
}

export function openHistoryStore(path: string, opts: HistoryStoreOptions = {}): HistoryStore {
  const timeZone = opts.timeZone ?? 'Europe/Vienna';
  checkTimeZone(timeZone);
  const tolerance = opts.quarterToleranceMs ?? DEFAULT_QUARTER_TOLERANCE_MS;
  const { db, upgrade } = openHistoryDatabase(path, tolerance);
  try {
    const store = new Store(db, path, timeZone, upgrade, tolerance);
    if (opts.maxBytes !== undefined) store.setMaxBytes(opts.maxBytes);
    return store;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** What the store keeps in memory per configured meter. */
interface MeterState {
  /** meters.id */
  key: number;
  builder: RollupBuilder;
  /** Closes the meter's quarter hours (its state is the meter's `open` row in quarter_hour). */
  quarters: QuarterHourCloser;
  /** Newest stored ts (raw row or latest snapshot), ms; rows not newer are skipped. */
  lastTs: number;
  rows: number;
}

/** The key of a meter without data: matches no row, so its queries answer empty. */
const NO_METER = -1;

class Store implements HistoryStore {
  /** Configured meter id → its state, in meters.id order. */
  private readonly state = new Map<string, MeterState>();
  /** Meter number (telegram) → meter_numbers.id. */
  private readonly numbers = new Map<string, number>();
  private readonly stmts;
  /** The zone's UTC offset at an instant (for meter clocks sent without one). */
  private readonly offsetAt: (ms: number) => number;

  constructor(
    private readonly db: SqliteDatabase,
    readonly path: string,
    private readonly timeZone: string,
    readonly upgrade: SchemaUpgrade | undefined,
    private readonly quarterToleranceMs: number,
  ) {
    this.offsetAt = offsetFunction(timeZone);
    const cols = ['meter_ts', 'meter_number', ...READING_COLUMNS];
    this.stmts = {
      insertRow: db.prepare(
        `INSERT INTO readings (${cols.join(', ')}) VALUES (?${', ?'.repeat(cols.length - 1)})`,
      ),
      writePartials: rollupWriter(db),
      writeQuarter: quarterHourWriter(db),
      latest: db.prepare(
        'INSERT INTO latest (meter, ts, snapshot) VALUES (?, ?, ?) ON CONFLICT(meter) DO UPDATE SET ts = excluded.ts, snapshot = excluded.snapshot',
      ),
      // ids from 0: the first meter's row key is the plain ts (schema comment)
      meterInsert: db.prepare(
        'INSERT OR IGNORE INTO meters (id, config_id) VALUES ((SELECT coalesce(max(id) + 1, 0) FROM meters), ?)',
      ),
      meterGet: db.prepare('SELECT id FROM meters WHERE config_id = ?'),
      numberInsert: db.prepare('INSERT OR IGNORE INTO meter_numbers (meter_id) VALUES (?)'),
      numberGet: db.prepare('SELECT id FROM meter_numbers WHERE meter_id = ?'),
      // raw rows: parameters are key ranges (rowKeys), each a range seek in the one b-tree
      deleteRaw: db.prepare(
        'DELETE FROM readings WHERE meter_ts IN (SELECT meter_ts FROM readings WHERE meter_ts >= ? AND meter_ts < ? ORDER BY meter_ts LIMIT ?)',
      ),
      // each reads one end of the meter's key range: cheap on any size
      rawFirst: db.prepare(
        'SELECT ts AS t FROM readings WHERE meter_ts >= ? AND meter_ts < ? ORDER BY meter_ts LIMIT 1',
      ),
      rawLast: db.prepare(
        'SELECT ts AS t FROM readings WHERE meter_ts >= ? AND meter_ts < ? ORDER BY meter_ts DESC LIMIT 1',
      ),
      hourFirst: db.prepare('SELECT ts AS t FROM rollup_hour WHERE meter = ? ORDER BY ts LIMIT 1'),
      hourLast: db.prepare('SELECT ts AS t FROM rollup_hour WHERE meter = ? ORDER BY ts DESC LIMIT 1'),
      latestOf: db.prepare('SELECT ts, snapshot FROM latest WHERE meter = ?'),
      latestAny: db.prepare('SELECT snapshot FROM latest ORDER BY ts DESC LIMIT 1'),
    };
    // the one full count, at open (a year at one row per 5 s: ~80 ms once, not per status call)
    const counts = new Map(
      (
        db.prepare('SELECT meter, count(*) AS n FROM readings GROUP BY meter').all() as {
          meter: number;
          n: number;
        }[]
      ).map((r) => [r.meter, r.n]),
    );
    const meters = db.prepare('SELECT id, config_id FROM meters ORDER BY id').all() as {
      id: number;
      config_id: string;
    }[];
    for (const m of meters) this.state.set(m.config_id, this.loadState(m.id, counts.get(m.id) ?? 0));
  }

  insert(
    rows: HistoryRow[],
    latest?: MeterSnapshot | readonly MeterSnapshot[],
  ): { written: number; skipped: number } {
    const fresh: HistoryRow[] = [];
    const last = new Map<string, number>();
    for (const r of rows) {
      const before = last.get(r.meter) ?? this.state.get(r.meter)?.lastTs ?? -1;
      if (r.ts <= before) continue;
      fresh.push(r);
      last.set(r.meter, r.ts);
    }
    const snapshots = latest === undefined ? [] : Array.isArray(latest) ? latest : [latest as MeterSnapshot];
    const saved = [...this.state.values()].map(
      (m) => [m, m.builder.state, structuredClone(m.quarters.state)] as const,
    );
    const known = new Set(this.state.keys());
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const byMeter = new Map<string, StoredRow[]>();
      for (const r of fresh) {
        const m = this.meterState(r.meter);
        const stored = { ...r, number: this.numberId(r.meterId) };
        this.stmts.insertRow.run(
          m.key * METER_KEY_SPAN + r.ts,
          stored.number,
          ...READING_COLUMNS.map((c) => r[c]),
        );
        const list = byMeter.get(r.meter);
        if (list) list.push(stored);
        else byMeter.set(r.meter, [stored]);
      }
      for (const [meter, list] of byMeter) {
        const m = this.state.get(meter)!;
        this.stmts.writePartials(m.key, m.builder.build(list));
        this.addQuarters(m, list);
      }
      for (const s of snapshots) {
        const ts = last.get(s.meter);
        if (ts !== undefined) this.stmts.latest.run(this.state.get(s.meter)!.key, ts, JSON.stringify(s));
      }
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const [m, state, quarters] of saved) [m.builder.state, m.quarters.state] = [state, quarters];
      for (const id of this.state.keys()) if (!known.has(id)) this.state.delete(id);
      this.numbers.clear();
      throw e;
    }
    for (const r of fresh) this.state.get(r.meter)!.rows++;
    for (const [meter, ts] of last) this.state.get(meter)!.lastTs = ts;
    return { written: fresh.length, skipped: rows.length - fresh.length };
  }

  meters(): string[] {
    const has = this.db.prepare(
      `SELECT config_id FROM meters m WHERE EXISTS (SELECT 1 FROM readings
         WHERE meter_ts >= m.id * ${METER_KEY_SPAN} AND meter_ts < (m.id + 1) * ${METER_KEY_SPAN})
       OR EXISTS (SELECT 1 FROM rollup_hour WHERE meter = m.id) OR EXISTS (SELECT 1 FROM latest WHERE meter = m.id)
       ORDER BY m.id`,
    );
    return (has.all() as { config_id: string }[]).map((r) => r.config_id);
  }

  latest(meter?: string): MeterSnapshot | undefined {
    const row = (
      meter === undefined ? this.stmts.latestAny.get() : this.stmts.latestOf.get(this.keyOf(meter))
    ) as { snapshot: string } | undefined;
    return row ? (JSON.parse(row.snapshot) as MeterSnapshot) : undefined;
  }

  extent(meter: string): HistoryExtent | undefined {
    const key = this.keyOf(meter);
    const t = (stmt: { get(...k: number[]): unknown }, ...k: number[]) =>
      (stmt.get(...k) as { t: number } | undefined)?.t ?? null;
    const [rawFirst, rawLast, hourFirst, hourLast] = [
      t(this.stmts.rawFirst, ...rowKeys(key)),
      t(this.stmts.rawLast, ...rowKeys(key)),
      t(this.stmts.hourFirst, key),
      t(this.stmts.hourLast, key),
    ];
    const firsts = [rawFirst, hourFirst === null ? null : hourFirst * 1000].filter((v) => v !== null);
    // without raw rows (all removed by retention) the newest hour bucket's end
    const lastMs = rawLast ?? (hourLast === null ? null : hourLast * 1000 + 3_599_999);
    if (firsts.length === 0 || lastMs === null) return undefined;
    return { firstMs: Math.min(...firsts), lastMs };
  }

  series(meter: string, from: number, to: number, step: number): Series {
    return runNow(this.seriesQuery(meter, from, to, step));
  }

  energy(meter: string, period: 'day' | 'month', from: number, to: number): EnergyBucket[] {
    return runNow(this.energyQuery(meter, period, from, to));
  }

  seriesQuery(meter: string, from: number, to: number, step: number): Pieced<Series> {
    return seriesQuery(this.db, this.keyOf(meter), from, to, step);
  }

  energyQuery(meter: string, period: 'day' | 'month', from: number, to: number): Pieced<EnergyBucket[]> {
    return energyQuery(this.db, this.keyOf(meter), period, from, to, this.timeZone);
  }

  quarterHours(meter: string, from: number, to: number): QuarterHourBucket[] {
    return runNow(this.quarterHourQuery(meter, from, to));
  }

  quarterHourQuery(meter: string, from: number, to: number): Pieced<QuarterHourBucket[]> {
    return quarterHourQuery(this.db, this.keyOf(meter), from, to, this.timeZone);
  }

  count(meter?: string): number {
    if (meter !== undefined) return this.state.get(meter)?.rows ?? 0;
    let n = 0;
    for (const m of this.state.values()) n += m.rows;
    return n;
  }

  deleteRawBefore(cutoffMs: number, limit = 5000): number {
    let deleted = 0;
    for (const m of this.state.values()) {
      if (deleted >= limit) break;
      const n = this.stmts.deleteRaw.run(...rowKeys(m.key, 0, cutoffMs), limit - deleted).changes;
      m.rows -= n;
      deleted += n;
    }
    return deleted;
  }

  setMaxBytes(bytes: number | undefined): void {
    const pageSize = (this.db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
    const pages = bytes === undefined ? 4294967294 : Math.max(1, Math.floor(bytes / pageSize));
    this.db.exec(`PRAGMA max_page_count = ${pages}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Feeds a batch's counter rows to the meter's quarter-hour closer on the meter's clock (receive time when the
   * telegram has none): closed intervals are written, then the one in progress as the `open` row.
   */
  private addQuarters(m: MeterState, rows: (StoredRow & { meterTime?: string })[]): void {
    const offsetAt = this.offsetAt;
    let touched = false;
    for (const r of rows) {
      if (r.energy_import_wh === null) continue;
      const t = meterClockMs(r.meterTime, r.ts, offsetAt);
      const closed = m.quarters.push({
        t,
        segment: r.number,
        importWh: r.energy_import_wh,
        exportWh: r.energy_export_wh,
      });
      for (const q of closed) this.stmts.writeQuarter(m.key, q);
      touched = true;
    }
    const open = touched ? m.quarters.current() : undefined;
    if (open) this.stmts.writeQuarter(m.key, open);
  }

  /** meters.id of a configured meter; NO_METER for one without data. */
  private keyOf(meter: string): number {
    return this.state.get(meter)?.key ?? NO_METER;
  }

  /** The meter's state, adding it to the dictionary on its first row (inside the insert's transaction). */
  private meterState(meter: string): MeterState {
    let m = this.state.get(meter);
    if (m === undefined) {
      this.stmts.meterInsert.run(meter);
      const key = (this.stmts.meterGet.get(meter) as { id: number }).id;
      // the row key meters.id · 2^44 + ts stays exact in a JS number up to id 511
      if (key > 511) throw new RangeError(`history: more than 511 meters in ${this.path}`);
      m = this.loadState(key, 0);
      this.state.set(meter, m);
    }
    return m;
  }

  private numberId(meterId: string): number {
    let id = this.numbers.get(meterId);
    if (id === undefined) {
      this.stmts.numberInsert.run(meterId);
      id = (this.stmts.numberGet.get(meterId) as { id: number }).id;
      this.numbers.set(meterId, id);
    }
    return id;
  }

  private loadState(key: number, rows: number): MeterState {
    const r = this.db
      .prepare(
        `SELECT energy_ts_last AS last, meter_last AS num, energy_import_wh_last AS importWh,
         energy_export_wh_last AS exportWh FROM rollup_hour
         WHERE rollup_hour.meter = ? AND energy_ts_last IS NOT NULL ORDER BY rollup_hour.ts DESC LIMIT 1`,
      )
      .get(key) as { last: number; num: number; importWh: number; exportWh: number | null } | undefined;
    const counter: CounterState | undefined = r && {
      ts: r.last,
      meter: r.num,
      importWh: r.importWh,
      exportWh: r.exportWh,
    };
    const latest = this.stmts.latestOf.get(key) as { ts: number } | undefined;
    const raw = this.stmts.rawLast.get(...rowKeys(key)) as { t: number } | undefined;
    return {
      key,
      builder: new RollupBuilder(counter),
      quarters: restoreCloser(this.db, key, this.quarterToleranceMs),
      lastTs: Math.max(latest?.ts ?? -1, raw?.t ?? -1),
      rows,
    };
  }
}
