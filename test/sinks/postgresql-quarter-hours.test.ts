/**
 * The PostgreSQL quarter-hour view (`<table>_15min`) against a real server: simulated Kaifa telegrams every 5 s
 * for 80 minutes with a 25-minute gap, decoded and stored by the sink; the view's intervals are held to the ones
 * kaifareader's own closer (src/store/quarter-hour.ts) cuts from the same readings — energy, export and status —
 * and they add up to the counters' difference. A replaced meter (another meter number, other counters) leaves its
 * interval partial with no energy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostgresqlSink } from '../../src/sinks/postgresql/postgresql-sink.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import { numberValue, type MeterSnapshot } from '../../src/model/snapshot.js';
import { Key } from '../../src/util/key.js';
import { meterOptions, simulatedFleet } from '../../src/simulator/fleet.js';
import { createTelegramFactory } from '../../src/simulator/simulated-meter.js';
import { QuarterHourCloser, QUARTER_MS, type QuarterHour } from '../../src/store/quarter-hour.js';
import { captureLogger } from '../store/helpers.js';
import { PG_PASSWORD, postgresUnavailable, startPostgres } from '../helpers/postgres.js';
import { waitUntil } from '../e2e/helpers/cli-process.js';
import { tempDir } from '../mqtt/fixtures/support.js';

const T0 = Date.UTC(2026, 11, 2, 9, 58, 47); // not on a boundary
const STEP_MS = 5000;

/** Telegrams of fleet meter `index` at the given times, decoded as configured meter `meter`. */
function snapshots(index: number, meter: string, times: number[]): MeterSnapshot[] {
  const m = simulatedFleet(index + 1)[index]!;
  const factory = createTelegramFactory({ ...meterOptions(m), start: T0 - 86_400_000 });
  const d = new TelegramDecoder({ keys: { encryptionKey: Key.parse(m.key).bytes }, meter });
  return times.map((t) => {
    const ev = d.push(Buffer.concat(factory.next(t)), t).find((e) => e.type === 'telegram');
    assert.ok(ev && ev.type === 'telegram');
    return ev.snapshot;
  });
}

const times = (from: number, to: number) => {
  const out: number[] = [];
  for (let t = from; t < to; t += STEP_MS) out.push(t);
  return out;
};

const wh = (s: MeterSnapshot, key: string) => numberValue(s.readings.find((r) => r.key === key))!;

interface ViewRow {
  meter: string;
  start: number;
  importWh: number | null;
  exportWh: number | null;
  status: string;
}

test(
  'the <table>_15min view gives the intervals kaifareader closes itself; a replaced meter leaves its interval without energy',
  { skip: postgresUnavailable() ?? false },
  async (t) => {
    const pg = (await startPostgres())!;
    t.after(() => pg.close());
    const sink = createPostgresqlSink(
      { url: pg.url, password: PG_PASSWORD, table: 'readings', batchSize: 500, outbox: { maxRows: 100_000 } },
      { logger: captureLogger(), dataDir: tempDir(t, 'pg-15min') },
    );
    await sink.start!();
    t.after(() => sink.stop!());

    // 40 minutes, a 25-minute gap, 15 more minutes
    const house = snapshots(0, 'house', [
      ...times(T0, T0 + 40 * 60_000),
      ...times(T0 + 65 * 60_000, T0 + 80 * 60_000),
    ]);
    // meter "swap": fleet meter 2 for 20 minutes, then fleet meter 3 (another number and counters) in its place
    const swap = [
      ...snapshots(1, 'swap', times(T0, T0 + 20 * 60_000)),
      ...snapshots(2, 'swap', times(T0 + 20 * 60_000, T0 + 35 * 60_000)),
    ];
    for (const s of [...house, ...swap]) sink.handle(s);
    const total = house.length + swap.length;
    const count = () => {
      try {
        return Number(pg.sql('SELECT count(*) FROM readings').trim());
      } catch {
        return 0; // the sink has not created the table yet
      }
    };
    await waitUntil(() => count() === total, 'all rows stored', { timeoutMs: 20_000 });

    const view = (meter: string): ViewRow[] =>
      pg
        .sql(
          `SELECT meter, (extract(epoch FROM interval_start) * 1000)::bigint, import_wh, export_wh, status
           FROM readings_15min WHERE meter = '${meter}' ORDER BY interval_start`,
        )
        .trim()
        .split('\n')
        .map((l) => l.split('|'))
        .map(([m, start, i, e, status]) => ({
          meter: m!,
          start: Number(start),
          importWh: i === '' ? null : Number(i),
          exportWh: e === '' ? null : Number(e),
          status: status!,
        }));

    // kaifareader's own closer on the same readings (receive time as the clock)
    const closer = new QuarterHourCloser();
    const closed: QuarterHour[] = [];
    for (const s of house)
      closed.push(
        ...closer.push({
          t: s.receivedAt,
          segment: s.meterId,
          importWh: wh(s, 'energy_import_wh'),
          exportWh: wh(s, 'energy_export_wh'),
        }),
      );
    const open = closer.current()!;
    // a meter's very first interval has no start reading: the view lists intervals from the second on
    const expected = [...closed.slice(1), open].map((q) => ({
      meter: 'house',
      start: q.start,
      importWh: q.importWh,
      exportWh: q.exportWh,
      status: q.status,
    }));
    const got = view('house');
    assert.deepEqual(got, expected);
    assert.ok(got.some((r) => r.status === 'complete') && got.some((r) => r.status === 'partial'));
    assert.ok(
      got.some((r, i) => i > 0 && r.start - got[i - 1]!.start > QUARTER_MS),
      'the gap: intervals without a reading are not listed',
    );
    // from the first boundary reading to the last reading, the intervals add up to the counter's difference
    const firstBoundary = closed[0]!.last;
    const sum = (k: 'importWh' | 'exportWh') => got.reduce((n, r) => n + r[k]!, 0);
    assert.equal(sum('importWh'), wh(house.at(-1)!, 'energy_import_wh') - firstBoundary.importWh);
    assert.equal(sum('exportWh'), wh(house.at(-1)!, 'energy_export_wh') - firstBoundary.exportWh!);
    assert.ok(sum('exportWh') > 0, 'the PV house exports at this hour: the sums are not trivially 0');

    const swapped = view('swap');
    const at = Math.ceil((T0 + 20 * 60_000) / QUARTER_MS) * QUARTER_MS - QUARTER_MS; // the interval of the swap
    const row = swapped.find((r) => r.start === at)!;
    assert.deepEqual(
      { importWh: row.importWh, exportWh: row.exportWh, status: row.status },
      {
        importWh: null,
        exportWh: null,
        status: 'partial',
      },
    );
    const others = swapped.filter((r) => r.start !== at);
    assert.ok(others.length >= 2, JSON.stringify(swapped));
    assert.ok(
      others.every((r) => r.importWh !== null) && others.some((r) => r.importWh! > 0),
      'only the swap lost its energy (the heat pump before it draws)',
    );
  },
);
