/**
 * Hands every snapshot to every sink. Each sink fails alone: a throw or rejected promise is caught, logged
 * (rate-limited per sink) and counted; it never stops the meter reading or the other sinks.
 *
 * Bounded: a sink's `handle()` should return at once, but one that returns promises which do not settle (a hung
 * disk, a peer that never answers) must not make every telegram stay in memory. The hub watches a shared promise
 * once (not once per telegram) and keeps at most MAX_IN_FLIGHT unsettled ones per sink; beyond that the sink
 * misses telegrams, which are counted as dropped and logged once a minute, until it catches up.
 */
import type { Sink, SinkStatus } from '../sinks/sink.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import type { RateLimitedLog } from '../log/rate-limit.js';

/** Unsettled `handle()` promises per sink before telegrams for it are dropped. */
export const MAX_IN_FLIGHT = 64;

interface SinkState {
  failures: number;
  lastFailure?: string;
  dropped: number;
  inFlight: number;
  /** The promise most recently watched (a sink that hands out one shared promise is watched once). */
  watching?: PromiseLike<unknown>;
}

export class SinkHub {
  private readonly state = new Map<string, SinkState>();

  constructor(
    readonly sinks: readonly Sink[],
    private readonly log: RateLimitedLog,
  ) {}

  async start(): Promise<void> {
    await Promise.all(this.sinks.map((s) => this.guard(s, () => s.start?.())));
  }

  /**
   * Hands the snapshot to every sink, or only to those named in `only` (the meter's `exports`). With `durable`,
   * returns a promise that settles once every sink that took it holds it durably (`Sink.persisted`; a sink
   * without it is durable when `handle` returns, or keeps nothing worth waiting for). It never rejects: a sink
   * that cannot keep the telegram has said so in its own status, and holding the acknowledgement back for ever
   * would stop the source.
   */
  dispatch(snapshot: MeterSnapshot, only?: ReadonlySet<string>, durable = false): Promise<void> | undefined {
    let kept: Promise<void>[] | undefined;
    for (const s of this.sinks) {
      if (only && !only.has(s.name)) continue;
      const st = this.of(s);
      if (st.inFlight >= MAX_IN_FLIGHT) {
        st.dropped++;
        this.log.log(
          'warn',
          `sink.${s.name}.dropped`,
          `${s.name} is not keeping up (${MAX_IN_FLIGHT} telegrams still in hand): dropping telegrams for it (${st.dropped} so far)`,
        );
        continue;
      }
      let result: unknown;
      try {
        result = s.handle(snapshot);
      } catch (e) {
        this.failed(s, e);
        continue;
      }
      if (durable && s.persisted) (kept ??= []).push(this.persisted(s));
      if (!isThenable(result) || result === st.watching) continue;
      st.watching = result;
      st.inFlight++;
      result.then(
        () => this.settled(st, result),
        (e: unknown) => {
          this.settled(st, result);
          this.failed(s, e);
        },
      );
    }
    return kept && Promise.all(kept).then(() => undefined);
  }

  /** What to wait for before a telegram is acknowledged (see dispatch). */
  private async persisted(sink: Sink): Promise<void> {
    try {
      await sink.persisted?.();
    } catch (e) {
      this.failed(sink, e);
    }
  }

  /** Stops every sink, each within `budgetMs` (a hung sink must not block shutdown). */
  async stop(budgetMs: number): Promise<void> {
    await Promise.all(
      this.sinks.map((s) =>
        Promise.race([
          this.guard(s, () => s.stop?.()),
          new Promise<void>((r) => setTimeout(r, budgetMs).unref()),
        ]),
      ),
    );
  }

  status(): Record<string, SinkStatus> {
    const out: Record<string, SinkStatus> = {};
    for (const s of this.sinks) {
      let own = s.status?.() ?? { ok: true, state: 'running' };
      const st = this.state.get(s.name);
      if (st?.lastFailure !== undefined && !own.lastError) own = { ...own, lastError: st.lastFailure };
      if (st && st.dropped > 0) own = { ...own, dropped: (own.dropped ?? 0) + st.dropped };
      out[s.name] = own;
    }
    return out;
  }

  private of(sink: Sink): SinkState {
    let st = this.state.get(sink.name);
    if (!st) this.state.set(sink.name, (st = { failures: 0, dropped: 0, inFlight: 0 }));
    return st;
  }

  private settled(st: SinkState, p: PromiseLike<unknown>): void {
    st.inFlight--;
    if (st.watching === p) st.watching = undefined;
  }

  private failed(sink: Sink, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    const st = this.of(sink);
    st.failures++;
    st.lastFailure = message;
    this.log.log('error', `sink.${sink.name}`, `${sink.name}: ${message}`);
  }

  private async guard(sink: Sink, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.failed(sink, e);
    }
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as PromiseLike<unknown> | undefined)?.then === 'function';
}
