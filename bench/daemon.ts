/**
 * Daemon benchmark: the real `kaifareader` process (spawned CLI, old meter.json, Solarview export) reading a real
 * pty pair (socat), fed recorded Vorarlberg Kaifa MA309 telegrams (2 M-Bus frames, 376 bytes, SC 0x21).
 *
 * Method: the daemon is started and the benchmark waits until it holds the port open. Each telegram is written
 * as the meter sends it — first frame, a short gap, second frame — and the clock starts when the write of its
 * last byte returns. It stops when `fs.watch` on the export directory reports the Solarview file replaced
 * (the sink writes a temp file and renames it over `kaifa.txt`). Then a pause, so telegrams never overlap.
 * The first WARMUP telegrams are not counted (JIT, first file creation).
 *
 * Cases:
 *   daemon-latency   last byte written → Solarview file replaced: median, p95, max (ms). Target ≤ 10 ms; the old
 *                    Python script returns from its read only after the serial timeout (~1000 ms).
 *   daemon-memory    the daemon's peak RSS (VmHWM from /proc/<pid>/status at the end) next to a bare `node -e`
 *                    (same measurement). Target ≤ 60 MB. What it is made of (measured 2026-11): ~40 MB are pages of
 *                    the node binary itself (file-backed, shared with every node process; bare node touches ~34 MB),
 *                    ~20–25 MB anonymous: the V8 heap (~7–10 MB live, young generation up to 16 MB per semi-space
 *                    before GC), compiled code, malloc arenas. The optional sinks are imported only when configured
 *                    (mqtt alone was +15 MB); `--max-semi-space-size=1` takes off another 3–7 MB;
 *                    importing `@serialport/stream` + `@serialport/bindings-cpp` instead of the `serialport`
 *                    meta-package (all parsers) ~5 MB.
 *   daemon-cpu       the daemon's CPU time (utime + stime from /proc/<pid>/stat) over the measured telegrams,
 *                    divided by their number: everything the process does per telegram (read, decode, log
 *                    line, file write).
 *   daemon-all-*     the same with every sink on (a meters config: the Solarview file, history, the dashboard
 *                    on 127.0.0.1, MQTT to a real mosquitto), with node's defaults and under the service's flags
 *                    (`_service` columns). Target (issue 12): ≤ 0.4 ms CPU per telegram, ≤ 60 MB under the
 *                    service's flags.
 *
 * Needs Linux (/proc), socat and a built dist/ (`npm run bench` builds). Runnable alone:
 *   node --import tsx bench/daemon.ts [--quick]
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, watch, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPtyPair } from '../test/helpers/pty.js';
import { loadVector } from '../test/helpers/vectors.js';
import { assertBuilt, runCli, waitUntil, type CliProcess } from '../test/e2e/helpers/cli-process.js';
import { holdsOpen, makeTempDir, writeLegacyConfig } from '../test/e2e/helpers/daemon-fixtures.js';
import { freePort, startMosquitto, type Mosquitto } from '../test/helpers/mosquitto.js';
import { writeFileSync } from 'node:fs';
import { cpuTimesMs, peakRssMb, percentile, round, vmHwmMb } from './proc-stats.js';

type Row = Record<string, number | string>;

export interface BenchOptions {
  quick: boolean;
  only?: string;
}

export const caseNames = [
  'daemon-latency',
  'daemon-memory',
  'daemon-memory-service',
  'daemon-cpu',
  'daemon-all-latency',
  'daemon-all-memory',
  'daemon-all-cpu',
];

const WARMUP = 5;
/** Gap between the two frames of a telegram (a real MA309 leaves ~200 ms; the daemon may not wait for it). */
const FRAME_GAP_MS = 5;
/** Pause after each telegram's file update before the next telegram. */
const PAUSE_MS = 15;
const FILE = 'kaifa.txt';

function cpuMs(pid: number): number {
  const t = cpuTimesMs(pid);
  return t.user + t.sys;
}

/** Peak RSS of a bare `node -e` that only reads its own VmHWM. */
function bareNodeRssMb(): number {
  const out = execFileSync(
    process.execPath,
    ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/status','utf8'))"],
    {
      encoding: 'utf8',
    },
  );
  return vmHwmMb(out, "a bare node's /proc/self/status");
}

export interface Measured {
  latenciesMs: number[];
  peakRssMb: number;
  cpuMsPerTelegram: number;
}

/**
 * Which sinks the daemon runs: `solarview` = the old meter.json with only the Solarview export; `all` = a meters
 * config with the Solarview file, history, the dashboard (HTTP on 127.0.0.1) and MQTT to a real mosquitto.
 */
export type SinkSet = 'solarview' | 'all';

/** What a process under measurement reads and writes (bench/floor.ts starts its floor worker with it). */
export interface PtyRun {
  /** The pty end the process reads (the meter's port). */
  port: string;
  keyHex: string;
  dir: string;
  /** The Solarview file (`kaifa.txt` in `dir`): the measurement waits for its replace. */
  file: string;
  sinks: SinkSet;
  /** With every sink on: the broker and a free port for HTTP. */
  brokerUrl?: string;
  httpPort?: number;
}

export type PtyLauncher = (run: PtyRun, env: Record<string, string>, nodeArgs: string[]) => CliProcess;

/** `kaifareader` itself: the old meter.json (Solarview only) or a meters config with every sink. */
const launchDaemon: PtyLauncher = (r, env, nodeArgs) => {
  let config: string;
  if (r.sinks === 'all') {
    config = join(r.dir, 'meter.json');
    writeFileSync(
      config,
      JSON.stringify({
        meters: [{ id: 'home', source: r.port, key: r.keyHex }],
        data_dir: r.dir,
        logging: { level: 'info' },
        exports: {
          solarview: { file: r.file },
          mqtt: { url: r.brokerUrl, base_topic: 'kaifa' },
          history: { path: join(r.dir, 'history.db') },
        },
        http: { host: '127.0.0.1', port: r.httpPort },
      }),
      { mode: 0o600 },
    );
  } else {
    config = writeLegacyConfig(r.dir, {
      port: r.port,
      key_hex_string: r.keyHex,
      logfile: undefined,
      export_file_abspath: r.file,
    });
  }
  return runCli(['--config', config], env, nodeArgs);
};

/**
 * Runs the daemon (with extra `env` / node flags, for experiments such as `--max-semi-space-size=1`), or what
 * `launch` starts in its place on the same pty, files and broker.
 */
export async function measure(
  telegrams: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  sinks: SinkSet = 'solarview',
  launch: PtyLauncher = launchDaemon,
): Promise<Measured> {
  assertBuilt();
  const v = loadVector('vorarlberg_philippsev-vkw_1');
  if (!v.key_hex) throw new Error('the Vorarlberg vector has no key');
  const frames = v.frames_hex.map((h) => Buffer.from(h, 'hex'));
  const dir = makeTempDir('kaifareader-bench-');
  const pty = await createPtyPair();
  const broker: Mosquitto | undefined = sinks === 'all' ? await startMosquitto() : undefined;
  const run: PtyRun = { port: pty.b, keyHex: v.key_hex, dir: dir.path, file: join(dir.path, FILE), sinks };
  if (broker) Object.assign(run, { brokerUrl: broker.url, httpPort: await freePort() });
  const daemon = launch(run, env, nodeArgs);
  let fd: number | undefined;
  const watcher = watch(dir.path);
  try {
    await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
      context: () => daemon.stderr(),
      process: daemon,
    });
    let replaced: (() => void) | undefined;
    watcher.on('change', (event, name) => {
      if (event === 'rename' && name === FILE) replaced?.();
    });
    fd = openSync(pty.a, 'w');
    const latenciesMs: number[] = [];
    let cpuStart = 0;
    for (let i = 0; i < WARMUP + telegrams; i++) {
      if (i === WARMUP) cpuStart = cpuMs(daemon.pid);
      const seen = new Promise<number>((resolve) => (replaced = () => resolve(performance.now())));
      writeSync(fd, frames[0]!);
      await sleep(FRAME_GAP_MS);
      writeSync(fd, frames[1]!);
      const t0 = performance.now();
      const timeout = sleep(5000).then(() => NaN);
      const t1 = await Promise.race([seen, timeout]);
      replaced = undefined;
      if (Number.isNaN(t1))
        throw new Error(`telegram ${i}: the Solarview file was not replaced within 5 s\n${daemon.stderr()}`);
      if (i >= WARMUP) latenciesMs.push(t1 - t0);
      await sleep(PAUSE_MS);
    }
    const cpu = cpuMs(daemon.pid) - cpuStart;
    return { latenciesMs, peakRssMb: peakRssMb(daemon.pid), cpuMsPerTelegram: cpu / telegrams };
  } finally {
    watcher.close();
    if (fd !== undefined) closeSync(fd);
    await daemon.stop('SIGTERM');
    await pty.close();
    await broker?.close();
    dir.remove();
  }
}

/** The environment the systemd unit sets (keep in sync with packaging/kaifareader.service). */
export const SERVICE_ENV = { NODE_OPTIONS: '--jitless --max-semi-space-size=1', MALLOC_ARENA_MAX: '2' };

export async function run(opts: BenchOptions): Promise<Row[]> {
  const wanted = caseNames.filter((c) => !opts.only || c.includes(opts.only));
  if (wanted.length === 0) return [];
  const telegrams = opts.quick ? 30 : 300;
  const rows: Row[] = [];
  const latencyRow = (name: string, m: Measured): Row => {
    const sorted = [...m.latenciesMs].sort((a, b) => a - b);
    return {
      case: name,
      median_ms: round(percentile(sorted, 50)),
      p95_ms: round(percentile(sorted, 95)),
      max_ms: round(sorted.at(-1)!),
      telegrams,
    };
  };
  if (wanted.some((c) => !c.startsWith('daemon-all'))) {
    const m = await measure(telegrams);
    rows.push(
      latencyRow('daemon-latency', m),
      {
        case: 'daemon-memory',
        peak_rss_mb: round(m.peakRssMb, 1),
        bare_node_rss_mb: round(bareNodeRssMb(), 1),
      },
      // The daemon as packaging/kaifareader.service runs it (its Environment= lines).
      {
        case: 'daemon-memory-service',
        peak_rss_mb: round((await measure(telegrams, SERVICE_ENV)).peakRssMb, 1),
      },
      { case: 'daemon-cpu', cpu_ms_per_telegram: round(m.cpuMsPerTelegram, 3) },
    );
  }
  if (wanted.some((c) => c.startsWith('daemon-all'))) {
    const m = await measure(telegrams, {}, [], 'all');
    const s = await measure(telegrams, SERVICE_ENV, [], 'all');
    rows.push(
      latencyRow('daemon-all-latency', m),
      {
        case: 'daemon-all-memory',
        peak_rss_mb: round(m.peakRssMb, 1),
        peak_rss_mb_service: round(s.peakRssMb, 1),
      },
      {
        case: 'daemon-all-cpu',
        cpu_ms_per_telegram: round(m.cpuMsPerTelegram, 3),
        cpu_ms_per_telegram_service: round(s.cpuMsPerTelegram, 3),
      },
    );
  }
  return rows.filter((r) => wanted.includes(r.case as string));
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run({ quick: process.argv.includes('--quick') });
  for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
}
