/**
 * Real time-series servers from Debian's packages for tests, each in a temp dir on 127.0.0.1 at a free port, killed
 * when the test process exits: VictoriaMetrics (`victoria-metrics`, serves /write, /api/v2/write, /api/v1/export)
 * and InfluxDB 1.x (`influxd`, /write?db= and /query). `stop()`/`start()` keep the data (outage tests).
 * `tsdbUnavailable()` says why one cannot run (scripts/ensure-test-deps.sh installs both).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.js';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export function tsdbUnavailable(bin: 'victoria-metrics' | 'influxd'): string | undefined {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0
    ? undefined
    : `${bin} missing (apt-get install ${bin === 'influxd' ? 'influxdb' : 'victoria-metrics'})`;
}

export interface Tsdb {
  port: number;
  base: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
  log(): string;
}

async function serve(cmd: string, args: string[], port: number, health: string, dir: string): Promise<Tsdb> {
  let child: ChildProcess | undefined;
  let log = '';
  const base = `http://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.stdout!.on('data', (d: Buffer) => (log += d));
    child.stderr!.on('data', (d: Buffer) => (log += d));
    for (let i = 0; i < 300; i++) {
      try {
        const r = await fetch(base + health);
        if (r.status < 500) return;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${cmd} did not come up on ${port}:\n${log}`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((res) => {
      c.once('exit', () => res());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 5000).unref();
    });
    live.delete(c);
  };
  await start();
  return {
    port,
    base,
    start,
    stop,
    log: () => log,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** VictoriaMetrics; `auth` turns on HTTP basic auth (-httpAuth.*). */
export async function startVictoriaMetrics(auth?: { username: string; password: string }): Promise<Tsdb> {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-vm-'));
  const port = await freePort();
  const args = [
    `-storageDataPath=${join(dir, 'data')}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=100y',
    '-search.latencyOffset=0s',
    ...(auth ? [`-httpAuth.username=${auth.username}`, `-httpAuth.password=${auth.password}`] : []),
  ];
  return serve('victoria-metrics', args, port, '/health', dir);
}

/** VictoriaMetrics' stored samples of metrics matching `match`: one entry per series. */
export async function vmExport(
  vm: Tsdb,
  match: string,
  auth?: string,
): Promise<Array<{ metric: Record<string, string>; values: number[]; timestamps: number[] }>> {
  const headers: Record<string, string> = auth ? { authorization: auth } : {};
  await fetch(`${vm.base}/internal/force_flush`, { headers }).catch(() => undefined);
  const r = await fetch(`${vm.base}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0`, { headers });
  const text = await r.text();
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
}

/** InfluxDB 1.x with its meta, data and WAL in a temp dir; HTTP on a free port, no reporting. */
export async function startInfluxDb(): Promise<Tsdb> {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-influx-'));
  const port = await freePort();
  const rpc = await freePort();
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '',
    ].join('\n'),
  );
  return serve('influxd', ['-config', conf], port, '/ping', dir);
}

/** An InfluxQL statement through /query (POST); the JSON answer. */
export async function influxQuery(db: Tsdb, q: string, database?: string): Promise<unknown> {
  const body = new URLSearchParams({ q, ...(database ? { db: database, epoch: 'ms' } : {}) });
  const r = await fetch(`${db.base}/query`, { method: 'POST', body });
  return r.json();
}
