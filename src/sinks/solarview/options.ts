/**
 * The `exports.solarview` keys, stated once. `file` may hold `{meter}` (replaced by the meter id, one file per
 * meter); whether it must is decided where the meters are known (src/daemon/config-schema.ts).
 */
import { defineOptions, type ConfigOf, type FieldSpec } from '../../config/spec.js';

export const SOLARVIEW_ROWS: readonly FieldSpec[] = [
  {
    path: 'exports.solarview',
    kind: 'section',
    description:
      'Solarview text file (1.8.0 / 2.8.0 in kWh), rewritten atomically on every telegram. Old keys: export_format "SOLARVIEW" + export_file_abspath.',
  },
  {
    path: 'exports.solarview.file',
    kind: 'path',
    example: '/run/kaifareader/kaifa.txt',
    description: 'Absolute path of the file Solarview reads (required).',
  },
];

export const SOLARVIEW_OPTIONS = defineOptions(SOLARVIEW_ROWS, (v) => {
  if (!v.present('exports.solarview')) return undefined;
  const file = v.need<string>(
    'exports.solarview.file',
    'the absolute path of the file Solarview reads, e.g. "/run/kaifareader/kaifa.txt"',
  );
  /** Absolute path of the file Solarview reads, written atomically on every telegram; `{meter}` → meter id. */
  return file === undefined ? undefined : { file };
});

export type SolarviewConfig = ConfigOf<typeof SOLARVIEW_OPTIONS>;
