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
 *
 * Many meters: the sink gets every meter's snapshots. A `file` with `{meter}` gets one file per meter (the
 * placeholder replaced by `snapshot.meter`, the configured id), each with its own pending text and write; a
 * `file` without it is the one file of the single meter, unchanged (config refuses it for several meters).
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Sink, SinkStatus } from '../sink.js';
import type { MeterSnapshot } from '../../model/snapshot.js';
import type { SolarviewConfig } from './options.js';
import type { Logger } from '../../log/logger.js';
import { formatSolarview } from './solarview-format.js';
import { describeFsError } from '../../log/fs-error.js';
import { createRateLimitedLog } from '../../log/rate-limit.js';

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

/** One file: the newest text waiting and at most one write in progress. */
interface FileWriter {
  file: string;
  offer(text: string): void;
  idle(): Promise<void>;
  written(): number;
  failuresInRow(): number;
  lastError(): string | undefined;
}

export const METER_PLACEHOLDER = '{meter}';

/** The file of meter `id`: `{meter}` replaced (every occurrence), or the path as written. */
export function solarviewFileFor(file: string, id: string): string {
  return file.split(METER_PLACEHOLDER).join(id);
}

export function createSolarviewSink(
  cfg: SolarviewConfig,
  logger: Logger,
  opts: SolarviewSinkOptions = {},
): SolarviewSink {
  const errors = createRateLimitedLog(logger, { intervalMs: opts.errorIntervalMs ?? 60_000, now: opts.now });
  const perMeter = cfg.file.includes(METER_PLACEHOLDER);
  const writers = new Map<string, FileWriter>();

  function writerFor(meter: string): FileWriter {
    const key = perMeter ? meter : '';
    let w = writers.get(key);
    if (!w) {
      w = createFileWriter(perMeter ? solarviewFileFor(cfg.file, meter) : cfg.file, logger, errors, opts);
      writers.set(key, w);
    }
    return w;
  }

  const idle = async (): Promise<void> => {
    await Promise.all([...writers.values()].map((w) => w.idle()));
  };

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
      writerFor(snapshot.meter).offer(text);
    },
    idle,
    async stop(): Promise<void> {
      await idle();
      errors.flush({ all: true });
    },
    status(): SinkStatus {
      const all = [...writers.values()];
      const failing = all.filter((w) => w.failuresInRow() > 0);
      const ok = failing.length === 0;
      const where = all.length === 0 ? '' : all.map((w) => w.file).join(', ');
      const state = !ok
        ? failing
            .map((w) => `${all.length > 1 ? `${w.file}: ` : ''}failing (${w.failuresInRow()} in a row)`)
            .join('; ')
        : all.some((w) => w.written() > 0)
          ? `writing ${where}`
          : 'waiting for the first telegram';
      const lastError = failing[0]?.lastError();
      return lastError === undefined ? { ok, state } : { ok, state, lastError };
    },
  };
}

function createFileWriter(
  file: string,
  logger: Logger,
  errors: ReturnType<typeof createRateLimitedLog>,
  opts: SolarviewSinkOptions,
): FileWriter {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
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
    file,
    offer(text) {
      pending = text;
      running ??= drain();
    },
    idle: () => running ?? Promise.resolve(),
    written: () => written,
    failuresInRow: () => failuresInRow,
    lastError: () => lastError,
  };
}
