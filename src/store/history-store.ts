/**
 * The history store: raw rows, rollups and the latest snapshot in one SQLite file (schema: history-schema.ts).
 * `insert` writes a batch — raw rows, rollup upserts and the latest snapshot — in ONE transaction, so a kill -9 at
 * any moment leaves raw rows and rollups consistent up to the last committed batch. The row count is kept in memory
 * (counted once at open). The history sink wraps it as the HTTP layer's HistoryReader (pieced queries).
 */
import type { MeterSnapshot } from '../model/snapshot.js';
import type { EnergyBucket, HistoryExtent, Series } from './history-types.js';
import type { SqliteDatabase } from './sqlite.js';
import { READING_COLUMNS } from './history-schema.js';
import type { HistoryRow } from './history-row.js';
import { RollupBuilder, type CounterState } from './rollup.js';
import { openHistoryDatabase, rollupWriter } from './history-open.js';
import { seriesQuery } from './history-series.js';
import { energyQuery } from './history-energy.js';
import { runNow, type Pieced } from './pieced.js';
import { checkTimeZone } from './local-time.js';

export interface HistoryStore {
  readonly path: string;
  latest(): MeterSnapshot | undefined;
  /** Oldest row (raw or hour rollup) and newest raw row; undefined when empty. */
  extent(): HistoryExtent | undefined;
  /** Averages per `step` seconds in [from, to), synchronously (tests, CLI); HTTP uses seriesQuery pieced. */
  series(from: number, to: number, step: number): Series;
  energy(period: 'day' | 'month', from: number, to: number): EnergyBucket[];
  /** The same queries as generators that yield between bounded slices (run them with runPieced). */
  seriesQuery(from: number, to: number, step: number): Pieced<Series>;
  energyQuery(period: 'day' | 'month', from: number, to: number): Pieced<EnergyBucket[]>;
  /** Raw rows: counted once at open, then kept up to date by insert and deleteRawBefore. */
  count(): number;
  /** Writes rows (ascending ts) in one transaction; rows not newer than the last stored one are skipped. */
  insert(rows: HistoryRow[], latest?: MeterSnapshot): { written: number; skipped: number };
  /** Deletes up to `limit` raw rows older than `cutoffMs` (rollups stay); returns how many went. */
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
}

export function openHistoryStore(path: string, opts: HistoryStoreOptions = {}): HistoryStore {
  const timeZone = opts.timeZone ?? 'Europe/Vienna';
  checkTimeZone(timeZone);
  const db = openHistoryDatabase(path);
  try {
    const store = new Store(db, path, timeZone);
    if (opts.maxBytes !== undefined) store.setMaxBytes(opts.maxBytes);
    return store;
  } catch (e) {
    db.close();
    throw e;
  }
}

class Store implements HistoryStore {
  private readonly meters = new Map<string, number>();
  private readonly builder: RollupBuilder;
  private lastTs: number;
  private rows: number;
  private readonly stmts;

  constructor(
    private readonly db: SqliteDatabase,
    readonly path: string,
    private readonly timeZone: string,
  ) {
    const cols = ['ts', 'meter', ...READING_COLUMNS];
    this.stmts = {
      insertRow: db.prepare(
        `INSERT INTO readings (${cols.join(', ')}) VALUES (?${', ?'.repeat(cols.length - 1)})`,
      ),
      writePartials: rollupWriter(db),
      latest: db.prepare(
        'INSERT INTO latest (id, ts, snapshot) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET ts = excluded.ts, snapshot = excluded.snapshot',
      ),
      meterInsert: db.prepare('INSERT OR IGNORE INTO meters (meter_id) VALUES (?)'),
      meterGet: db.prepare('SELECT id FROM meters WHERE meter_id = ?'),
      deleteRaw: db.prepare(
        'DELETE FROM readings WHERE ts IN (SELECT ts FROM readings WHERE ts < ? ORDER BY ts LIMIT ?)',
      ),
      // min() and max() of the rowid each read one end of the b-tree: cheap on any size
      rawFirst: db.prepare('SELECT min(ts) AS t FROM readings'),
      rawLast: db.prepare('SELECT max(ts) AS t FROM readings'),
      hourFirst: db.prepare('SELECT min(ts) AS t FROM rollup_hour'),
      hourLast: db.prepare('SELECT max(ts) AS t FROM rollup_hour'),
    };
    // the one full count, at open (a year at one row per 5 s: ~80 ms once, not per status call)
    this.rows = (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
    this.builder = new RollupBuilder(this.loadCounterState());
    this.lastTs = this.loadLastTs();
  }

  insert(rows: HistoryRow[], latest?: MeterSnapshot): { written: number; skipped: number } {
    const fresh: HistoryRow[] = [];
    let last = this.lastTs;
    for (const r of rows) {
      if (r.ts <= last) continue;
      fresh.push(r);
      last = r.ts;
    }
    const savedState = this.builder.state;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const stored = fresh.map((r) => ({ ...r, meter: this.meterId(r.meterId) }));
      for (const r of stored) this.stmts.insertRow.run(r.ts, r.meter, ...READING_COLUMNS.map((c) => r[c]));
      this.stmts.writePartials(this.builder.build(stored));
      if (latest && fresh.length > 0) this.stmts.latest.run(last, JSON.stringify(latest));
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.builder.state = savedState;
      this.meters.clear();
      throw e;
    }
    this.lastTs = last;
    this.rows += fresh.length;
    return { written: fresh.length, skipped: rows.length - fresh.length };
  }

  latest(): MeterSnapshot | undefined {
    const row = this.db.prepare('SELECT snapshot FROM latest WHERE id = 1').get() as
      { snapshot: string } | undefined;
    return row ? (JSON.parse(row.snapshot) as MeterSnapshot) : undefined;
  }

  extent(): HistoryExtent | undefined {
    const t = (stmt: { get(): unknown }) => (stmt.get() as { t: number | null }).t;
    const [rawFirst, rawLast, hourFirst, hourLast] = [
      t(this.stmts.rawFirst),
      t(this.stmts.rawLast),
      t(this.stmts.hourFirst),
      t(this.stmts.hourLast),
    ];
    const firsts = [rawFirst, hourFirst === null ? null : hourFirst * 1000].filter((v) => v !== null);
    // without raw rows (all removed by retention) the newest hour bucket's end
    const lastMs = rawLast ?? (hourLast === null ? null : hourLast * 1000 + 3_599_999);
    if (firsts.length === 0 || lastMs === null) return undefined;
    return { firstMs: Math.min(...firsts), lastMs };
  }

  series(from: number, to: number, step: number): Series {
    return runNow(this.seriesQuery(from, to, step));
  }

  energy(period: 'day' | 'month', from: number, to: number): EnergyBucket[] {
    return runNow(this.energyQuery(period, from, to));
  }

  seriesQuery(from: number, to: number, step: number): Pieced<Series> {
    return seriesQuery(this.db, from, to, step);
  }

  energyQuery(period: 'day' | 'month', from: number, to: number): Pieced<EnergyBucket[]> {
    return energyQuery(this.db, period, from, to, this.timeZone);
  }

  count(): number {
    return this.rows;
  }

  deleteRawBefore(cutoffMs: number, limit = 5000): number {
    const deleted = this.stmts.deleteRaw.run(cutoffMs, limit).changes;
    this.rows -= deleted;
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

  private meterId(meterId: string): number {
    let id = this.meters.get(meterId);
    if (id === undefined) {
      this.stmts.meterInsert.run(meterId);
      id = (this.stmts.meterGet.get(meterId) as { id: number }).id;
      this.meters.set(meterId, id);
    }
    return id;
  }

  private loadCounterState(): CounterState | undefined {
    const r = this.db
      .prepare(
        `SELECT energy_ts_last AS ts, meter_last AS meter, energy_import_wh_last AS importWh,
         energy_export_wh_last AS exportWh FROM rollup_hour WHERE energy_ts_last IS NOT NULL ORDER BY rollup_hour.ts DESC LIMIT 1`,
      )
      .get() as CounterState | undefined;
    return r && { ts: r.ts, meter: r.meter, importWh: r.importWh, exportWh: r.exportWh };
  }

  private loadLastTs(): number {
    const latest = this.db.prepare('SELECT ts FROM latest WHERE id = 1').get() as { ts: number } | undefined;
    const raw = this.db.prepare('SELECT max(ts) AS ts FROM readings').get() as { ts: number | null };
    return Math.max(latest?.ts ?? -1, raw.ts ?? -1);
  }
}
