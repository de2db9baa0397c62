/**
 * Replay byte source: plays a capture file (see capture-file.ts) as if it came from the port — for the demo,
 * for support ("send me a capture") and for reproducing a problem.
 *
 * Cadence:
 *  - `fast`: every chunk at once, one chunk per event-loop turn so consumers keep up.
 *  - `realtime`: the recorded gaps between chunk times, scheduled against the clock from the first chunk (no
 *    drift). A gap longer than 60 s (a capture extended on another day, a clock jump) is shortened to 60 s;
 *    a time going backwards plays at once. Chunks without a time (plain hex, binary) come every 5 s — the
 *    push period of the Kaifa MA309 — so a plain hex file with one telegram per line plays like a meter.
 *  - `loop`: start again after the last chunk (after one more gap: 5 s, or 0 when fast); otherwise the source
 *    reports `ended`.
 */
import type { ReplaySourceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { readCapture, type CaptureChunk } from './capture-file.js';
import type { ByteSource, SourceState } from './types.js';

export interface ReplayClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `fn` on the next event-loop turn (fast mode); default `setTimeout(fn, 0)`. */
  defer?(fn: () => void): void;
}

export interface ReplaySourceOptions {
  logger: Logger;
  clock?: ReplayClock;
}

/** Gap before a chunk that has no recorded time (and before a loop restarts), in realtime mode. */
export const UNTIMED_INTERVAL_MS = 5000;
/** Longest recorded gap played as is. */
export const MAX_GAP_MS = 60_000;
/** Wait before retrying a capture file that cannot be read. */
export const REPLAY_RETRY_MS = 5000;

const realClock: ReplayClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  defer: (fn) => setImmediate(fn),
};

/**
 * Offsets (ms from the start of one pass) at which each chunk is played in realtime mode. Pure; exported for
 * its test. The first chunk plays at 0.
 */
export function replaySchedule(chunks: readonly CaptureChunk[]): number[] {
  const offsets: number[] = [];
  let t = 0;
  chunks.forEach((chunk, i) => {
    const prev = chunks[i - 1];
    if (i > 0) {
      const gap = chunk.at !== undefined && prev?.at !== undefined ? chunk.at - prev.at : UNTIMED_INTERVAL_MS;
      t += Math.min(Math.max(gap, 0), MAX_GAP_MS);
    }
    offsets.push(t);
  });
  return offsets;
}

function explainReadError(file: string, err: unknown): { code: string; message: string; hint: string } {
  const code = (err as NodeJS.ErrnoException).code ?? 'replay.read';
  const why = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT') {
    return {
      code,
      message: `no such capture file: ${file}`,
      hint: 'check `source.file` (a capture from `kaifareader capture`)',
    };
  }
  if (code === 'EACCES') {
    return {
      code,
      message: `cannot read capture file ${file}: permission denied`,
      hint: 'make the file readable by the service user',
    };
  }
  return {
    code,
    message: `cannot replay ${file}: ${why}`,
    hint: 'a capture is `<ISO time> <hex>` lines, plain hex or raw bytes',
  };
}

export function createReplaySource(cfg: ReplaySourceConfig, opts: ReplaySourceOptions): ByteSource {
  const clock = opts.clock ?? realClock;
  const log = opts.logger;
  const fast = cfg.speed === 'fast';
  let timer: unknown;
  let generation = 0;
  let running = false;
  let loading: Promise<void> | undefined;
  /** Read failures are logged once per cause, not every retry. */
  let reportedCode: string | undefined;

  const schedule = (fn: () => void, ms: number): void => {
    const gen = generation;
    if (ms === 0 && clock.defer) {
      clock.defer(() => {
        if (gen === generation) fn();
      });
      return;
    }
    timer = clock.setTimeout(() => {
      timer = undefined;
      if (gen === generation) fn();
    }, ms);
  };

  const play = (
    chunks: CaptureChunk[],
    onData: (chunk: Uint8Array) => void,
    onState: (state: SourceState) => void,
  ): void => {
    const offsets = replaySchedule(chunks);
    let index = 0;
    let passStart = clock.now();
    const step = (): void => {
      if (index === chunks.length) {
        if (!cfg.loop || chunks.length === 0) {
          running = false;
          onState({ state: 'ended' });
          return;
        }
        index = 0;
        passStart = clock.now() + (fast ? 0 : UNTIMED_INTERVAL_MS);
      }
      const due = fast ? 0 : Math.max(0, passStart + offsets[index]! - clock.now());
      schedule(() => {
        onData(chunks[index++]!.bytes);
        step();
      }, due);
    };
    step();
  };

  const load = (onData: (chunk: Uint8Array) => void, onState: (state: SourceState) => void): void => {
    const gen = generation;
    loading = readCapture(cfg.file, (warning) => log.warn(`${cfg.file}: ${warning}`)).then(
      (chunks) => {
        if (gen !== generation) return;
        reportedCode = undefined;
        log.info(
          `replaying ${cfg.file}: ${chunks.length} chunks, ${cfg.speed}${cfg.loop ? ', looping' : ''}`,
        );
        onState({ state: 'open' });
        play(chunks, onData, onState);
      },
      (err: unknown) => {
        if (gen !== generation) return;
        const failure = explainReadError(cfg.file, err);
        if (failure.code !== reportedCode) {
          reportedCode = failure.code;
          log.warn(failure.message, { code: failure.code, hint: failure.hint });
          onState({ state: 'error', ...failure, retryInMs: REPLAY_RETRY_MS });
        }
        schedule(() => load(onData, onState), REPLAY_RETRY_MS);
      },
    );
  };

  return {
    describe: () => `replay ${cfg.file}${fast ? ' (fast)' : ''}${cfg.loop ? ' (loop)' : ''}`,
    start(onData, onState) {
      if (running) throw new Error(`replay ${cfg.file} is already started`);
      running = true;
      generation++;
      const report = onState ?? (() => {});
      report({ state: 'connecting' });
      load(onData, report);
    },
    async stop() {
      running = false;
      generation++;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await loading;
    },
  };
}
