/**
 * The main job: read every configured meter forever and hand every reading on.
 *
 *   meter 1: ByteSource → TelegramDecoder → StatusTracker ─┐
 *   meter 2: ByteSource → TelegramDecoder → StatusTracker ─┼→ SinkHub (solarview, mqtt, history …)
 *   …                                                      ┘   each meter only to the sinks its `exports` names
 *
 * One MeterReader per meter (meter-reader.ts) owns its source, decoder, status and log lines; the StatusHub
 * combines their status. `reconfigure` (SIGHUP) starts added meters, stops removed ones and restarts changed
 * ones, leaving the others running. Everything is injected (meters, sources, sinks, clock), so tests and the
 * demo build the same daemon.
 */
import type { ByteSource } from '../transport/types.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../log/logger.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import { createRateLimitedLog } from '../log/rate-limit.js';
import { SinkHub } from './sink-hub.js';
import { StatusHub } from './status-hub.js';
import { createMeterReader, type MeterReader, type MeterReaderConfig } from './meter-reader.js';
import { meterFingerprint } from './meter-fingerprint.js';
import type { ReplayGuard } from './invocation-counters.js';

export interface DaemonMeter extends MeterReaderConfig {
  /** Sink names this meter feeds; undefined = every sink. */
  exports?: readonly string[];
  /** The configured source (compared on reload; the daemon opens it through `sourceFor`). */
  source?: unknown;
}

/** `M`: the caller's meter type (the config's MeterConfig), handed back to `sourceFor` as it was given. */
export interface DaemonOptions<M extends DaemonMeter = DaemonMeter> {
  meters: readonly M[];
  /** Builds a meter's byte source (the configured port, the demo's simulator, a test's fake). */
  sourceFor: (meter: M) => ByteSource;
  /** The replay guard of a meter whose telegrams cross a network (MQTT sources), else undefined. */
  replayGuardFor?: (meter: M) => ReplayGuard | undefined;
  sinks: readonly Sink[];
  /** The status the sinks were given (created before them); a new one when absent. */
  status?: StatusHub;
  logger: Logger;
  now?: () => number;
  /** Diagnosis refresh period (ms), default 5000. */
  tickMs?: number;
  /** Period of each meter's info-level summary line, default 5 min. */
  summaryIntervalMs?: number;
}

/** What a reload changed, by meter id (for its log line). */
export interface ReconfigureResult {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface Daemon<M extends DaemonMeter = DaemonMeter> {
  start(): Promise<void>;
  /** Finishes the telegram in hand, flushes the sinks, closes the sources. */
  stop(): Promise<void>;
  readonly status: StatusHub;
  /** The configured meter ids, in config order. */
  meters(): string[];
  /** The last snapshot of a meter (default: the first meter). */
  latest(meter?: string): MeterSnapshot | undefined;
  /** Every meter's snapshots. */
  subscribe(listener: (s: MeterSnapshot) => void): () => void;
  /** Applies a new meter list (SIGHUP): added meters start, removed ones stop, changed ones restart. */
  reconfigure(meters: readonly M[]): Promise<ReconfigureResult>;
}

export function createDaemon<M extends DaemonMeter>(opts: DaemonOptions<M>): Daemon<M> {
  const now = opts.now ?? Date.now;
  const status = opts.status ?? new StatusHub(now());
  const hub = new SinkHub(
    opts.sinks,
    createRateLimitedLog(opts.logger.child('sinks'), { intervalMs: 60_000, now }),
  );
  status.setSinkStatus(() => hub.status());
  const listeners = new Set<(s: MeterSnapshot) => void>();
  let readers: MeterReader[] = [];
  const routes = new Map<string, ReadonlySet<string> | undefined>();
  const prints = new Map<string, string>();
  let running = false;

  const reader = (m: M): MeterReader => {
    routes.set(m.id, m.exports ? new Set(m.exports) : undefined);
    prints.set(m.id, meterFingerprint(m));
    return createMeterReader({
      meter: m,
      source: opts.sourceFor(m),
      replayGuard: opts.replayGuardFor?.(m),
      logger: opts.logger,
      now,
      tickMs: opts.tickMs,
      summaryIntervalMs: opts.summaryIntervalMs,
      onTelegram(snapshot, durable) {
        const kept = hub.dispatch(snapshot, routes.get(snapshot.meter), durable);
        for (const l of listeners) l(snapshot);
        return kept;
      },
    });
  };
  readers = opts.meters.map(reader);
  status.setMeters(readers.map((r) => r.status));

  return {
    status,
    meters: () => readers.map((r) => r.id),
    latest(meter) {
      const r = meter === undefined ? readers[0] : readers.find((x) => x.id === meter);
      return r?.latest();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      await hub.start();
      running = true;
      for (const r of readers) r.start();
    },
    async stop() {
      running = false;
      await Promise.all(readers.map((r) => r.stop()));
      await hub.stop(1200);
    },
    async reconfigure(meters) {
      const result: ReconfigureResult = { added: [], removed: [], changed: [] };
      const wanted = new Map(meters.map((m) => [m.id, m]));
      const stopping: MeterReader[] = [];
      const next: MeterReader[] = [];
      for (const r of readers) {
        const m = wanted.get(r.id);
        if (!m) {
          result.removed.push(r.id);
          stopping.push(r);
        } else if (meterFingerprint(m) !== prints.get(r.id)) {
          result.changed.push(r.id);
          stopping.push(r);
        }
      }
      // A changed meter's old source must be closed before the new one opens the same port.
      await Promise.all(stopping.map((r) => r.stop()));
      for (const id of result.removed) {
        routes.delete(id);
        prints.delete(id);
      }
      for (const m of meters) {
        const kept = readers.find((r) => r.id === m.id && !stopping.includes(r));
        if (kept) next.push(kept);
        else {
          if (!result.changed.includes(m.id)) result.added.push(m.id);
          const r = reader(m);
          next.push(r);
          if (running) r.start();
        }
      }
      readers = next;
      status.setMeters(readers.map((r) => r.status));
      return result;
    },
  };
}
