/**
 * The MQTT fleet path (issue 13): simulated meters' telegrams published to a real mosquitto on
 * `site/<meter id>/telegram` as `kaifareader bridge` does it (publishTelegrams: QoS 1, MQTT 5, the `received_at`
 * user property), decoded by one or two `kaifareader` processes on the shared subscription
 * `$share/decoders/site/+/telegram` (client ids decoder-a, decoder-b; every meter of the fleet in each config,
 * with its own key), written by the PostgreSQL sink (through its SQLite outbox; a message is acknowledged only
 * once its telegram is durable there) into a real PostgreSQL server (test/helpers/postgres.ts, fsync off).
 * The instances run under the systemd unit's environment (SERVICE_ENV: `--jitless`), as bench/meters.ts's
 * service cases. (The first run of this bench found that they could not: pg's load-time runtime probe and
 * node 20's fetch both reach undici's WebAssembly parser, which --jitless removes — fixed in pg-client.ts and
 * line-protocol/http-post.ts, held by test/e2e/service-flags-sinks.test.ts.)
 *
 * Method: the instances are started and the bench waits until every meter's source is connected (its
 * subscription acknowledged: /api/v1/meters `connected`) and the sink has connected and created its table.
 * The broker's per-client queue limit is lifted (`max_queued_messages 0`, see withFleet): with mosquitto's
 * default of 1 000 the backlog below lost about half its telegrams at the broker.
 *   throughput-<k>  a backlog of 50 meters × 40 telegrams (each meter's at distinct, increasing receive times
 *                   one second apart, in the past, so the primary key (meter, received_at) keeps every row), made
 *                   before the clock starts and then published all at once (every publish issued without
 *                   waiting, one publisher connection per meter as one bridge per meter would have). The clock
 *                   runs from the first publish until `SELECT count(*)` (polled every POLL_MS; adds up to one
 *                   poll period) shows every row.
 *                     seconds, telegrams_per_s   that time, telegrams / that time;
 *                     publish_s                  first publish → the broker's last PUBACK to the publishers;
 *                     cpu_pct_a, cpu_pct_b       each instance's CPU time (utime + stime, /proc/<pid>/stat) over
 *                                                the window, % of one core (above 100: node's helper threads —
 *                                                GC, libuv — ran beside the main thread);
 *                     decoded_a, decoded_b       telegrams each instance decoded (/api/v1/status telegrams_ok):
 *                                                how the broker split the shared subscription;
 *                     runs, min_per_s, max_per_s REPEATS runs of each case, alternating 1 and 2 instances (fresh
 *                                                broker, instances and table each); the row is the median run;
 *                     speedup                    (2-instance row) its telegrams_per_s / the 1-instance row's.
 *   latency-<k>     20 meters at one telegram a second each (phases spread evenly over the second), 15 s after a
 *                   WARMUP_S warm-up; received_at = Date.now() at the publish. The bench polls the table every
 *                   POLL_MS for the rows it still waits for and takes, per row, the time the first query that
 *                   returned it was SENT (its snapshot is taken after that, so the row was committed before):
 *                   p50_ms/p99_ms of (that time − received_at). The polling adds between 0 and one poll period
 *                   (POLL_MS = 20 ms plus one query's duration) to each figure, about half of that (~10 ms) on
 *                   average: the true latency is the figure minus 0…~22 ms. Nothing is added to the product for
 *                   the measurement. rows_total: rows in the table at the end (warm-up included): none lost.
 * `--quick`: 10 meters × 20 telegrams, one run; 5 meters for 3 s (a smoke run, ~15 s).
 *
 * Needs Linux (/proc), mosquitto, PostgreSQL (Debian's package, run as root) and a built dist/.
 * Runnable alone: node --import tsx bench/fleet.ts [--quick]
 *
 * Measured 2026-12-02 19:35 on the 2-core build machine (shared with other work; node 20.20, mosquitto 2.0.11,
 * PostgreSQL 15), service flags, full mode (medians of 3 runs each):
 *   throughput-1   2 000 telegrams in 0.89 s = 2 256 telegrams/s (runs 1 977–2 338), cpu_pct_a 81; publish_s 0.13
 *   throughput-2   2 000 in 0.56 s = 3 543 telegrams/s (runs 3 449–3 728), cpu_pct_a 73, cpu_pct_b 67, split
 *                  exactly 1 000 / 1 000; speedup 1.57
 *   latency-1      300 telegrams at 20/s: p50 14 ms, p99 24 ms (poll included, see above), cpu_pct_a 4.0
 *   latency-2      300 at 20/s: p50 13 ms, p99 23 ms, cpu_pct_a 2.4, cpu_pct_b 2.3
 * An earlier run with the same flags minus --jitless (before the fix): 2 447–2 687/s for one instance, 2 653–2 950
 * for two (speedup 1.08–1.10; each instance ~70 % of a core against ~100–115 % for one alone): with the JIT one
 * instance is not CPU-bound, the bench's publishers, mosquitto and PostgreSQL on the same two cores are.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { simulatedFleet, meterOptions, type FleetMeter } from '../src/simulator/fleet.js';
import { createTelegramFactory } from '../src/simulator/simulated-meter.js';
import { publishTelegrams } from '../src/transport/mqtt-telegrams.js';
import { connectPostgres, type PgConnection } from '../src/sinks/postgresql/pg-client.js';
import {
  assertBuilt,
  freePort,
  runCli,
  waitUntil,
  type CliProcess,
} from '../test/e2e/helpers/cli-process.js';
import { makeTempDir } from '../test/e2e/helpers/daemon-fixtures.js';
import { startMosquitto, type Mosquitto } from '../test/helpers/mosquitto.js';
import { PG_PASSWORD, postgresUnavailable, startPostgres, type Postgres } from '../test/helpers/postgres.js';
import { SERVICE_ENV } from './daemon.js';
import { cpuTimesMs, percentile, round } from './proc-stats.js';

/** User + system CPU time of `pid` in ms. */
const cpuMs = (pid: number): number => {
  const t = cpuTimesMs(pid);
  return t.user + t.sys;
};

type Row = Record<string, number | string>;

export const caseNames = ['throughput-1', 'throughput-2', 'latency-1', 'latency-2'];

const POLL_MS = 20;
/** Runs of each throughput case in the full mode (the median is reported). */
const REPEATS = 3;
const WARMUP_S = 2;
const SHARE = '$share/decoders/site/+/telegram';
interface Instance {
  name: string;
  proc: CliProcess;
  /** Telegrams this instance decoded so far (/api/v1/status `telegrams_ok`). */
  decoded(): Promise<number>;
}

/** Starts one decoder instance with every fleet meter on the shared subscription; waits until it is ready. */
async function startInstance(
  name: string,
  dir: string,
  fleet: readonly FleetMeter[],
  broker: Mosquitto,
  pg: Postgres,
  table: string,
  env: Record<string, string>,
): Promise<Instance> {
  const httpPort = await freePort();
  const config = join(dir, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      meters: fleet.map((m) => ({
        id: m.id,
        source: { mqtt: `mqtt://127.0.0.1:${broker.port}/${SHARE}`, client_id: name },
        key: m.key,
      })),
      data_dir: join(dir, name),
      logging: { level: 'info' },
      exports: { postgresql: { url: pg.url, password: PG_PASSWORD, table } },
      http: { host: '127.0.0.1', port: httpPort },
    }),
    { mode: 0o600 },
  );
  const proc = runCli(['--config', config], env);
  const wait = { context: () => proc.stderr().slice(-3000), process: proc, timeoutMs: 30_000 };
  await waitUntil(() => proc.stderr().includes('connected, table'), `${name}: the PostgreSQL sink`, wait);
  await waitUntil(
    async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${httpPort}/api/v1/meters`);
        const body = (await r.json()) as { meters: Array<{ connected: boolean }> };
        return body.meters.length === fleet.length && body.meters.every((m) => m.connected);
      } catch {
        return false; // the dashboard is not listening yet
      }
    },
    `${name}: every meter's MQTT subscription`,
    wait,
  );
  const decoded = async () => {
    const r = await fetch(`http://127.0.0.1:${httpPort}/api/v1/status`);
    return ((await r.json()) as { telegrams_ok: number }).telegrams_ok;
  };
  return { name, proc, decoded };
}

type Publisher = ReturnType<typeof publishTelegrams>;

async function publishers(broker: Mosquitto, fleet: readonly FleetMeter[]): Promise<Map<string, Publisher>> {
  const pubs = new Map(
    fleet.map((m) => [
      m.id,
      publishTelegrams(`mqtt://127.0.0.1:${broker.port}/site/${m.id}/telegram`, `bench-pub-${m.id}`),
    ]),
  );
  await waitUntil(() => [...pubs.values()].every((p) => p.connected()), 'the publishers to connect');
  return pubs;
}

const concat = (frames: Uint8Array[]): Uint8Array => Buffer.concat(frames);

interface Setup {
  fleet: FleetMeter[];
  instances: Instance[];
  pubs: Map<string, Publisher>;
  db: PgConnection;
  table: string;
  broker: Mosquitto;
}

/** A fresh broker, `k` instances on it and a fresh table; `body` measures; everything is stopped after. */
async function withFleet<T>(
  pg: Postgres,
  caseName: string,
  meters: number,
  k: number,
  env: Record<string, string>,
  body: (s: Setup) => Promise<T>,
): Promise<T> {
  const dir = makeTempDir('kaifareader-bench-fleet-');
  const broker = await startMosquitto();
  // mosquitto queues at most 1 000 QoS 1 messages per client by default (max_queued_messages) beyond the ones
  // in flight, and drops the rest ("Outgoing messages are being dropped for client decoder-a"): a backlog of
  // 2 000 telegrams lost ~half of them in the first run. A fleet's broker needs this limit raised (0: none).
  appendFileSync(join(broker.dir, 'mosquitto.conf'), 'max_queued_messages 0\n');
  await broker.stop();
  await broker.start();
  const table = `bench_${caseName.replace(/-/g, '_')}`;
  const fleet = simulatedFleet(meters);
  const instances: Instance[] = [];
  let db: PgConnection | undefined;
  let pubs: Map<string, Publisher> | undefined;
  try {
    for (const name of ['decoder-a', 'decoder-b'].slice(0, k))
      instances.push(await startInstance(name, dir.path, fleet, broker, pg, table, env));
    db = await connectPostgres(pg.url, PG_PASSWORD);
    pubs = await publishers(broker, fleet);
    return await body({ fleet, instances, pubs, db, table, broker });
  } catch (e) {
    const logs = instances.map((i) => `--- ${i.name}\n${i.proc.stderr().slice(-3000)}`).join('\n');
    throw new Error(
      `${caseName}: ${(e as Error).message}\n${logs}\n--- mosquitto\n${broker.log().slice(-2000)}`,
    );
  } finally {
    await Promise.all([...(pubs?.values() ?? [])].map((p) => p.end()));
    await db?.end();
    for (const i of instances) await i.proc.stop('SIGTERM');
    await broker.close();
    dir.remove();
  }
}

async function count(db: PgConnection, table: string): Promise<number> {
  const r = (await db.query(`SELECT count(*)::int AS n FROM "${table}"`)) as unknown as {
    rows: Array<{ n: number }>;
  };
  return r.rows[0]!.n;
}

/** The median of a case's runs (by telegrams_per_s), with their range. */
function median(runs: Row[]): Row {
  const sorted = [...runs].sort((a, b) => Number(a.telegrams_per_s) - Number(b.telegrams_per_s));
  return {
    ...sorted[Math.floor(sorted.length / 2)]!,
    runs: runs.length,
    min_per_s: sorted[0]!.telegrams_per_s!,
    max_per_s: sorted.at(-1)!.telegrams_per_s!,
  };
}

async function throughput(
  pg: Postgres,
  k: number,
  meters: number,
  perMeter: number,
  env: Env,
  repeat: number,
): Promise<Row> {
  const name = `throughput-${k}`;
  return withFleet(
    pg,
    `${name}-${repeat}`,
    meters,
    k,
    env.env,
    async ({ fleet, instances, pubs, db, table }) => {
      // receive times one second apart per meter, ending a few seconds ago (the source accepts a stamp up to a
      // week old); the meter's own clock follows them
      const base = Date.now() - (perMeter + 5) * 1000;
      const backlog: Array<{ pub: Publisher; bytes: Uint8Array; at: number }> = [];
      const factories = fleet.map((m) => createTelegramFactory({ ...meterOptions(m), start: base }));
      for (let t = 0; t < perMeter; t++)
        fleet.forEach((m, i) => {
          const at = base + t * 1000;
          backlog.push({ pub: pubs.get(m.id)!, bytes: concat(factories[i]!.next(at)), at });
        });
      const total = backlog.length;
      const cpu0 = instances.map((i) => cpuMs(i.proc.pid));
      const t0 = performance.now();
      let publishedMs = NaN;
      const published = Promise.all(backlog.map((b) => b.pub.publish(b.bytes, b.at))).then(
        () => (publishedMs = performance.now() - t0),
      );
      let n = 0;
      let last = -1;
      let since = Date.now();
      while ((n = await count(db, table)) < total) {
        if (n !== last) [last, since] = [n, Date.now()];
        else if (Date.now() - since > 20_000)
          throw new Error(`${n} of ${total} rows, none more for 20 s (lost or stuck)`);
        for (const i of instances)
          if (i.proc.exit()) throw new Error(`${i.name} exited (${JSON.stringify(i.proc.exit())})`);
        await sleep(POLL_MS);
      }
      const wall = performance.now() - t0;
      const cpu = instances.map((i, j) => ((cpuMs(i.proc.pid) - cpu0[j]!) / wall) * 100);
      await published;
      const decoded = await Promise.all(instances.map((i) => i.decoded()));
      return {
        case: name,
        flags: env.flags,
        telegrams: total,
        seconds: round(wall / 1000, 2),
        publish_s: round(publishedMs / 1000, 2),
        telegrams_per_s: Math.round((total / wall) * 1000),
        cpu_pct_a: round(cpu[0]!, 1),
        ...(k > 1 ? { cpu_pct_b: round(cpu[1]!, 1) } : {}),
        decoded_a: decoded[0]!,
        ...(k > 1 ? { decoded_b: decoded[1]! } : {}),
      };
    },
  );
}

async function latency(pg: Postgres, k: number, meters: number, seconds: number, env: Env): Promise<Row> {
  const name = `latency-${k}`;
  return withFleet(pg, name, meters, k, env.env, async ({ fleet, instances, pubs, db, table }) => {
    const start = Date.now();
    const factories = fleet.map((m) => createTelegramFactory({ ...meterOptions(m), start }));
    /** `meter|received_at` → counted (published after the warm-up) */
    const pending = new Map<string, { meter: string; at: number; counted: boolean }>();
    const latencies: number[] = [];
    let measuring = false;
    let sent = 0;
    const timers: NodeJS.Timeout[] = [];
    const errors: Error[] = [];
    fleet.forEach((m, i) => {
      const send = () => {
        const at = Date.now();
        const bytes = concat(factories[i]!.next(at));
        pending.set(`${m.id}|${at}`, { meter: m.id, at, counted: measuring });
        if (measuring) sent++;
        pubs
          .get(m.id)!
          .publish(bytes, at)
          .catch((e: Error) => errors.push(e));
      };
      timers.push(
        setTimeout(
          () => {
            send();
            timers.push(setInterval(send, 1000));
          },
          (i * 1000) / fleet.length,
        ),
      );
    });
    let polling = true;
    const poll = (async () => {
      while (polling || pending.size > 0) {
        if (pending.size > 0) {
          let min = Infinity;
          for (const p of pending.values()) min = Math.min(min, p.at);
          const asked = Date.now(); // the query's snapshot is taken after this: a row it returns was committed
          const r = (await db.query(
            `SELECT meter, (extract(epoch FROM received_at) * 1000)::bigint AS ms FROM "${table}"
             WHERE received_at >= to_timestamp($1::double precision / 1000)`,
            [min],
          )) as unknown as { rows: Array<{ meter: string; ms: string }> };
          for (const row of r.rows) {
            const key = `${row.meter}|${Number(row.ms)}`;
            const p = pending.get(key);
            if (!p) continue;
            pending.delete(key);
            if (p.counted) latencies.push(asked - p.at);
          }
        }
        if (polling && errors.length > 0) throw errors[0]!;
        await sleep(POLL_MS);
      }
    })();
    let cpu0: number[] = [];
    let t0 = 0;
    let wall = 0;
    let cpu: number[] = [];
    try {
      await sleep(WARMUP_S * 1000);
      measuring = true;
      cpu0 = instances.map((i) => cpuMs(i.proc.pid));
      t0 = performance.now();
      await sleep(seconds * 1000);
      measuring = false;
      wall = performance.now() - t0;
      cpu = instances.map((i, j) => ((cpuMs(i.proc.pid) - cpu0[j]!) / wall) * 100);
    } finally {
      for (const t of timers) clearTimeout(t);
      polling = false;
    }
    const giveUp = new AbortController(); // the timer must not keep the process alive after the case
    try {
      await Promise.race([
        poll,
        sleep(30_000, undefined, { signal: giveUp.signal }).then(() => {
          throw new Error(`${pending.size} published telegrams not in PostgreSQL 30 s after the last`);
        }),
      ]);
    } finally {
      giveUp.abort();
    }
    const rows = await count(db, table);
    const sorted = latencies.sort((a, b) => a - b);
    return {
      case: name,
      flags: env.flags,
      telegrams: sent,
      seconds: round(wall / 1000, 2),
      telegrams_per_s: round((sent / wall) * 1000, 1),
      cpu_pct_a: round(cpu[0]!, 1),
      ...(k > 1 ? { cpu_pct_b: round(cpu[1]!, 1) } : {}),
      p50_ms: round(percentile(sorted, 50), 1),
      p99_ms: round(percentile(sorted, 99), 1),
      rows_total: rows,
    };
  });
}

interface Env {
  flags: 'service';
  env: Record<string, string>;
}

/** The instances run under the systemd unit's environment; one that cannot start fails the bench loudly. */
const SERVICE: Env = { flags: 'service', env: SERVICE_ENV };

export async function run(opts: { quick: boolean; only?: string }): Promise<Row[]> {
  const wanted = caseNames.filter((c) => !opts.only || c.includes(opts.only));
  if (wanted.length === 0) return [];
  const why = postgresUnavailable();
  if (why) return wanted.map((c) => ({ case: c, skipped: why }));
  assertBuilt();
  const [meters, perMeter] = opts.quick ? [10, 20] : [50, 40];
  const [latMeters, latS] = opts.quick ? [5, 3] : [20, 15];
  const pg = (await startPostgres())!;
  const rows: Row[] = [];
  try {
    const env = SERVICE;
    // the throughput cases' runs alternate (1, 2, 1, 2, …) so that other load on the machine hits both alike
    const ks = wanted.filter((c) => c.startsWith('throughput')).map((c) => Number(c.split('-')[1]));
    const runs = new Map<number, Row[]>(ks.map((k) => [k, []]));
    for (let r = 0; r < (opts.quick ? 1 : REPEATS); r++)
      for (const k of ks) runs.get(k)!.push(await throughput(pg, k, meters, perMeter, env, r));
    for (const k of ks) rows.push(median(runs.get(k)!));
    for (const c of wanted.filter((c) => c.startsWith('latency')))
      rows.push(await latency(pg, Number(c.split('-')[1]), latMeters, latS, env));
  } finally {
    await pg.close();
  }
  const one = rows.find((r) => r.case === 'throughput-1');
  const two = rows.find((r) => r.case === 'throughput-2');
  if (one && two) two.speedup = round(Number(two.telegrams_per_s) / Number(one.telegrams_per_s), 2);
  return rows;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run({ quick: process.argv.includes('--quick') }))
    process.stdout.write(JSON.stringify(r) + '\n');
}
