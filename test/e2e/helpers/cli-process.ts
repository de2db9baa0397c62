/**
 * E2E helper: runs the built CLI (`bin/kaifareader`, which loads dist/) as a real child process and collects its
 * stdout and stderr as text. Every process started here is killed when the test process exits, so a failing test
 * leaks nothing; `stop()` sends a signal and resolves with the exit code.
 *
 * Build first: `npx tsc -p tsconfig.json` (npm test does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = join(ROOT, 'bin', 'kaifareader');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  pid: number;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far (the daemon logs here). */
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** The exit once the process is gone, else undefined. */
  exit(): Exit | undefined;
  /** Sends `signal` (default SIGTERM) unless already gone; waits for the exit (SIGKILL after `killAfterMs`). */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<Exit>;
}

const live = new Set<ChildProcess>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Throws a message saying what to do when dist/ has not been built. */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: build first with `npx tsc -p tsconfig.json` (npm test does it)');
  }
}

/** Starts `node [nodeArgs] bin/kaifareader args…` with `env` added to (or, when undefined, removed from) ours. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  nodeArgs: string[] = [],
): CliProcess {
  assertBuilt();
  return runNode(BIN, args, env, nodeArgs);
}

/** Starts `node [nodeArgs] script args…` the same way (bench/floor.ts runs its platform-floor worker so). */
export function runNode(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  nodeArgs: string[] = [],
): CliProcess {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, JOURNAL_STREAM: undefined, KAIFAREADER_KEY: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  installExitHook();
  live.add(child);
  let out = '';
  let err = '';
  let gone: Exit | undefined;
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      gone = { code, signal };
      resolve(gone);
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 5000): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { pid: child.pid!, stdout: () => out, stderr: () => err, exited, exit: () => gone, stop };
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Printed with a failure, e.g. the daemon's log. */
  context?: () => string;
  /** Give up at once when this process has exited (it will never do what we wait for). */
  process?: CliProcess;
}

/**
 * Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (throws with `what` and, when
 * given, `context()` — e.g. the daemon's log — so a failure says what was seen).
 */
export async function waitUntil<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const v = await check();
    if (v) return v;
    const exit = opts.process?.exit();
    if (exit || Date.now() > deadline) {
      const why = exit
        ? `the process exited (${exit.code ?? exit.signal}) while waiting`
        : 'timed out waiting';
      const ctx = opts.context ? `\n--- context ---\n${opts.context()}` : '';
      throw new Error(`${why} for ${what}${ctx}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for configs that do not accept port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Occurrences of `text` in `haystack`. */
export function countOf(haystack: string, text: string): number {
  return haystack.split(text).length - 1;
}
