/**
 * A real PostgreSQL server from Debian's package for tests: a fresh cluster in a temp dir (initdb as the
 * `postgres` user — PostgreSQL refuses to run as root), listening on 127.0.0.1 at a free port with password
 * authentication (scram-sha-256), fsync off. `stop()` and `start()` stop and restart the same cluster (outage
 * tests); `close()` stops it and removes the dir; every server is killed when the test process exits.
 *
 * Skips (returns undefined) where it cannot run: no server binaries (scripts/ensure-test-deps.sh installs
 * `postgresql`), not root, or no `postgres` user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.js';

export const PG_PASSWORD = 'kaifareader-test-password';

export interface Postgres {
  port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (password separate: `PG_PASSWORD`). */
  url: string;
  /** Runs SQL through psql as the superuser; returns stdout (unaligned, tuples only, `|` separated). */
  sql(text: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Why a real PostgreSQL cannot run here, or undefined when it can. */
export function postgresUnavailable(): string | undefined {
  if (!binDir()) return 'PostgreSQL server binaries missing (apt-get install postgresql)';
  if (process.getuid?.() !== 0) return 'needs root to run the server as the postgres user';
  if (!postgresUser()) return 'no postgres user';
  return undefined;
}

const AS_POSTGRES = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'];

export async function startPostgres(): Promise<Postgres | undefined> {
  if (postgresUnavailable()) return undefined;
  const bin = binDir()!;
  const user = postgresUser()!;
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-pg-'));
  chownSync(dir, user.uid, user.gid);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`);
  chownSync(pwfile, user.uid, user.gid);
  const data = join(dir, 'data');
  const init = spawnSync(
    AS_POSTGRES[0]!,
    [
      ...AS_POSTGRES.slice(1),
      join(bin, 'initdb'),
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${pwfile}`,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}${init.stdout}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  const psql = (text: string) => {
    const r = spawnSync(
      join(bin, 'psql'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        text,
      ],
      { encoding: 'utf8', env: { ...process.env, PGPASSWORD: PG_PASSWORD } },
    );
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
    return r.stdout;
  };
  const ready = async () => {
    for (let i = 0; i < 200; i++) {
      const r = spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
      if (r.status === 0) return;
      if (child?.exitCode !== null && child?.exitCode !== undefined) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`PostgreSQL did not come up on port ${port}:\n${log}`);
  };
  const start = async () => {
    child = spawn(
      AS_POSTGRES[0]!,
      [
        ...AS_POSTGRES.slice(1),
        join(bin, 'postgres'),
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    live.add(child);
    child.stdout!.on('data', (d: Buffer) => (log += d));
    child.stderr!.on('data', (d: Buffer) => (log += d));
    await ready();
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((res) => {
      c.once('exit', () => res());
      c.kill('SIGINT'); // fast shutdown
      setTimeout(() => c.kill('SIGKILL'), 5000).unref();
    });
    live.delete(c);
  };
  await start();
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    sql: psql,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
