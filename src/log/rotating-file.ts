/**
 * Append-only log file with size rotation like Python's RotatingFileHandler: before a line would push the file past
 * `maxBytes`, `file.(n-1)` → `file.n` … `file` → `file.1` and a fresh `file` is started (`backups` 0: truncate).
 * Synchronous writes: a line is on disk before the process can exit. `reopen()` is for logrotate (SIGHUP).
 * A file that cannot be written is reported once through `onError`, then retried at most every 60 s.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeFsError } from './fs-error.js';

const RETRY_MS = 60_000;

export class RotatingFile {
  private fd: number | undefined;
  private size = 0;
  private failedAt: number | undefined;
  private reported = false;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly backups: number,
    private readonly onError: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  write(line: string): void {
    if (this.fd === undefined && !this.open('a')) return;
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes && !this.rotate()) return;
    try {
      writeSync(this.fd!, line);
      this.size += bytes;
    } catch (e) {
      this.fail(e);
    }
  }

  /** Closes and opens the path again (after logrotate moved the file away). */
  reopen(): void {
    this.closeFd();
    this.failedAt = undefined;
    this.open('a');
  }

  close(): void {
    this.closeFd();
  }

  private open(flags: 'a' | 'w'): boolean {
    if (this.failedAt !== undefined && this.now() - this.failedAt < RETRY_MS) return false;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
    } catch {
      // reported by openSync below with the precise reason
    }
    try {
      this.fd = openSync(this.path, flags, 0o640);
      this.size = fstatSync(this.fd).size;
      this.failedAt = undefined;
      this.reported = false;
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  private rotate(): boolean {
    this.closeFd();
    try {
      if (this.backups > 0) {
        for (let i = this.backups - 1; i >= 1; i--)
          renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
        renameIfExists(this.path, `${this.path}.1`);
      }
    } catch (e) {
      this.fail(e);
      return false;
    }
    return this.open(this.backups > 0 ? 'a' : 'w');
  }

  private fail(e: unknown): void {
    this.closeFd();
    this.failedAt = this.now();
    if (this.reported) return;
    this.reported = true;
    this.onError(
      `${describeFsError(e, this.path, 'the log file', 'logging.file')}; logging continues on stderr`,
    );
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed: nothing to release
    }
    this.fd = undefined;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
