/**
 * CSV of a history series (RFC 4180, CRLF line ends, header row). Columns: `time_unix` (bucket start, unix
 * seconds), `time_utc` (ISO 8601), then every series field in `SERIES_FIELDS` order; a gap is an empty cell.
 *
 *   time_unix,time_utc,power_import_w,…
 *   1764000000,2025-11-24T16:00:00Z,412,…
 */
import { SERIES_FIELDS, type Series, type SeriesField } from '../store/history-types.js';

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
