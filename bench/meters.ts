/**
 * Meters per process: N simulated meters over TCP into ONE `kaifareader run` with every sink on (Solarview file
 * per meter `{meter}.txt`, history, dashboard HTTP on 127.0.0.1, MQTT to a real mosquitto).
 *
 * Method: each meter is a TCP server on 127.0.0.1 (the daemon connects to `tcp://127.0.0.1:PORT`, as to a
 * ser2net/ESP bridge) that sends its own simulated Kaifa telegram (own key, system title and meter number, from
 * the simulator's telegram factory) once a second, the meters' phases spread evenly over the second. A
 * subscriber on `kaifa/+/state` takes the time each meter's state arrives. After a warm-up (every meter
 * published once, plus WARMUP_S) the window starts:
 *   cpu_pct      the daemon's CPU time (utime + stime, /proc/<pid>/stat) over the window, % of one core;
 *   peak_rss_mb  VmHWM at the end of the window;
 *   p99_ms       last byte written to the meter's socket → its state message received by the subscriber
 *                (MQTT QoS 1 through the durable outbox), p50 beside it.
 * Cases `meters-<n>-service` run under the systemd unit's environment (SERVICE_ENV: `--jitless`),
 * `meters-<n>-default` with node's defaults. Targets (issue 12): 100 meters ≤ 10 % of one core, ≤ 120 MB.
 * `--quick`: 1 and 10 meters, service flags only, a 3 s window (CI does not run benches; a smoke run).
 *
 * Needs Linux (/proc), mosquitto and a built dist/. Runnable alone: node --import tsx bench/meters.ts [--quick]
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { createTelegramFactory } from '../src/simulator/simulated-meter.js';
import { fleetKey } from '../src/simulator/fleet.js';
import {
  assertBuilt,
  freePort,
  runCli,
  waitUntil,
  type CliProcess,
} from '../test/e2e/helpers/cli-process.js';
import { makeTempDir } from '../test/e2e/helpers/daemon-fixtures.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { SERVICE_ENV } from './daemon.js';
import { cpuTimesMs as cpuMs, peakRssMb, percentile, round } from './proc-stats.js';

type Row = Record<string, number | string>;

export const caseNames = [1, 10, 100].flatMap((n) => [`meters-${n}-service`, `meters-${n}-default`]);

const PERIOD_MS = 1000;
const WARMUP_S = 2;

interface BenchMeter {
  id: string;
  meterNumber: string;
  key: string;
  server: Server;
  port: number;
  socket?: Socket;
  /** performance.now() after the last frame of the newest telegram, until its state arrives. */
  sentAt?: number;
  next: (now: number) => Uint8Array[];
}

async function makeMeter(i: number): Promise<BenchMeter> {
  const serial = String(4242 + 1117 * i).padStart(6, '0');
  const meterNumber = `1KFM0200${serial}`;
  const key = fleetKey(i + 1);
  const factory = createTelegramFactory({
    layout: 'obis-structures',
    key,
    meterNumber,
    deviceName: `KFM1200200${serial}`,
    systemTitle: `4B464D1020${serial}`,
    curve: 'flat',
    seed: i + 1,
  });
  const m: BenchMeter = {
    id: `m${String(i + 1).padStart(3, '0')}`,
    meterNumber,
    key,
    server: createServer(),
    port: 0,
    next: (now) => factory.next(now),
  };
  m.server.on('connection', (s) => {
    m.socket?.destroy();
    m.socket = s;
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => m.server.listen(0, '127.0.0.1', r));
  m.port = (m.server.address() as { port: number }).port;
  return m;
}

export interface MetersResult {
  cpuPct: number;
  /** The kernel's part of cpuPct (system time: sockets, the Solarview replace, SQLite's writes). */
  sysPct: number;
  peakRssMb: number;
  latenciesMs: number[];
  telegrams: number;
}

/** What the process under measurement connects to and writes (bench/floor.ts starts its floor worker with it). */
export interface MetersRun {
  /** Each meter's id, the meter number its telegrams carry (the MQTT topic level), key and TCP port. */
  meters: Array<Pick<BenchMeter, 'id' | 'meterNumber' | 'key' | 'port'>>;
  dir: string;
  brokerUrl: string;
  httpPort: number;
}

export type MetersLauncher = (run: MetersRun, env: Record<string, string>, nodeArgs: string[]) => CliProcess;

/** One `kaifareader run` with every sink on: the Solarview file per meter, history, dashboard, MQTT. */
const launchDaemon: MetersLauncher = (r, env, nodeArgs) => {
  const config = join(r.dir, 'meter.json');
  writeFileSync(
    config,
    JSON.stringify({
      meters: r.meters.map((m) => ({ id: m.id, source: `tcp://127.0.0.1:${m.port}`, key: m.key })),
      data_dir: r.dir,
      logging: { level: 'info' },
      exports: {
        solarview: { file: join(r.dir, '{meter}.txt') },
        mqtt: { url: r.brokerUrl, base_topic: 'kaifa' },
        history: { path: join(r.dir, 'history.db') },
      },
      http: { host: '127.0.0.1', port: r.httpPort },
    }),
    { mode: 0o600 },
  );
  return runCli(['run', '--config', config], env, nodeArgs);
};

export async function measureMeters(
  n: number,
  windowS: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  launch: MetersLauncher = launchDaemon,
): Promise<MetersResult> {
  assertBuilt();
  const dir = makeTempDir('kaifareader-bench-meters-');
  const broker = await startMosquitto();
  const meters = await Promise.all(Array.from({ length: n }, (_, i) => makeMeter(i)));
  const byNumber = new Map(meters.map((m) => [m.meterNumber, m]));
  const run: MetersRun = { meters, dir: dir.path, brokerUrl: broker.url, httpPort: await freePort() };
  const sub = mqtt.connect(broker.url, { clientId: 'bench-sub' });
  await new Promise<void>((resolve, reject) => {
    sub.once('connect', () => sub.subscribe('kaifa/+/state', { qos: 0 }, (e) => (e ? reject(e) : resolve())));
    sub.once('error', reject);
  });
  let measuring = false;
  const latencies: number[] = [];
  const seen = new Set<string>();
  sub.on('message', (topic) => {
    const m = byNumber.get(topic.split('/')[1] ?? '');
    if (!m) return;
    seen.add(m.id);
    if (m.sentAt !== undefined && measuring) latencies.push(performance.now() - m.sentAt);
    m.sentAt = undefined;
  });
  const daemon = launch(run, env, nodeArgs);
  const timers: NodeJS.Timeout[] = [];
  let sent = 0;
  try {
    await waitUntil(
      () => meters.every((m) => m.socket !== undefined),
      `${n} TCP connections from the daemon`,
      {
        context: () => daemon.stderr().slice(-3000),
        process: daemon,
        timeoutMs: 30_000,
      },
    );
    meters.forEach((m, i) => {
      const send = () => {
        const frames = m.next(Date.now());
        for (const f of frames) m.socket?.write(f);
        m.sentAt = performance.now();
        if (measuring) sent++;
      };
      const start = setTimeout(
        () => {
          send();
          timers.push(setInterval(send, PERIOD_MS));
        },
        (i * PERIOD_MS) / n,
      );
      timers.push(start);
    });
    await waitUntil(() => seen.size === n, `every meter's state on MQTT`, {
      context: () => daemon.stderr().slice(-3000),
      process: daemon,
      timeoutMs: 30_000,
    });
    await sleep(WARMUP_S * 1000);
    measuring = true;
    const cpu0 = cpuMs(daemon.pid);
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const cpu1 = cpuMs(daemon.pid);
    const wall = performance.now() - t0;
    measuring = false;
    const sys = cpu1.sys - cpu0.sys;
    return {
      cpuPct: ((cpu1.user - cpu0.user + sys) / wall) * 100,
      sysPct: (sys / wall) * 100,
      peakRssMb: peakRssMb(daemon.pid),
      latenciesMs: latencies,
      telegrams: sent,
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    await daemon.stop('SIGTERM');
    sub.end(true);
    for (const m of meters) {
      m.socket?.destroy();
      m.server.close();
    }
    await broker.close();
    dir.remove();
  }
}

export async function run(opts: { quick: boolean; only?: string }): Promise<Row[]> {
  const rows: Row[] = [];
  const counts = opts.quick ? [1, 10] : [1, 10, 100];
  const flags: Array<['service' | 'default', Record<string, string>]> = opts.quick
    ? [['service', SERVICE_ENV]]
    : [
        ['service', SERVICE_ENV],
        ['default', {}],
      ];
  for (const n of counts)
    for (const [flag, env] of flags) {
      const name = `meters-${n}-${flag}`;
      if (opts.only && !name.includes(opts.only)) continue;
      const r = await measureMeters(n, opts.quick ? 3 : 15, env);
      const sorted = [...r.latenciesMs].sort((a, b) => a - b);
      rows.push({
        case: name,
        cpu_pct: round(r.cpuPct, 2),
        sys_pct: round(r.sysPct, 2),
        peak_rss_mb: round(r.peakRssMb, 1),
        p50_ms: round(percentile(sorted, 50)),
        p99_ms: round(percentile(sorted, 99)),
        telegrams: r.telegrams,
      });
    }
  return rows;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run({ quick: process.argv.includes('--quick') }))
    process.stdout.write(JSON.stringify(r) + '\n');
}
