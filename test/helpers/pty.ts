/**
 * Test helper: a real pseudo-terminal pair made by socat, so serial code is tested against a real tty.
 *
 *   socat -d -d pty,raw,echo=0,link=<dir>/a pty,raw,echo=0,link=<dir>/b
 *
 * Bytes written to `a` come out of `b` and back. `createPtyPair()` resolves once both links exist and socat says
 * "starting data transfer loop"; `close()` kills socat (TERM, then KILL), waits for it to exit and removes the
 * temp dir it made. Pass `{ a, b }` to put the links at fixed paths (e.g. to recreate a pair at the same path
 * after "unplugging" it). socat is also killed when the test process exits, so a failing test leaks nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** Path of one end (a symlink to /dev/pts/N). */
  a: string;
  /** Path of the other end. */
  b: string;
  /** socat's pid (for tests that want to see it gone). */
  pid: number;
  /** Kills socat, waits for it, removes the temp dir. Safe to call twice. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  a?: string;
  b?: string;
  /** How long to wait for socat to come up, default 5000 ms. */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function waitForExit(child: ChildProcess, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = options.a && options.b ? undefined : mkdtempSync(join(tmpdir(), 'kaifareader-pty-'));
  const a = options.a ?? join(ownDir!, 'a');
  const b = options.b ?? join(ownDir!, 'b');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  installExitHook();
  live.add(child);
  let stderr = '';
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await waitForExit(child, 2000);
    live.delete(child);
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 5000;
      const timer = setTimeout(
        () => reject(new Error(`socat did not create ${a} and ${b} within ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      const check = (): void => {
        if (stderr.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        if (stderr.length < 64 * 1024) stderr += text;
        check();
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run socat (apt-get install socat): ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`socat exited early (${code ?? signal}): ${stderr}`));
      });
    });
  } catch (e) {
    await close();
    throw e;
  }
  child.removeAllListeners('exit');
  // stderr keeps draining (so socat never blocks on a full pipe); neither it nor socat keeps the test alive
  // when a test forgets close(): the exit hook above kills socat.
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return { a, b, pid: child.pid!, close };
}
