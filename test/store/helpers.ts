import type { Logger } from '../../src/log/logger.js';
/** Shared helpers for the history store tests: temp dirs, rows and snapshots. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryRow } from '../../src/store/history-row.js';
import type { MeterSnapshot, Reading } from '../../src/model/snapshot.js';
import { ROW_FIELDS } from '../../src/store/history-schema.js';

/** A temp dir removed after the test (even on failure) via t.after. */
export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A row of meter number `meterId`; configured meter `default` unless `values.meter` says otherwise. */
export function row(ts: number, values: Partial<HistoryRow> = {}, meterId = 'M1'): HistoryRow {
  const r = { ts, meter: 'default', meterId } as HistoryRow;
  for (const c of ROW_FIELDS) r[c] = null;
  return { ...r, ...values };
}

export function snapshot(
  receivedAt: number,
  readings: [string, number, string?][],
  meterId = 'M1',
): MeterSnapshot {
  return {
    meter: 'default',
    meterId,
    profile: 'obis-triples',
    receivedAt,
    framing: 'mbus',
    security: { mode: 'encrypted', securityControl: 0x21 },
    readings: readings.map(([obis, value, unit]): Reading => ({
      obis,
      key: obis,
      name: obis,
      value,
      ...(unit ? { unit } : {}),
    })),
  };
}

/** A logger that keeps `"<level> <message>"` lines, for asserting what a sink said. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const logger = {
    lines,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}
