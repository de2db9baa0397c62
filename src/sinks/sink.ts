import type { MeterSnapshot } from '../model/snapshot.js';
import type { HistoryReader } from '../store/history-types.js';

/**
 * A sink receives every decoded telegram. Each sink fails alone: it logs, counts and retries itself; an error
 * it throws from `handle` is caught and counted by the hub and never stops the meter reading.
 */
export interface Sink {
  /** Short stable name used in logs and status (`solarview`, `mqtt`, `history`, …). */
  readonly name: string;
  /** Opens connections / files. Must not throw for an unreachable peer: retry in the background instead. */
  start?(): Promise<void>;
  /** Hands one snapshot on. Should return quickly (queue, then deliver asynchronously where I/O may block). */
  handle(snapshot: MeterSnapshot): Promise<void> | void;
  /**
   * A sink that commits what `handle` took later than on return (the MQTT outbox per tick, history per batch):
   * resolves once everything handed to it so far is durable, committing soon (not at the next tick) when asked.
   * A source that acknowledges upstream (MQTT QoS 1) waits for it, so a kill never loses an acknowledged
   * telegram. Sinks that commit before `handle` returns (PostgreSQL, line protocol) leave it out.
   */
  persisted?(): Promise<void>;
  /** Flushes and closes; must finish within ~1.5 s (SIGTERM budget is 2 s). */
  stop?(): Promise<void>;
  /**
   * A meter was removed from the config (SIGHUP reload): drop what is kept for it (MQTT marks it offline and
   * stops republishing its discovery). Its stored data stays.
   */
  forgetMeter?(meter: string): void;
  /** A sink that keeps history offers its reader to the dashboard and the JSON API (the history sink). */
  readonly history?: HistoryReader;
  /** Optional health for the status page / diagnostics topic / metrics. */
  status?(): SinkStatus;
}

export interface SinkStatus {
  ok: boolean;
  /** Human-readable state, e.g. `connected`, `broker unreachable: ECONNREFUSED`. */
  state: string;
  /** Items waiting for delivery (MQTT outbox backlog). */
  backlog?: number;
  /** Items dropped because a bound was reached. */
  dropped?: number;
  lastError?: string;
}
