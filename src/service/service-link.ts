/**
 * The daemon's link to systemd (Type=notify, WatchdogSec=): READY=1 once sinks and sources are started, WATCHDOG=1
 * every WatchdogSec/2 while `pipelineHealth` says the pipeline is alive (with several meters: while any source
 * is, see combinedHealth), STOPPING=1 on shutdown, and a short
 * STATUS= line (shown by `systemctl status kaifareader`). Does nothing unless $NOTIFY_SOCKET is set.
 *
 * $KAIFAREADER_WATCHDOG_SILENCE_S (default 300) is how long an open source may stay silent before the keep-alive
 * stops and systemd restarts the service (a meter that pushes rarely needs more: `systemctl edit kaifareader`).
 */
import type { ByteSource } from '../transport/types.js';
import type { Logger } from '../log/logger.js';
import type { DaemonStatus } from '../status/status.js';
import {
  DEFAULT_SILENCE_LIMIT_MS,
  pipelineHealth,
  recordRead,
  recordState,
  type PipelineHealth,
  type SourceActivity,
} from './pipeline-health.js';
import { createSystemdNotify, type SystemdNotify } from './systemd-notify.js';

export interface ServiceLink {
  /** The source to hand to the daemon: the same bytes and states, recorded for the health check. */
  watch(source: ByteSource): ByteSource;
  /** READY=1 and the first STATUS=; starts the keep-alive timer when systemd watches us. */
  ready(status: () => DaemonStatus): Promise<void>;
  /** STOPPING=1; stops the timer. */
  stopping(): Promise<void>;
}

export interface ServiceLinkOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  now?: () => number;
  notify?: SystemdNotify;
}

/** `ok: 1234 telegrams, last 3 s ago` or `no-bytes: … — watchdog paused: no bytes read for 312 s`. */
export function statusLine(s: DaemonStatus, health: PipelineHealth, now: number): string {
  const last =
    s.lastTelegramAt === undefined
      ? ''
      : `, last ${Math.max(0, Math.round((now - s.lastTelegramAt) / 1000))} s ago`;
  const line = `${s.diagnosis.state}: ${s.telegramsOk} telegrams${last}`;
  return health.healthy ? line : `${line} — watchdog paused: ${health.reason}`;
}

/**
 * Several meters: the keep-alive stops only when no source is healthy. One meter whose adapter wedged must not
 * restart the service under the meters that still read (its own diagnosis shows the silence); when every source
 * is stuck, the process itself is the likely culprit and a restart is what helps. One meter: its own health.
 */
export function combinedHealth(
  activities: readonly SourceActivity[],
  now: number,
  limitMs: number,
): PipelineHealth {
  let firstBad: PipelineHealth | undefined;
  for (const a of activities) {
    const h = pipelineHealth(a, now, limitMs);
    if (h.healthy) return h;
    firstBad ??= h;
  }
  return firstBad ?? { healthy: true, reason: 'no source' };
}

function silenceLimitMs(env: NodeJS.ProcessEnv, logger: Logger): number {
  const raw = env.KAIFAREADER_WATCHDOG_SILENCE_S;
  if (raw === undefined || raw === '') return DEFAULT_SILENCE_LIMIT_MS;
  const s = Number(raw);
  if (Number.isFinite(s) && s > 0) return s * 1000;
  logger.warn(
    `KAIFAREADER_WATCHDOG_SILENCE_S=${raw} is not a number of seconds > 0: using ${DEFAULT_SILENCE_LIMIT_MS / 1000}`,
  );
  return DEFAULT_SILENCE_LIMIT_MS;
}

export function createServiceLink(opts: ServiceLinkOptions): ServiceLink {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child('systemd');
  const notify = opts.notify ?? createSystemdNotify({ env: opts.env, logger: log, now });
  /** One entry per watched source (one per meter). */
  const activities: SourceActivity[] = [];
  const health = (t: number) => combinedHealth(activities, t, limitMs);
  const limitMs = silenceLimitMs(opts.env, log);
  let timer: NodeJS.Timeout | undefined;
  let wasHealthy = true;

  return {
    watch(source) {
      if (!notify.enabled) return source;
      const activity: SourceActivity = { state: 'starting', stateAt: now() };
      activities.push(activity);
      return {
        describe: () => source.describe(),
        stop: () => source.stop(),
        start(onData, onState) {
          source.start(
            (chunk) => {
              recordRead(activity, now());
              onData(chunk);
            },
            (state) => {
              recordState(activity, state, now());
              onState?.(state);
            },
          );
        },
      };
    },
    async ready(status) {
      if (!notify.enabled) return;
      const t = now();
      await notify.send({
        READY: '1',
        STATUS: statusLine(status(), health(t), t),
      });
      const every = notify.watchdogIntervalMs;
      if (every === undefined) return;
      log.debug(`watchdog keep-alive every ${every} ms while the source is read`);
      // The keep-alive comes from this timer: a blocked event loop sends none, and systemd restarts the service.
      timer = setInterval(() => {
        const at = now();
        const h = health(at);
        if (h.healthy !== wasHealthy) {
          wasHealthy = h.healthy;
          if (h.healthy) log.info('watchdog: the source is read again, keep-alive resumed');
          else
            log.warn(
              `watchdog: ${h.reason}, keep-alive stopped: systemd restarts the service (WatchdogSec=) unless bytes arrive`,
            );
        }
        const fields: Record<string, string> = { STATUS: statusLine(status(), h, at) };
        if (h.healthy) fields.WATCHDOG = '1';
        void notify.send(fields);
      }, every);
      timer.unref();
    },
    async stopping() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (!notify.enabled) return;
      await notify.send({ STOPPING: '1', STATUS: 'stopping' });
    },
  };
}
