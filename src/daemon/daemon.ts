/**
 * The main job: read the meter forever and hand every reading on.
 *
 *   ByteSource → TelegramDecoder → StatusTracker (counters, diagnosis) → SinkHub (solarview, mqtt, history …)
 *
 * Everything is injected (config, logger, source, sinks, clock), so tests and the demo build the same daemon.
 */
import type { ByteSource, SourceState } from '../transport/types.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../log/logger.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import { TelegramDecoder } from '../pipeline/telegram-decoder.js';
import { BENIGN_SKIPS } from '../framing/scanner.js';
import { parseHex, parseKey } from '../util/hex.js';
import { createRateLimitedLog } from '../log/rate-limit.js';
import { StatusTracker } from './status-tracker.js';
import { SinkHub } from './sink-hub.js';
import { describePeriod, summarizePeriod, summarizeTelegram } from './summary.js';

export interface DaemonOptions {
  /** Encryption / authentication key: bytes (`MeterConfig.key.bytes`) or 32 hex digits. */
  key?: string | Uint8Array;
  authKey?: string | Uint8Array;
  /** Meter public key for frame signatures: 65 bytes or 130 hex digits. */
  signaturePublicKey?: string | Uint8Array;
  profile?: string;
  /** Scaler overrides per OBIS code (config `scalers`). */
  scalers?: Readonly<Record<string, number>>;
  source: ByteSource;
  sinks: Sink[];
  logger: Logger;
  now?: () => number;
  /** Diagnosis refresh period (ms), default 5000. */
  tickMs?: number;
  /**
   * Period of the info-level summary line (telegrams, errors, diagnosis, latest values), default 5 min. Each
   * telegram is logged at debug only: at info one line per telegram would be 17 000 lines a day.
   */
  summaryIntervalMs?: number;
}

export interface Daemon {
  start(): Promise<void>;
  /** Finishes the telegram in hand, flushes the sinks, closes the source. */
  stop(): Promise<void>;
  readonly status: StatusTracker;
  latest(): MeterSnapshot | undefined;
  subscribe(listener: (s: MeterSnapshot) => void): () => void;
}

export function createDaemon(opts: DaemonOptions): Daemon {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child('meter');
  const limited = createRateLimitedLog(log, { intervalMs: 60_000, now });
  const status = new StatusTracker(opts.source.describe(), now());
  const hub = new SinkHub(
    opts.sinks,
    createRateLimitedLog(opts.logger.child('sinks'), { intervalMs: 60_000, now }),
  );
  status.setSinkStatus(() => hub.status());
  const decoder = new TelegramDecoder({
    keys: {
      encryptionKey: typeof opts.key === 'string' ? parseKey(opts.key) : opts.key,
      authenticationKey: typeof opts.authKey === 'string' ? parseKey(opts.authKey) : opts.authKey,
    },
    profile: opts.profile,
    scalers: opts.scalers,
    emitFrames: true,
    signaturePublicKey:
      typeof opts.signaturePublicKey === 'string'
        ? parseHex(opts.signaturePublicKey)
        : opts.signaturePublicKey,
  });
  const listeners = new Set<(s: MeterSnapshot) => void>();
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
  let lastDiagnosis = status.get().diagnosis.state;
  /** The last problem diagnosed since telegrams last decoded (port-error, wrong-key …). */
  let problem: string | undefined;

  const onDiagnosis = () => {
    const d = status.get().diagnosis;
    if (d.state === lastDiagnosis) return;
    lastDiagnosis = d.state;
    if (d.state === 'ok') {
      log.info(problem ? `telegrams decode again (was: ${problem})` : 'first telegram decoded');
      problem = undefined;
    } else if (d.state !== 'starting') {
      problem = d.state;
      log.warn(`diagnosis: ${d.state} — ${d.hint}`);
    }
  };
  status.subscribe(onDiagnosis);

  const countError = (code: string) => period.errors.set(code, (period.errors.get(code) ?? 0) + 1);

  const onData = (chunk: Uint8Array) => {
    const t = now();
    status.bytes(t, chunk.length);
    for (const ev of decoder.push(chunk, t)) {
      if (ev.type === 'frame') status.frame(t);
      else if (ev.type === 'telegram') {
        freshOpen = false;
        latest = ev.snapshot;
        status.telegram(t, ev.snapshot.meterId);
        period.telegrams++;
        const line = summarizeTelegram(ev.snapshot);
        if (firstLogged) log.debug(line);
        else log.info(line); // the first one at info: a new user sees the values at once
        firstLogged = true;
        hub.dispatch(ev.snapshot);
        for (const l of listeners) l(ev.snapshot);
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
  };

  const logSummary = () => {
    const d = status.get().diagnosis.state;
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
    status,
    latest: () => latest,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      await hub.start();
      opts.source.start(onData, onState);
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
      await opts.source.stop();
      await hub.stop(1200);
      limited.flush({ all: true });
    },
  };
}
