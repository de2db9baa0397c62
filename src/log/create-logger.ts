/**
 * The daemon's logger: human-readable lines on stderr (journald style with `<N>` priorities when stderr is the
 * journal, detected through JOURNAL_STREAM) and, when `logging.file` is set, the same lines with timestamps in a
 * size-rotated file. Levels below `logging.level` are dropped. Secret-named fields are always redacted.
 */
import { fstatSync } from 'node:fs';
import type { Logger } from './logger.js';
import type { LoggingConfig, LogLevel } from '../config/types.js';
import { formatLine, LEVEL_RANK, type LogEntry } from './format-line.js';
import { RotatingFile } from './rotating-file.js';

export interface ManagedLogger extends Logger {
  /** Reopens the log file (SIGHUP after logrotate). */
  reopen(): void;
  close(): Promise<void>;
}

export interface CreateLoggerOptions {
  /** Where lines go besides the file; default process.stderr. */
  stream?: NodeJS.WritableStream;
  /** Clock for timestamps and the file's retry timer. */
  now?: () => Date;
  /** journald style (`<6>` prefix, no timestamp) on the stream; default: JOURNAL_STREAM names our stderr. */
  journal?: boolean;
  env?: Record<string, string | undefined>;
}

type Sink = (entry: LogEntry) => void;

export function createLogger(
  cfg: Pick<LoggingConfig, 'level'> & Partial<LoggingConfig>,
  opts: CreateLoggerOptions = {},
): ManagedLogger {
  const now = opts.now ?? (() => new Date());
  const stream = opts.stream ?? process.stderr;
  const journal = opts.journal ?? (stream === process.stderr && stderrIsJournal(opts.env ?? process.env));
  const minRank = LEVEL_RANK[cfg.level];
  const toStream = (line: string) => {
    try {
      stream.write(line);
    } catch {
      // a closed stderr must not take the daemon down
    }
  };
  const file = cfg.file
    ? new RotatingFile(
        cfg.file,
        cfg.maxBytes ?? 2_097_152,
        cfg.backups ?? 1,
        (message) =>
          toStream(
            formatLine({ level: 'error', component: 'log', message }, journal ? 'journal' : 'plain', now()),
          ),
        () => now().getTime(),
      )
    : undefined;
  const sink: Sink = (entry) => {
    if (LEVEL_RANK[entry.level] < minRank) return;
    const time = now();
    toStream(formatLine(entry, journal ? 'journal' : 'plain', time));
    file?.write(formatLine(entry, 'plain', time));
  };
  return {
    ...makeLogger(sink, undefined),
    reopen: () => file?.reopen(),
    close: async () => file?.close(),
  };
}

function makeLogger(sink: Sink, component: string | undefined): Logger {
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    sink({ level, component, message, fields });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (name: string) => makeLogger(sink, component ? `${component}/${name}` : name),
  };
}

/** systemd sets JOURNAL_STREAM=`dev:inode` of the journal socket; it only counts when that is still our stderr. */
export function stderrIsJournal(env: Record<string, string | undefined>): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(2);
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}
