/**
 * The platform floor: what the daemon's work costs when no kaifareader code runs, next to the daemon itself, on
 * the same harness, interleaved in rounds (daemon, floor, daemon, floor, …; the figures are medians of the
 * rounds). The floor worker (bench/child/floor-worker.mjs) reads the same bytes through the same libraries
 * (node:net or @serialport/stream, MQTT.js, libsql, node:fs) and does per telegram what the daemon must: frame
 * and checksum the M-Bus frames, decrypt (AES-128-CTR), replace the Solarview file atomically, publish the state
 * at QoS 1 plus two QoS 0 messages, keep the outbox and a history row in SQLite committed once a second, and
 * hold an HTTP server open. It does not parse A-XDR, map OBIS codes, keep counters, diagnose, log or discover.
 * So `daemon − floor` is what kaifareader's own code costs, and the floor is a lower bound for any Node reader
 * doing the same work with these libraries.
 *
 * Cases (`<…>-service`: the systemd unit's environment, SERVICE_ENV with `--jitless`; `-default`: node's
 * defaults, `kaifareader run` from a shell):
 *   floor-pty-solarview-*   the pty harness of bench/daemon.ts (Vorarlberg MA309 telegrams, last byte → file
 *                           replaced), the old meter.json: CPU ms per telegram and peak RSS, daemon and floor
 *   floor-pty-all-*         the same with every sink on (Solarview, history, dashboard, MQTT to mosquitto)
 *   floor-meters-N-*        the TCP harness of bench/meters.ts (N simulated meters, one telegram a second each,
 *                           every sink on): CPU % of one core, peak RSS, p99 last byte → state on MQTT
 * Issue 12's targets, which these bound from below: ≤ 0.4 ms CPU per telegram with every sink on, 100 meters
 * ≤ 10 % of one core, ≤ 60 MB with every sink on under the service's flags and ≤ 60 MB with the Solarview
 * file from a shell.
 *
 * Needs Linux (/proc), socat, mosquitto and a built dist/. Runnable alone: node --import tsx bench/floor.ts [--quick]
 */
import { join } from 'node:path';
import { ROOT, runNode, type CliProcess } from '../test/e2e/helpers/cli-process.js';
import { SERVICE_ENV, measure, type PtyLauncher, type SinkSet } from './daemon.js';
import { measureMeters, type MetersLauncher } from './meters.js';
import { percentile, round } from './proc-stats.js';

type Row = Record<string, number | string>;

const WORKER = join(ROOT, 'bench', 'child', 'floor-worker.mjs');

const FLAGS: Array<['service' | 'default', Record<string, string>]> = [
  ['service', SERVICE_ENV],
  ['default', {}],
];
const PTY_SINKS: SinkSet[] = ['solarview', 'all'];
const METER_COUNTS = [10, 100];

export const caseNames = [
  ...PTY_SINKS.flatMap((s) => FLAGS.map(([f]) => `floor-pty-${s}-${f}`)),
  ...METER_COUNTS.flatMap((n) => FLAGS.map(([f]) => `floor-meters-${n}-${f}`)),
];

interface WorkerCounts {
  telegrams: number;
  bad_frames: number;
  decrypt_failures: number;
  published: number;
  acked: number;
}

/** Starts floor workers and keeps their handles, so the counts each prints on SIGTERM can be checked. */
function workerLauncher(): {
  start: (cfg: object, env: Record<string, string>, nodeArgs: string[]) => CliProcess;
  counts: () => WorkerCounts[];
} {
  const started: CliProcess[] = [];
  return {
    start: (cfg, env, nodeArgs) => {
      const p = runNode(WORKER, [JSON.stringify(cfg)], env, nodeArgs);
      started.push(p);
      return p;
    },
    counts: () =>
      started.map((p) => {
        const line = p.stdout().trim().split('\n').pop() ?? '';
        try {
          return JSON.parse(line) as WorkerCounts;
        } catch {
          throw new Error(`the floor worker printed no counts (stdout ${p.stdout()}, stderr ${p.stderr()})`);
        }
      }),
  };
}

/** The worker did the work: telegrams decrypted, none failed, and (with MQTT) every QoS 1 state acknowledged. */
function checkCounts(c: WorkerCounts, sinks: SinkSet): void {
  const wrong =
    c.telegrams === 0 ||
    c.decrypt_failures > 0 ||
    c.bad_frames > 0 ||
    (sinks === 'all' && (c.published !== c.telegrams || c.acked < c.published - 5));
  if (wrong) throw new Error(`the floor worker did not do the work: ${JSON.stringify(c)}`);
}

function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

async function ptyCase(sinks: SinkSet, env: Record<string, string>, rounds: number, telegrams: number) {
  const w = workerLauncher();
  const floor: PtyLauncher = (r, e, nodeArgs) => {
    const cfg = {
      meters: [{ id: 'kaifa', topic_id: 'kaifa', pty: r.port, key_hex: r.keyHex, frames: 2 }],
      dir: r.dir,
      sinks: r.sinks,
      mqtt_url: r.brokerUrl,
      base_topic: 'kaifa',
      http_port: r.httpPort,
    };
    if (join(r.dir, 'kaifa.txt') !== r.file) throw new Error(`the pty harness's file is ${r.file}`);
    return w.start(cfg, e, nodeArgs);
  };
  const d = { cpu: [] as number[], rss: [] as number[] };
  const f = { cpu: [] as number[], rss: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const a = await measure(telegrams, env, [], sinks);
    d.cpu.push(a.cpuMsPerTelegram);
    d.rss.push(a.peakRssMb);
    const b = await measure(telegrams, env, [], sinks, floor);
    f.cpu.push(b.cpuMsPerTelegram);
    f.rss.push(b.peakRssMb);
  }
  for (const c of w.counts()) checkCounts(c, sinks);
  return { d, f };
}

async function metersCase(n: number, env: Record<string, string>, rounds: number, windowS: number) {
  const w = workerLauncher();
  const floor: MetersLauncher = (r, e, nodeArgs) => {
    const cfg = {
      meters: r.meters.map((m) => ({
        id: m.id,
        topic_id: m.meterNumber,
        tcp: m.port,
        key_hex: m.key,
        frames: 2,
      })),
      dir: r.dir,
      sinks: 'all',
      mqtt_url: r.brokerUrl,
      base_topic: 'kaifa',
      http_port: r.httpPort,
    };
    return w.start(cfg, e, nodeArgs);
  };
  const d = { cpu: [] as number[], rss: [] as number[], p99: [] as number[] };
  const f = { cpu: [] as number[], rss: [] as number[], p99: [] as number[] };
  const p99 = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      99,
    );
  for (let i = 0; i < rounds; i++) {
    const a = await measureMeters(n, windowS, env);
    d.cpu.push(a.cpuPct);
    d.rss.push(a.peakRssMb);
    d.p99.push(p99(a.latenciesMs));
    const b = await measureMeters(n, windowS, env, [], floor);
    f.cpu.push(b.cpuPct);
    f.rss.push(b.peakRssMb);
    f.p99.push(p99(b.latenciesMs));
  }
  for (const c of w.counts()) checkCounts(c, 'all');
  return { d, f };
}

/** `daemon_<key>` and `floor_<key>`: the medians of both sides' rounds. */
function sides(key: string, d: number[], f: number[], digits: number): Row {
  return { [`daemon_${key}`]: round(median(d), digits), [`floor_${key}`]: round(median(f), digits) };
}

export async function run(opts: { quick: boolean; only?: string }): Promise<Row[]> {
  const rows: Row[] = [];
  const wanted = (name: string) => !opts.only || name.includes(opts.only);
  const rounds = opts.quick ? 1 : 3;
  for (const sinks of PTY_SINKS)
    for (const [flag, env] of FLAGS) {
      const name = `floor-pty-${sinks}-${flag}`;
      if (!wanted(name)) continue;
      const { d, f } = await ptyCase(sinks, env, rounds, opts.quick ? 30 : 150);
      rows.push({
        case: name,
        ...sides('cpu_ms', d.cpu, f.cpu, 3),
        daemon_over_floor: round(median(d.cpu) / median(f.cpu), 2),
        ...sides('rss_mb', d.rss, f.rss, 1),
        rounds,
      });
    }
  for (const n of opts.quick ? [10] : METER_COUNTS)
    for (const [flag, env] of FLAGS) {
      const name = `floor-meters-${n}-${flag}`;
      if (!wanted(name)) continue;
      const { d, f } = await metersCase(n, env, opts.quick ? 1 : 2, opts.quick ? 3 : 10);
      rows.push({
        case: name,
        ...sides('cpu_pct', d.cpu, f.cpu, 2),
        daemon_over_floor: round(median(d.cpu) / median(f.cpu), 2),
        ...sides('rss_mb', d.rss, f.rss, 1),
        ...sides('p99_ms', d.p99, f.p99, 2),
        rounds: opts.quick ? 1 : 2,
      });
    }
  return rows;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run({ quick: process.argv.includes('--quick') }))
    process.stdout.write(JSON.stringify(r) + '\n');
}
