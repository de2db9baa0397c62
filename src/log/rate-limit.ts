/**
 * Repeated errors (same code) are logged once per interval; the repeats are counted and summarised when the next
 * one arrives after the interval, or on `flush()`:
 *
 *   ERROR [pipeline] gcm.auth-failed: authentication tag mismatch …
 *   ERROR [pipeline] gcm.auth-failed: … repeated 57 times in the last 60 s
 *
 * No timers inside: the clock is injected and the daemon calls `flush()` from its own tick and on stop.
 */
import type { Logger } from './logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface RateLimitedLog {
  /** Logs `message` unless the same `code` was logged less than `intervalMs` ago (then it is counted). */
  log(level: Level, code: string, message: string, fields?: Record<string, unknown>): void;
  /** Emits summaries of windows that are over (`all`: of every window, e.g. at shutdown). */
  flush(opts?: { all?: boolean }): void;
}

interface Window {
  start: number;
  repeats: number;
  level: Level;
  message: string;
}

export function createRateLimitedLog(
  logger: Logger,
  opts: { intervalMs: number; now?: () => number },
): RateLimitedLog {
  const now = opts.now ?? Date.now;
  const windows = new Map<string, Window>();

  const summarise = (code: string, w: Window, t: number) => {
    if (w.repeats === 0) return;
    const seconds = Math.max(1, Math.round((t - w.start) / 1000));
    const times = w.repeats === 1 ? 'once more' : `${w.repeats} times`;
    logger[w.level](`${w.message} … repeated ${times} in the last ${seconds} s`, {
      code,
      repeats: w.repeats,
    });
    w.repeats = 0;
  };

  return {
    log(level, code, message, fields) {
      const t = now();
      const w = windows.get(code);
      if (w && t - w.start < opts.intervalMs) {
        w.repeats++;
        w.level = level;
        w.message = message;
        return;
      }
      if (w) summarise(code, w, t);
      windows.set(code, { start: t, repeats: 0, level, message });
      logger[level](message, { code, ...fields });
    },
    flush(flushOpts) {
      const t = now();
      for (const [code, w] of windows) {
        if (flushOpts?.all || t - w.start >= opts.intervalMs) {
          summarise(code, w, t);
          windows.delete(code);
        }
      }
    },
  };
}
