/** The `exports.history` keys, stated once: rows and the builder whose return type is `HistoryConfig`. */
import { join } from 'node:path';
import {
  defineOptions,
  dropUndefined,
  type ConfigOf,
  type FieldSpec,
  type Values,
} from '../../config/spec.js';

export const HISTORY_ROWS: readonly FieldSpec[] = [
  {
    path: 'exports.history',
    kind: 'section',
    toggle: true,
    description: 'SQLite history for the dashboard; true for all defaults.',
  },
  {
    path: 'exports.history.path',
    kind: 'path',
    default: '<data_dir>/history.db',
    description: 'SQLite database file.',
  },
  {
    path: 'exports.history.retention_days',
    kind: 'integer',
    min: 1,
    max: 36_500,
    default: 30,
    description: 'Days of full-resolution rows kept; hourly/daily rollups are kept for ever.',
  },
  {
    path: 'exports.history.time_zone',
    kind: 'string',
    default: 'Europe/Vienna',
    example: 'Europe/Vienna',
    description: 'IANA time zone whose local midnights and months divide energy per day/month.',
  },
];

export const HISTORY_OPTIONS = defineOptions(HISTORY_ROWS, (v, ctx) => {
  if (!v.present('exports.history')) return undefined;
  const history: { path: string; retentionDays: number; timeZone?: string } = {
    /** SQLite file, default `<data_dir>/history.db`. */
    path: v.get<string>('exports.history.path') ?? join(ctx.dataDir, 'history.db'),
    /** Days of full-resolution rows kept; rollups are kept for ever. */
    retentionDays: v.def<number>('exports.history.retention_days'),
    /** IANA time zone for energy per day/month; absent = Europe/Vienna. */
    timeZone: timeZone(v, 'exports.history.time_zone'),
  };
  return dropUndefined(history);
});

export type HistoryConfig = ConfigOf<typeof HISTORY_OPTIONS>;

/** An IANA zone name known to this Node's ICU (kept as written: ICU would turn Asia/Kolkata into Asia/Calcutta). */
function timeZone(v: Values, path: string): string | undefined {
  const zone = v.get<string>(path);
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    v.issue(
      path,
      `unknown time zone "${zone}": use an IANA name such as "Europe/Vienna" (list: timedatectl list-timezones)`,
    );
    return undefined;
  }
}
