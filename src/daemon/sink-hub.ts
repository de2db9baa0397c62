/**
 * Hands every snapshot to every sink. Each sink fails alone: a throw or rejected promise is caught, logged
 * (rate-limited per sink) and counted; it never stops the meter reading or the other sinks.
 */
import type { Sink, SinkStatus } from '../sinks/sink.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import type { RateLimitedLog } from '../log/rate-limit.js';

export class SinkHub {
  private readonly failures = new Map<string, { count: number; last?: string }>();

  constructor(
    readonly sinks: readonly Sink[],
    private readonly log: RateLimitedLog,
  ) {}

  async start(): Promise<void> {
    await Promise.all(this.sinks.map((s) => this.guard(s, () => s.start?.())));
  }

  dispatch(snapshot: MeterSnapshot): void {
    for (const s of this.sinks) void this.guard(s, () => s.handle(snapshot));
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
      const own = s.status?.() ?? { ok: true, state: 'running' };
      const f = this.failures.get(s.name);
      out[s.name] = f && !own.lastError ? { ...own, lastError: f.last } : own;
    }
    return out;
  }

  private async guard(sink: Sink, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const f = this.failures.get(sink.name) ?? { count: 0 };
      f.count++;
      f.last = message;
      this.failures.set(sink.name, f);
      this.log.log('error', `sink.${sink.name}`, `${sink.name}: ${message}`);
    }
  }
}
