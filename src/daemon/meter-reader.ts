/**
 * One configured meter: its byte source, its own TelegramDecoder (keys, profile, scalers, signature key), its
 * StatusTracker (counters, diagnosis) and its log lines. Decoded snapshots go to `onTelegram`; nothing here knows
 * about sinks or other meters, so one meter's wrong key, unplugged adapter or garbage never touches another's.
 *
 *   ByteSource → TelegramDecoder → StatusTracker → onTelegram(snapshot)
 */
import type { ByteSource, OnData, SourceState } from '../transport/types.js';
import type { Logger } from '../log/logger.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import type { Key } from '../util/key.js';
import { TelegramDecoder } from '../pipeline/telegram-decoder.js';
import { BENIGN_SKIPS } from '../framing/scanner.js';
import { createRateLimitedLog } from '../log/rate-limit.js';
import { StatusTracker } from './status-tracker.js';
import type { ReplayGuard } from './invocation-counters.js';
import { describePeriod, summarizePeriod, summarizeTelegram } from './summary.js';

/** What a reader needs of a meter's config (`meters[]` entry, see config/types.ts MeterConfig). */
export interface MeterReaderConfig {
  /** Configured id (`default` for a single-meter config). */
  id: string;
  name?: string;
  key?: Key;
  authKey?: Key;
  /** Uncompressed P-256 point (65 bytes) to verify frame signature trailers (Wiener Netze). */
  signaturePublicKey?: Uint8Array;
  profile?: string;
  scalers?: Readonly<Record<string, number>>;
}

export interface MeterReaderOptions {
  meter: MeterReaderConfig;
  source: ByteSource;
  logger: Logger;
  now: () => number;
  /**
   * Gets every decoded snapshot. With `durable` (the source acknowledges upstream only what is kept: MQTT) it
   * returns a promise that settles once the sinks hold the snapshot durably (SinkHub.dispatch).
   */
  onTelegram: (snapshot: MeterSnapshot, durable: boolean) => PromiseLike<void> | void;
  /** Refuses telegrams whose invocation counter does not increase (sources over a network: MQTT). */
  replayGuard?: ReplayGuard;
  /** Diagnosis refresh period (ms), default 5000. */
  tickMs?: number;
  /**
   * Period of the info-level summary line (telegrams, errors, diagnosis, latest values), default 5 min. Each
   * telegram is logged at debug only: at info one line per telegram would be 17 000 lines a day.
   */
  summaryIntervalMs?: number;
}

export interface MeterReader {
  readonly id: string;
  readonly config: MeterReaderConfig;
  readonly status: StatusTracker;
  latest(): MeterSnapshot | undefined;
  start(): void;
  /** Closes the source (the telegram in hand is finished first by the source's own stop). */
  stop(): Promise<void>;
}

/**
 * A meter's log component: `[meter]` / `[source]` for the one meter of a single-meter config (the log reads as it
 * always did), else `[meter:heatpump]` / `[source:heatpump]`.
 */
export function meterLogName(id: string, kind: 'meter' | 'source' = 'meter'): string {
  return id === 'default' ? kind : `${kind}:${id}`;
}

export function createMeterReader(opts: MeterReaderOptions): MeterReader {
  const { meter, now, source } = opts;
  const log = opts.logger.child(meterLogName(meter.id));
  const limited = createRateLimitedLog(log, { intervalMs: 60_000, now });
  const status = new StatusTracker(source.describe(), now(), meter.id, meter.name);
  const decoder = new TelegramDecoder({
    keys: { encryptionKey: meter.key?.bytes, authenticationKey: meter.authKey?.bytes },
    profile: meter.profile,
    scalers: meter.scalers,
    emitFrames: true,
    signaturePublicKey: meter.signaturePublicKey,
    meter: meter.id,
  });
  let latest: MeterSnapshot | undefined;
  let tick: NodeJS.Timeout | undefined;
  let summaryTimer: NodeJS.Timeout | undefined;
  const summaryMs = opts.summaryIntervalMs ?? 300_000;
  /** Counts since the last summary line. */
  let period = { telegrams: 0, errors: new Map<string, number>() };
  let firstLogged = false;
  /**
   * True from a (re)open until the first frame is assembled: reading starts wherever the meter is in its
   * telegram, so a first segment without the ones before it is expected then and not an error.
   */
  let freshOpen = true;
  let lastDiagnosis = status.meterStatus().diagnosis.state;
  /** The last problem diagnosed since telegrams last decoded (port-error, wrong-key …). */
  let problem: string | undefined;

  status.subscribe((s) => {
    const d = s.diagnosis;
    if (d.state === lastDiagnosis) return;
    lastDiagnosis = d.state;
    if (d.state === 'ok') {
      log.info(problem ? `telegrams decode again (was: ${problem})` : 'first telegram decoded');
      problem = undefined;
    } else if (d.state !== 'starting') {
      problem = d.state;
      log.warn(`diagnosis: ${d.state} — ${d.hint}`);
    }
  });

  const countError = (code: string) => period.errors.set(code, (period.errors.get(code) ?? 0) + 1);

  const onData: OnData = (chunk, info) => {
    const t = now();
    status.bytes(t, chunk.length);
    const durable = info?.acknowledge === true;
    let kept: PromiseLike<void>[] | undefined;
    // the snapshot carries the source's receive time (the bridge's stamp) where it has one; status runs on ours
    for (const ev of decoder.push(chunk, info?.receivedAt ?? t)) {
      if (ev.type === 'frame') status.frame(t);
      else if (ev.type === 'telegram') {
        freshOpen = false;
        const sec = ev.snapshot.security;
        if (
          opts.replayGuard &&
          sec.systemTitle !== undefined &&
          sec.invocationCounter !== undefined &&
          !opts.replayGuard.accept(meter.id, sec.systemTitle, meter.key?.bytes, sec.invocationCounter)
        ) {
          const message = `invocation counter ${sec.invocationCounter} of ${sec.systemTitle} did not increase: a replayed or duplicated telegram, not exported`;
          status.error(t, 'replay.suspected', message, false);
          countError('replay.suspected');
          limited.log('warn', 'replay.suspected', `telegram refused [replay.suspected]: ${message}`);
          continue;
        }
        latest = ev.snapshot;
        status.telegram(t, ev.snapshot.meterId);
        period.telegrams++;
        const line = summarizeTelegram(ev.snapshot);
        if (firstLogged) log.debug(line);
        else log.info(line); // the first one at info: a new user sees the values at once
        firstLogged = true;
        const p = opts.onTelegram(ev.snapshot, durable);
        if (p) (kept ??= []).push(p);
      } else if (ev.type === 'error') {
        const midTelegram = freshOpen && ev.error.code.endsWith('.segment-order');
        freshOpen = false;
        if (midTelegram) {
          log.debug(
            `reading started in the middle of a telegram: ${ev.error.message} (expected after opening)`,
          );
          continue;
        }
        status.error(t, ev.error.code, ev.error.message, true);
        countError(ev.error.code);
        limited.log('warn', ev.error.code, `telegram rejected [${ev.error.code}]: ${ev.error.message}`);
      } else if (!BENIGN_SKIPS.has(ev.code)) {
        status.error(t, ev.code, ev.reason, false);
        countError(ev.code);
        limited.log('warn', ev.code, `frame rejected [${ev.code}]: ${ev.reason}`);
      } else {
        log.debug(`skipped ${ev.count} byte(s) outside any frame`);
      }
    }
    // a chunk that gave no telegram (garbage, a replay) has nothing to keep: acknowledged at once
    return kept && Promise.all(kept).then(() => undefined);
  };

  const logSummary = () => {
    const d = status.meterStatus().diagnosis.state;
    log.info(summarizePeriod(describePeriod(summaryMs), period.telegrams, period.errors, d, latest));
    period = { telegrams: 0, errors: new Map() };
  };

  const onState = (s: SourceState) => {
    const t = now();
    if (s.state === 'open') {
      freshOpen = true;
      status.sourceOpen(t);
    } else if (s.state === 'error') status.sourceError(t, s.message, s.hint);
    else if (s.state === 'ended') log.info('source ended');
  };

  return {
    id: meter.id,
    config: meter,
    status,
    latest: () => latest,
    start() {
      source.start(onData, onState);
      tick = setInterval(() => {
        status.refresh(now());
        limited.flush();
      }, opts.tickMs ?? 5000);
      tick.unref();
      summaryTimer = setInterval(logSummary, summaryMs);
      summaryTimer.unref();
    },
    async stop() {
      if (tick) clearInterval(tick);
      if (summaryTimer) clearInterval(summaryTimer);
      await source.stop();
      limited.flush({ all: true });
    },
  };
}
