/**
 * Is the pipeline alive? Decides whether the daemon may send systemd its watchdog keep-alive (`WATCHDOG=1`).
 * Pure: the caller passes the clock and what it saw of the byte source.
 *
 * The keep-alive is sent from a timer, so a blocked event loop sends none by itself; this adds the input side:
 *   - source `open`: healthy while bytes were read within `silenceLimitMs` (a meter pushes every 1–15 s; a
 *     wedged USB adapter or a read that never returns stays silent for ever, and a restart reopens the port);
 *   - source `error`: the reconnect loop is retrying on its own timer (unplugged adapter, broker gone) — healthy;
 *   - `connecting` (or nothing reported yet): healthy for `silenceLimitMs`, then an open that never finishes;
 *   - `ended` (a replay without loop): nothing is left to watch — healthy.
 */
import type { SourceState } from '../transport/types.js';

/** What the daemon's source did last, recorded by `observeSource` (service-link.ts). */
export interface SourceActivity {
  state: SourceState['state'] | 'starting';
  /** When `state` was entered, ms since the epoch. */
  stateAt: number;
  /** Last chunk read, ms since the epoch. */
  lastReadAt?: number;
}

export interface PipelineHealth {
  healthy: boolean;
  /** Short reason for the STATUS= line and the log, e.g. `no bytes read for 312 s`. */
  reason: string;
}

/** Default silence before the watchdog stops: 5 min, 20× the slowest common push interval (15 s). */
export const DEFAULT_SILENCE_LIMIT_MS = 300_000;

export function pipelineHealth(a: SourceActivity, now: number, silenceLimitMs: number): PipelineHealth {
  const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;
  switch (a.state) {
    case 'ended':
      return { healthy: true, reason: 'source ended' };
    case 'error':
      return { healthy: true, reason: 'source reconnecting' };
    case 'starting':
    case 'connecting': {
      const waited = now - a.stateAt;
      return waited <= silenceLimitMs
        ? { healthy: true, reason: 'source opening' }
        : { healthy: false, reason: `source still opening after ${seconds(waited)}` };
    }
    case 'open': {
      const since = Math.max(a.lastReadAt ?? a.stateAt, a.stateAt);
      const silent = now - since;
      if (silent <= silenceLimitMs) return { healthy: true, reason: 'reading' };
      return {
        healthy: false,
        reason:
          a.lastReadAt === undefined
            ? `no bytes read for ${seconds(silent)} since the source opened`
            : `no bytes read for ${seconds(silent)}`,
      };
    }
  }
}

/** Records source events into `a` (mutates it): the daemon's `onData`/`onState` pass through here. */
export function recordRead(a: SourceActivity, now: number): void {
  a.lastReadAt = now;
}

export function recordState(a: SourceActivity, state: SourceState, now: number): void {
  if (state.state === a.state) return;
  a.state = state.state;
  a.stateAt = now;
}
