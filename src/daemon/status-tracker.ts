/**
 * Keeps one meter's live status: counters by event, errors by code, the diagnosis. Time is passed in by the
 * caller (the daemon's clock), so tests drive it without timers. The daemon's StatusHub combines the meters.
 */
import type { Diagnosis, MeterStatus } from '../status/status.js';
import { diagnose, RECENT_EVENTS, RECENT_MS, type DiagnosisInput } from './diagnosis.js';

export class StatusTracker {
  private status: MeterStatus;
  private readonly diag: DiagnosisInput;
  private readonly listeners = new Set<(s: MeterStatus) => void>();
  /**
   * The recent failures since the last good telegram, oldest first, at most RECENT_EVENTS (a ring, so a flood of
   * rejected frames costs nothing): what the diagnosis looks at, together with their age (RECENT_MS).
   */
  private readonly recent: Array<{ at: number; code: string; telegram: boolean }> = [];

  constructor(source: string, now: number, meter = 'default', name?: string) {
    this.status = {
      meter,
      ...(name === undefined ? {} : { name }),
      source,
      sourceConnected: false,
      bytesReceived: 0,
      framesOk: 0,
      telegramsOk: 0,
      errorsByCode: {},
      diagnosis: { state: 'starting', hint: 'starting' },
    };
    this.diag = { now, sourceOpenedAt: now, bytesSinceFrame: 0, failuresInARow: [] };
    this.refresh(now);
  }

  /** This meter's status (a copy). */
  meterStatus(): MeterStatus {
    return { ...this.status, errorsByCode: { ...this.status.errorsByCode } };
  }

  /** The configured meter id. */
  get meter(): string {
    return this.status.meter;
  }

  subscribe(listener: (s: MeterStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  sourceOpen(now: number): void {
    this.status.sourceConnected = true;
    this.diag.sourceError = undefined;
    this.diag.sourceOpenedAt = now;
    this.refresh(now);
  }

  sourceError(now: number, message: string, hint?: string): void {
    this.status.sourceConnected = false;
    this.diag.sourceError = { message, hint };
    this.refresh(now);
  }

  bytes(now: number, n: number): void {
    this.status.bytesReceived += n;
    this.diag.lastByteAt = now;
    this.diag.bytesSinceFrame += n;
  }

  frame(now: number): void {
    this.status.framesOk++;
    this.diag.lastFrameAt = now;
    this.diag.bytesSinceFrame = 0;
  }

  telegram(now: number, meterId: string): void {
    this.status.telegramsOk++;
    this.status.lastTelegramAt = now;
    this.status.meterId = meterId;
    this.diag.lastTelegramAt = now;
    this.recent.length = 0;
    this.refresh(now);
  }

  /** A failed telegram or a rejected frame (checksum), counted by code. */
  error(now: number, code: string, message: string, telegramFailed: boolean): void {
    this.status.errorsByCode[code] = (this.status.errorsByCode[code] ?? 0) + 1;
    this.status.lastError = { code, message, at: now };
    this.recent.push({ at: now, code, telegram: telegramFailed });
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    this.refresh(now);
  }

  /** Recomputes the diagnosis; notifies listeners when it changed. Call from a periodic tick too. */
  refresh(now: number): Diagnosis {
    this.diag.now = now;
    const window = this.recent.filter((e) => now - e.at < RECENT_MS);
    this.diag.failuresInARow = window.filter((e) => e.telegram).map((e) => e.code);
    this.diag.frameErrors = window.length - this.diag.failuresInARow.length;
    const before = this.status.diagnosis;
    const after = diagnose(this.diag);
    this.status.diagnosis = after;
    if (after.state !== before.state || after.hint !== before.hint) {
      const snapshot = this.meterStatus();
      for (const l of this.listeners) l(snapshot);
    }
    return after;
  }
}
