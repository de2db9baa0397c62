/**
 * Solarview sink: rewrites the Solarview text file on every telegram, atomically — the text goes to
 * `.<name>.tmp-<pid>` in the same directory (optionally fsynced), then `rename()` replaces the file, so a reader
 * sees the old or the new content, never half of it. A failed write (missing directory, permissions, disk full) is
 * logged with what to do (rate-limited per error code), shown in `status()`, and retried with the next telegram;
 * the meter reading goes on.
 *
 * Bounded whatever the disk does: `handle()` returns at once and keeps only the newest text waiting (one string);
 * telegrams arriving during a write replace it, so a slow or hung write (NFS, a failing SD card) holds one write in
 * progress and one pending text, never a queue or a promise per telegram. `idle()` resolves when the writes in
 * hand are done (tests, stop()).
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Sink, SinkStatus } from './sink.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import type { SolarviewConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { formatSolarview } from './solarview-format.js';
import { describeFsError } from '../log/fs-error.js';
import { createRateLimitedLog } from '../log/rate-limit.js';

export interface SolarviewSinkOptions {
  /** fsync the temp file before the rename (survives power loss; costs SD-card writes). Default false. */
  fsync?: boolean;
  /** Identical errors are logged once per this interval. Default 60 s. */
  errorIntervalMs?: number;
  now?: () => number;
  /** Writes `text` to the temp file `path` (tests inject a slow or hanging one); default open/write/close. */
  writeTemp?: (path: string, text: string) => Promise<void>;
}

export type SolarviewSink = Sink & {
  handle(snapshot: MeterSnapshot): void;
  /** Resolves when the write in progress and the pending one are done. */
  idle(): Promise<void>;
};

export function createSolarviewSink(
  cfg: SolarviewConfig,
  logger: Logger,
  opts: SolarviewSinkOptions = {},
): SolarviewSink {
  const file = cfg.file;
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  const errors = createRateLimitedLog(logger, { intervalMs: opts.errorIntervalMs ?? 60_000, now: opts.now });
  let written = 0;
  let failuresInRow = 0;
  let lastError: string | undefined;
  /** The newest text not yet being written (an older one is simply replaced). */
  let pending: string | undefined;
  let running: Promise<void> | undefined;

  async function writeTemp(path: string, text: string): Promise<void> {
    const fh = await open(path, 'w', 0o644);
    try {
      await fh.writeFile(text, 'utf8');
      if (opts.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async function writeAtomically(text: string): Promise<void> {
    await (opts.writeTemp ?? writeTemp)(tmp, text);
    await rename(tmp, file);
  }

  async function drain(): Promise<void> {
    while (pending !== undefined) {
      const text = pending;
      pending = undefined;
      try {
        await writeAtomically(text);
        if (failuresInRow > 0)
          logger.info(`Solarview file ${file} written again after ${failuresInRow} failed attempts`);
        written++;
        failuresInRow = 0;
        lastError = undefined;
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        failuresInRow++;
        lastError = describeFsError(e, file, 'the Solarview file', 'exports.solarview.file');
        errors.log('error', `solarview.${(e as NodeJS.ErrnoException).code ?? 'write'}`, lastError);
      }
    }
    running = undefined;
  }

  return {
    name: 'solarview',
    handle(snapshot: MeterSnapshot): void {
      const text = formatSolarview(snapshot);
      if (!text.includes('kWh')) {
        logger.debug('telegram holds neither 1.8.0 nor 2.8.0: Solarview file left unchanged', {
          meter: snapshot.meterId,
        });
        return;
      }
      pending = text;
      running ??= drain();
    },
    idle: () => running ?? Promise.resolve(),
    async stop(): Promise<void> {
      await running;
      errors.flush({ all: true });
    },
    status(): SinkStatus {
      const ok = failuresInRow === 0;
      const state = !ok
        ? `failing (${failuresInRow} in a row)`
        : written > 0
          ? `writing ${file}`
          : 'waiting for the first telegram';
      return lastError === undefined ? { ok, state } : { ok, state, lastError };
    },
  };
}
