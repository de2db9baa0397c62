/** The `logging` keys, stated once: rows and the builder whose return type is `LoggingConfig`. */
import { defineOptions, dropUndefined, type ConfigOf, type FieldSpec } from '../config/spec.js';
import type { LogLevel } from '../config/types.js';

export const LOGGING_ROWS: readonly FieldSpec[] = [
  {
    path: 'logging',
    kind: 'section',
    description: 'Log output: always stderr (journald), optionally also a file with size rotation.',
  },
  {
    path: 'logging.level',
    kind: 'level',
    default: 'info',
    description: 'debug | info | warn | error (old "logging.INFO" accepted). Old key: loglevel.',
  },
  {
    path: 'logging.file',
    kind: 'path',
    example: '/var/log/kaifareader/kaifa.log',
    description: 'Also write the log to this file. Old key: logfile.',
  },
  {
    path: 'logging.max_bytes',
    kind: 'integer',
    min: 10_000,
    max: 1_000_000_000,
    default: 2_097_152,
    description: 'Rotate the log file when it would grow beyond this size (2 MiB like the old tool).',
  },
  {
    path: 'logging.backups',
    kind: 'integer',
    min: 0,
    max: 50,
    default: 1,
    description: 'Rotated files kept: file.1 … file.N (0: truncate instead).',
  },
];

export const LOGGING_OPTIONS = defineOptions(LOGGING_ROWS, (v) =>
  dropUndefined({
    level: v.def<LogLevel>('logging.level'),
    /** When set, also log to this file with rotation (old script: 2 MB × 1 backup). */
    file: v.get<string>('logging.file'),
    maxBytes: v.def<number>('logging.max_bytes'),
    backups: v.def<number>('logging.backups'),
  }),
);

export type LoggingConfig = ConfigOf<typeof LOGGING_OPTIONS>;
