/**
 * Talks the sd_notify protocol to systemd by spawning `systemd-notify VAR=VALUE…`: Node cannot send on an AF_UNIX
 * datagram socket, and the npm notify modules compile with node-gyp (no armhf prebuilds).
 *
 * How systemd attributes a message from this short-lived child (checked against systemd 252 in Debian 12 and the
 * systemd-notify of the 257 era, src/notify/notify.c; see docs/install.md "Readiness and watchdog"):
 *   - systemd-notify first tries to send with its parent's (our) PID as SCM_CREDENTIALS; that needs
 *     CAP_SYS_ADMIN, which the unit's empty CapabilityBoundingSet= denies, so it falls back to its own PID.
 *     The unit therefore needs NotifyAccess=all (main would drop every message); `--pid=` would only add
 *     MAINPID=<same pid>, so it is not passed.
 *   - Without --no-block it then sends BARRIER=1 and waits (≤ 5 s) until PID 1 has processed the message, so the
 *     sender is still alive when systemd looks up its cgroup: the race of "a child that exits at once" is closed
 *     by the tool itself in both versions.
 *
 * Never throws: a missing binary or a failed send is a warning, at most one per cause per 10 minutes. At most one
 * child runs at a time; fields sent while one runs are merged (the newest value of each wins) and go next.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log/logger.js';
import { createRateLimitedLog } from '../log/rate-limit.js';

export interface SystemdNotify {
  /** True when $NOTIFY_SOCKET is set, i.e. systemd (Type=notify) waits for our messages. */
  readonly enabled: boolean;
  /** Keep-alive period (half of $WATCHDOG_USEC) when systemd watches this process, else undefined. */
  readonly watchdogIntervalMs?: number;
  /** Sends `{READY: '1', STATUS: '…'}` as `READY=1 STATUS=…`; resolves when sent (or failed, logged). */
  send(fields: Record<string, string>): Promise<void>;
}

export type SpawnFn = (command: string, args: string[]) => ChildProcess;

export interface SystemdNotifyOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The process whose $WATCHDOG_PID must match (default process.pid). */
  pid?: number;
  command?: string;
  spawn?: SpawnFn;
  now?: () => number;
  /** A child still running after this is killed (default 10 s; systemd-notify's own barrier waits 5 s). */
  timeoutMs?: number;
}

/** Half the watchdog period, as sd_watchdog_enabled(3) advises; undefined when not watched or not for us. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid)
    return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** One field per argument, on one line each: a newline would start a new field in the datagram. */
function toArgs(fields: Record<string, string>): string[] {
  return Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}`);
}

export function createSystemdNotify(opts: SystemdNotifyOptions): SystemdNotify {
  const socket = opts.env.NOTIFY_SOCKET;
  const enabled = socket !== undefined && socket !== '';
  const command = opts.command ?? 'systemd-notify';
  const spawn: SpawnFn = opts.spawn ?? ((c, a) => nodeSpawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'] }));
  const warn = createRateLimitedLog(opts.logger, { intervalMs: 600_000, now: opts.now });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let running: Promise<void> | undefined;
  let pending: Record<string, string> | undefined;
  let waiters: (() => void)[] = [];

  const runOne = (fields: Record<string, string>): Promise<void> =>
    new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(command, toArgs(fields));
      } catch (err) {
        warn.log('warn', 'spawn', `cannot run ${command}: ${(err as Error).message}`);
        resolve();
        return;
      }
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 500) stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        warn.log(
          'warn',
          err.code ?? 'spawn',
          err.code === 'ENOENT'
            ? `${command} not found: systemd does not hear that the service is ready; install the systemd package or set Type=exec in a drop-in (systemctl edit kaifareader)`
            : `cannot run ${command}: ${err.message}`,
        );
        done();
      });
      child.once('close', (code, signal) => {
        if (code !== 0) {
          const why = signal ? `killed by ${signal}` : `exit ${code}`;
          warn.log('warn', 'failed', `${command} failed (${why}): ${stderr.trim() || 'no message'}`);
        }
        done();
      });
    });

  const drain = async (): Promise<void> => {
    while (pending) {
      const fields = pending;
      pending = undefined;
      const these = waiters;
      waiters = [];
      await runOne(fields);
      for (const w of these) w();
    }
    running = undefined;
  };

  return {
    enabled,
    watchdogIntervalMs: enabled ? watchdogIntervalMs(opts.env, opts.pid ?? process.pid) : undefined,
    send(fields) {
      if (!enabled) return Promise.resolve();
      pending = { ...pending, ...fields };
      const sent = new Promise<void>((resolve) => waiters.push(resolve));
      running ??= drain();
      return sent;
    },
  };
}
