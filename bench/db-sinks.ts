/**
 * Database sinks through their durable outbox (issue 13): telegrams per second into PostgreSQL and into
 * VictoriaMetrics (line protocol), from `handle()` of the first telegram until the last one is confirmed by the
 * server (outbox empty), and the latency of a single telegram (handle → committed) at a steady 1 000/s.
 * Real servers from Debian's packages on 127.0.0.1 (test/helpers/postgres.ts, tsdb.ts); a case is skipped with
 * its reason when its server cannot run here. Runnable alone: node --import tsx bench/db-sinks.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPostgresqlSink } from '../src/sinks/postgresql/postgresql-sink.js';
import { createLineProtocolSink } from '../src/sinks/line-protocol/line-protocol-sink.js';
import type { Sink } from '../src/sinks/sink.js';
import type { MeterSnapshot } from '../src/model/snapshot.js';
import { TelegramDecoder } from '../src/pipeline/telegram-decoder.js';
import { Key } from '../src/util/key.js';
import { captureBytes, loadVector } from '../test/helpers/vectors.js';
import { PG_PASSWORD, postgresUnavailable, startPostgres } from '../test/helpers/postgres.js';
import { startVictoriaMetrics, tsdbUnavailable } from '../test/helpers/tsdb.js';

type Row = Record<string, number | string>;
export const caseNames = ['postgresql', 'victoria-metrics'];

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function snapshots(n: number): MeterSnapshot[] {
  const v = loadVector('vorarlberg_philippsev-vkw_1');
  const d = new TelegramDecoder({ keys: { encryptionKey: Key.parse(v.key_hex!).bytes }, meter: 'home' });
  const base = d.push(captureBytes(v), 0).find((e) => e.type === 'telegram');
  if (!base || base.type !== 'telegram') throw new Error('the vector did not decode');
  const T = Date.UTC(2026, 11, 2);
  // 100 meters × n/100 telegrams each, one per second per meter
  return Array.from({ length: n }, (_, i) => ({
    ...base.snapshot,
    meter: `m${i % 100}`,
    receivedAt: T + Math.floor(i / 100) * 1000,
  }));
}

async function drain(sink: Sink, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((sink.status!().backlog ?? 0) > 0) {
    if (Date.now() > end) throw new Error(`backlog ${sink.status!().backlog} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function measure(name: string, make: (dir: string) => Sink, n: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), `kr-bench-${name}-`));
  try {
    const sink = make(dir);
    await sink.start?.();
    const all = snapshots(n);
    // warm up (table creation, connection)
    sink.handle({ ...all[0]!, meter: 'warmup' });
    await drain(sink, 30_000);
    const t0 = performance.now();
    for (const s of all) sink.handle(s);
    const handled = performance.now() - t0;
    await drain(sink, 120_000);
    const total = performance.now() - t0;
    // latency of single telegrams at ~1 000/s: handle → outbox empty
    const lat: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = performance.now();
      sink.handle({ ...all[i]!, meter: 'lat', receivedAt: all[i]!.receivedAt + 10_000_000 + i });
      await drain(sink, 10_000);
      lat.push(performance.now() - a);
      await new Promise((r) => setTimeout(r, 1));
    }
    lat.sort((x, y) => x - y);
    await sink.stop?.();
    return {
      case: name,
      telegrams: n,
      telegrams_per_s: Math.round((n / total) * 1000),
      handle_us_per_telegram: Math.round((handled / n) * 1000 * 10) / 10,
      latency_p50_ms: Math.round(lat[100]! * 10) / 10,
      latency_p99_ms: Math.round(lat[198]! * 10) / 10,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: { quick: boolean; only?: string }): Promise<Row[]> {
  const n = opts.quick ? 2000 : 20_000;
  const rows: Row[] = [];
  const want = (c: string) => !opts.only || c.includes(opts.only) || 'db-sinks'.includes(opts.only);
  if (want('postgresql')) {
    const why = postgresUnavailable();
    if (why) rows.push({ case: 'postgresql', skipped: why });
    else {
      const pg = (await startPostgres())!;
      try {
        rows.push(
          await measure(
            'postgresql',
            (dir) =>
              createPostgresqlSink(
                {
                  url: pg.url,
                  password: PG_PASSWORD,
                  table: 'bench',
                  batchSize: 500,
                  outbox: { maxRows: 1_000_000 },
                },
                { logger: silent, dataDir: dir },
              ),
            n,
          ),
        );
      } finally {
        await pg.close();
      }
    }
  }
  if (want('victoria-metrics')) {
    const why = tsdbUnavailable('victoria-metrics');
    if (why) rows.push({ case: 'victoria-metrics', skipped: why });
    else {
      const vm = await startVictoriaMetrics();
      try {
        rows.push(
          await measure(
            'victoria-metrics',
            (dir) =>
              createLineProtocolSink(
                {
                  url: `${vm.base}/write`,
                  measurement: 'kaifareader',
                  batchSize: 1000,
                  gzip: true,
                  outbox: { maxRows: 1_000_000 },
                },
                { logger: silent, dataDir: dir },
              ),
            n,
          ),
        );
      } finally {
        await vm.close();
      }
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run({ quick: process.argv.includes('--quick') });
  console.table(rows);
}
