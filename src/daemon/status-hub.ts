/**
 * The daemon's status as everybody reads it (HTTP, MQTT diagnostics, /metrics, systemd): one StatusTracker per
 * meter, the sink hub's health, combined on demand. It exists before the sinks are built, so a sink that
 * publishes the status (MQTT) gets it in its context instead of being added to the daemon afterwards.
 *
 * The top level reads like one meter (a one-meter daemon's status is what it always was): counters summed,
 * `source` and `meterId` of the first meter, `diagnosis` of the first meter that is not `ok`, `lastError` and
 * `lastTelegramAt` the newest of any meter, `sourceConnected` only when every meter's source is open.
 */
import type { DaemonStatus, MeterStatus, StatusProvider } from '../status/status.js';
import type { SinkStatus } from '../sinks/sink.js';
import type { StatusTracker } from './status-tracker.js';

export class StatusHub implements StatusProvider {
  private trackers: readonly StatusTracker[] = [];
  private readonly unsubscribe = new Map<StatusTracker, () => void>();
  private readonly listeners = new Set<(s: DaemonStatus) => void>();
  private sinkStatus: () => Record<string, SinkStatus> = () => ({});

  constructor(private readonly startedAt: number) {}

  /** The meters, in config order (after a reload: the new list). Listeners hear each meter's diagnosis change. */
  setMeters(trackers: readonly StatusTracker[]): void {
    for (const [t, off] of this.unsubscribe) {
      if (!trackers.includes(t)) {
        off();
        this.unsubscribe.delete(t);
      }
    }
    for (const t of trackers) {
      if (!this.unsubscribe.has(t))
        this.unsubscribe.set(
          t,
          t.subscribe(() => this.notify()),
        );
    }
    this.trackers = trackers;
    this.notify();
  }

  /** Where per-sink health comes from (the sink hub). */
  setSinkStatus(fn: () => Record<string, SinkStatus>): void {
    this.sinkStatus = fn;
  }

  get(): DaemonStatus {
    return combineStatus(
      this.startedAt,
      this.trackers.map((t) => t.meterStatus()),
      this.sinkStatus(),
    );
  }

  subscribe(listener: (s: DaemonStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    if (this.listeners.size === 0) return;
    const s = this.get();
    for (const l of this.listeners) l(s);
  }
}

/** Pure: the per-meter statuses → the daemon status (see the file header for the top-level rule). */
export function combineStatus(
  startedAt: number,
  meters: MeterStatus[],
  sinks: Record<string, SinkStatus>,
): DaemonStatus {
  const first = meters[0];
  const errorsByCode: Record<string, number> = {};
  let bytesReceived = 0;
  let framesOk = 0;
  let telegramsOk = 0;
  let lastError: MeterStatus['lastError'];
  let lastTelegramAt: number | undefined;
  for (const m of meters) {
    bytesReceived += m.bytesReceived;
    framesOk += m.framesOk;
    telegramsOk += m.telegramsOk;
    for (const [code, n] of Object.entries(m.errorsByCode))
      errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
    if (m.lastError && (!lastError || m.lastError.at > lastError.at)) lastError = m.lastError;
    if (m.lastTelegramAt !== undefined && (lastTelegramAt === undefined || m.lastTelegramAt > lastTelegramAt))
      lastTelegramAt = m.lastTelegramAt;
  }
  const notOk = meters.find((m) => m.diagnosis.state !== 'ok');
  const status: DaemonStatus = {
    startedAt,
    source: first?.source ?? 'no meter configured',
    sourceConnected: meters.length > 0 && meters.every((m) => m.sourceConnected),
    bytesReceived,
    framesOk,
    telegramsOk,
    errorsByCode,
    diagnosis: notOk?.diagnosis ?? first?.diagnosis ?? { state: 'starting', hint: 'no meter configured' },
    meters,
    sinks,
  };
  if (lastError) status.lastError = lastError;
  if (lastTelegramAt !== undefined) status.lastTelegramAt = lastTelegramAt;
  if (first?.meterId !== undefined) status.meterId = first.meterId;
  return status;
}
