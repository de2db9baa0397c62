/**
 * CSV of a history series (RFC 4180, CRLF line ends, header row). Columns: `time_unix` (bucket start, unix
 * seconds), `time_utc` (ISO 8601), then every series field in `SERIES_FIELDS` order; a gap is an empty cell.
 *
 *   time_unix,time_utc,power_import_w,…
 *   1764000000,2025-11-24T16:00:00Z,412,…
 */
import {
  SERIES_FIELDS,
  type QuarterHourBucket,
  type Series,
  type SeriesField,
} from '../store/history-types.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

function isoSeconds(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
}

/** Rows per piece of seriesCsvPieces. */
const ROWS_PER_PIECE = 100;

/** The CSV in pieces of ROWS_PER_PIECE rows, header first (for sendPieces). */
export function* seriesCsvPieces(
  series: Series,
  fields: readonly SeriesField[] = SERIES_FIELDS,
): Generator<string> {
  yield ['time_unix', 'time_utc', ...fields].join(',') + '\r\n';
  for (let at = 0; at < series.t.length; at += ROWS_PER_PIECE) {
    const rows: string[] = [];
    for (let i = at; i < Math.min(series.t.length, at + ROWS_PER_PIECE); i++) {
      const t = series.t[i]!;
      const cells = fields.map((f) => {
        const v = series.values[f]?.[i];
        return v === null || v === undefined ? '' : String(v);
      });
      rows.push([String(t), isoSeconds(t), ...cells].join(',') + '\r\n');
    }
    yield rows.join('');
  }
}

export function formatSeriesCsv(series: Series, fields: readonly SeriesField[] = SERIES_FIELDS): string {
  return [...seriesCsvPieces(series, fields)].join('');
}

/** Wh as kWh with three decimals, exactly (integer arithmetic: no 1.0049999 from floating point). */
function kwh(wh: number | null): string {
  if (wh === null) return '';
  const abs = Math.abs(wh);
  return `${wh < 0 ? '-' : ''}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/**
 * The quarter-hour CSV, as the grid operators' portals offer it for energy communities: one row per interval,
 * start and end as local ISO 8601 time WITH the UTC offset (the repeated autumn hour stays unambiguous:
 * `02:45+02:00`, then `02:00+01:00`), energy in kWh with three decimals (exact Wh), the status. A missing interval
 * keeps its row with empty energy cells; a meter without export counter has an empty export column.
 *
 *   start,end,import_kwh,export_kwh,status
 *   2026-10-25T02:45:00+02:00,2026-10-25T02:00:00+01:00,0.187,0.000,complete
 */
export function* quarterHourCsvPieces(buckets: readonly QuarterHourBucket[]): Generator<string> {
  yield 'start,end,import_kwh,export_kwh,status\r\n';
  for (let at = 0; at < buckets.length; at += ROWS_PER_PIECE) {
    yield buckets
      .slice(at, at + ROWS_PER_PIECE)
      .map((b) => `${b.start_time},${b.end_time},${kwh(b.import_wh)},${kwh(b.export_wh)},${b.status}\r\n`)
      .join('');
  }
}
