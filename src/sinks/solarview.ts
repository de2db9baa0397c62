/**
 * Solarview sink: rewrites the Solarview text file on every telegram, atomically — the text goes to
 * `.<name>.tmp-<pid>` in the same directory (optionally fsynced), then `rename()` replaces the file, so a reader
 * sees the old or the new content, never half of it. A failed write (missing directory, permissions, disk full) is
 * logged with what to do (rate-limited per error code), shown in `status()`, and retried with the next telegram;
 * the meter reading goes on. Telegrams arriving during a write are coalesced: only the newest is written next.
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
}

export function createSolarviewSink(
  cfg: SolarviewConfig,
  logger: Logger,
  opts: SolarviewSinkOptions = {},
): Sink {
  const file = cfg.file;
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  const errors = createRateLimitedLog(logger, { intervalMs: opts.errorIntervalMs ?? 60_000, now: opts.now });
  let written = 0;
  let failuresInRow = 0;
  let lastError: string | undefined;
  let pending: string | undefined;
  let running: Promise<void> | undefined;

  async function writeAtomically(text: string): Promise<void> {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(text, 'utf8');
      if (opts.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
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
    handle(snapshot: MeterSnapshot): Promise<void> {
      const text = formatSolarview(snapshot);
      if (!text.includes('kWh')) {
        logger.debug('telegram holds neither 1.8.0 nor 2.8.0: Solarview file left unchanged', {
          meter: snapshot.meterId,
        });
        return running ?? Promise.resolve();
      }
      pending = text;
      running ??= drain();
      return running;
    },
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
