/**
 * Helpers for the packaging tests: run a tool, fail with a clear message when a Debian tool is missing
 * (CI installs them in .ci/run), and parse systemd unit files.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `${cmd} is not installed: run .ci/run (it installs dpkg-dev, lintian, fakeroot and systemd)`,
    );
  }
  if (r.error) throw r.error;
  return r;
}

/** Runs a command that must succeed; its output on failure goes into the error. */
export function runOk(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `systemd-analyze security` prints "→ Overall exposure level for x.service: 1.7 OK 🙂". */
export function parseExposure(output: string): number {
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(output);
  if (!m || m[1] === undefined) throw new Error(`no exposure level in systemd-analyze output:\n${output}`);
  return Number(m[1]);
}

/** A unit file as section → key → values (keys may repeat); comments and blank lines dropped. */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section && section[1] !== undefined) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`unit line outside a section or without '=': ${raw}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}
