/**
 * The built-in simulated meter: every `periodMs` it encodes the model's values in a real layout, encrypts them
 * (SC 0x21, AES-128-GCM keystream, like TINETZ/Vorarlberg) and frames them as M-Bus long frames (first frame
 * `68 FA FA 68`, second `68 xx xx 68`, 200 ms apart like a Kaifa MA309 at 2400 baud). Optional faults for tests:
 * bit flips, truncation, a wrong key, pauses.
 */
import type { ByteSource, SourceState } from '../transport/types.js';
import { encodeCosemDateTime } from '../cosem/date-time.js';
import { encodeDataNotification } from '../dlms/encode.js';
import { encodeTelegram } from '../pipeline/encode-telegram.js';
import { parseHex } from '../util/hex.js';
import { buildBody, layoutPhases, localDateTime, type SimLayout } from './body-builders.js';
import { createMeterModel, type MeterCounters, type MeterCurve, type MeterModel } from './meter-model.js';

/** The demo key (also in the demo config and README); not a real meter's key. */
export const DEMO_KEY = '4B4149464152454144455244454D4F31'; // ASCII "KAIFAREADERDEMO1"
/** The demo meter's system title: "KFM" + 1020004242. */
export const DEMO_SYSTEM_TITLE = '4B464D1020004242';
/** The demo meter's number (0.0.96.1.0.255), the snapshot's meterId. */
export const DEMO_METER_NUMBER = '1KFM0200004242';

export interface Faults {
  /** Probability per telegram of one flipped bit. */
  bitFlips?: number;
  /** Probability per telegram that the last frame is cut short. */
  truncate?: number;
  /** Encrypt with a different key (the receiver should diagnose "wrong key"). */
  wrongKey?: boolean;
  /** Every `every` telegrams, stay silent for `forMs`. */
  pause?: { every: number; forMs: number };
}

export interface SimulatedMeterOptions {
  layout?: SimLayout;
  key?: string;
  periodMs?: number;
  /** Gap between the frames of one telegram (ms), default 200, at most a quarter of the period. */
  frameGapMs?: number;
  meterNumber?: string;
  /** Logical device name (0.0.42.0.0.255), default `KFM1200200004242`. */
  deviceName?: string;
  /** 8-byte system title as 16 hex digits (the GCM IV's first half), default `4B464D1020004242` ("KFM"…). */
  systemTitle?: string;
  /** What the meter measures (meter-model.ts), default `house`. */
  curve?: MeterCurve;
  /** Shown by the source's describe(), e.g. `heat pump`; default none (the demo's one meter). */
  label?: string;
  faults?: Faults;
  seed?: number;
  now?: () => number;
  /** When the model's counters start (default: now); the demo starts them days earlier to backfill history. */
  start?: number;
  /** A factory to continue (the demo's backfill has already advanced its counters). */
  factory?: TelegramFactory;
}

export interface TelegramFactory {
  /** Frames of the telegram for time `now`. */
  next(now: number): Uint8Array[];
  /** Continue the simulated meter's counters from stored ones (see MeterModel.resume). */
  resume(counters: MeterCounters, at: number): void;
}

export function createTelegramFactory(opts: SimulatedMeterOptions = {}): TelegramFactory {
  const now = opts.now ?? Date.now;
  const layout = opts.layout ?? 'obis-structures';
  const model: MeterModel = createMeterModel({
    seed: opts.seed,
    start: opts.start ?? now(),
    curve: opts.curve,
    phases: layoutPhases(layout),
  });
  const key = parseHex(opts.key ?? DEMO_KEY);
  const wrongKey = key.map((b) => b ^ 0x5a);
  const systemTitle = parseHex(opts.systemTitle ?? DEMO_SYSTEM_TITLE);
  if (systemTitle.length !== 8) throw new RangeError(`a system title has 8 bytes, got ${systemTitle.length}`);
  const meterNumber = opts.meterNumber ?? DEMO_METER_NUMBER;
  const deviceName = opts.deviceName ?? 'KFM1200200004242';
  let counter = 0x00010000;
  let rnd = opts.seed ?? 7;
  const random = () => (rnd = (rnd * 1103515245 + 12345) >>> 0) / 4294967296;
  return {
    resume: (counters, at) => model.resume(counters, at),
    next(t) {
      counter++;
      const plaintext = encodeDataNotification({
        longInvokeId: counter,
        dateTime: localDateTime(t),
        body: buildBody(layout, {
          values: model.at(t),
          dateTime: encodeCosemDateTime(localDateTime(t)),
          meterNumber,
          deviceName,
        }),
      });
      const frames = encodeTelegram({
        plaintext,
        framing: 'mbus',
        cipher: {
          key: opts.faults?.wrongKey ? wrongKey : key,
          systemTitle,
          invocationCounter: counter,
          securityControl: 0x21,
        },
      });
      const f = opts.faults;
      if (f?.bitFlips && random() < f.bitFlips) {
        const i = Math.floor(random() * frames.length);
        const fr = frames[i]!;
        fr[Math.floor(random() * fr.length)]! ^= 1 << Math.floor(random() * 8);
      }
      if (f?.truncate && random() < f.truncate) {
        const last = frames.length - 1;
        frames[last] = frames[last]!.subarray(0, Math.max(1, Math.floor(frames[last]!.length * random())));
      }
      return frames;
    },
  };
}

/** The simulated meter as an in-process byte source (the demo). */
export function createSimulatedMeter(opts: SimulatedMeterOptions = {}): ByteSource {
  const now = opts.now ?? Date.now;
  const period = opts.periodMs ?? 5000;
  // The frames of one telegram must all be out before the next telegram starts: at `--period 0.2` a 200 ms gap
  // put the next telegram's first frame before this one's last and no telegram decoded.
  const gap = Math.min(opts.frameGapMs ?? 200, Math.floor(period / 4));
  const factory = opts.factory ?? createTelegramFactory(opts);
  const timers = new Set<NodeJS.Timeout>();
  let sent = 0;
  let running = false;
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (running) fn();
    }, ms);
    timers.add(t);
  };
  return {
    describe: () =>
      `simulated ${opts.label ? `${opts.label} meter, ` : ''}Kaifa MA309 (${opts.layout ?? 'obis-structures'}, every ${period / 1000} s)`,
    start(onData, onState?: (s: SourceState) => void) {
      running = true;
      onState?.({ state: 'open' });
      const push = () => {
        const p = opts.faults?.pause;
        sent++;
        const silent = p && sent % (p.every + 1) === 0;
        later(silent ? p.forMs : period, push);
        if (silent) return;
        factory
          .next(now())
          .forEach((frame, i) => (i === 0 ? onData(frame) : later(gap * i, () => onData(frame))));
      };
      later(300, push);
    },
    async stop() {
      running = false;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
