/**
 * What a failing history write means for the user: SQLite / file-system error codes → one message saying what
 * to do. Matched on `code` (SqliteError: `SQLITE_FULL`, `SQLITE_IOERR_WRITE`, …; Node: `ENOSPC`, `EACCES`, …).
 */
import { dirname } from 'node:path';

const RULES: [RegExp, (path: string) => string][] = [
  [
    /^(SQLITE_FULL|ENOSPC)/,
    (p) =>
      `the disk holding ${p} is full: free some space; rows are kept in memory and written when space returns`,
  ],
  [
    /^(SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|EROFS|EACCES|EPERM)/,
    (p) =>
      `cannot write ${p} (read-only file system or missing permission): make ${dirname(p)} writable for the service user`,
  ],
  [
    /^(SQLITE_CORRUPT|SQLITE_NOTADB)/,
    (p) =>
      `${p} is corrupt or not a history database: stop the service, move the file away and restart (a new one is created)`,
  ],
  [
    /^(SQLITE_IOERR|EIO)/,
    (p) => `disk I/O error on ${p}: check the SD card / disk (dmesg); writes are retried`,
  ],
  [
    /^(SQLITE_BUSY|SQLITE_LOCKED)/,
    (p) => `${p} is locked by another process: stop other programs using the file`,
  ],
];

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** A one-line message for the log and status, with the underlying error appended. */
export function describeHistoryError(e: unknown, path: string): string {
  const code = codeOf(e);
  const detail = e instanceof Error ? e.message : String(e);
  const rule = RULES.find(([re]) => re.test(code));
  return rule ? `${rule[1](path)} (${code}: ${detail})` : `history write failed on ${path}: ${detail}`;
}
