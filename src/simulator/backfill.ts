/**
 * The demo's history backfill: so that a new user sees a week of charts and daily energy bars at once, the
 * simulated meter's telegrams for the past days (one per minute) go through the real decoder into the history
 * store before the daemon starts. Only when the history file does not exist yet: a real history is never touched.
 */
import { existsSync } from 'node:fs';
import { TelegramDecoder } from '../pipeline/telegram-decoder.js';
import { openHistoryStore } from '../store/history-store.js';
import { toHistoryRow, type HistoryRow } from '../store/history-row.js';
import { numberValue, type MeterSnapshot } from '../model/snapshot.js';
import { parseHex } from '../util/hex.js';
import type { TelegramFactory } from './simulated-meter.js';

export interface BackfillOptions {
  path: string;
  factory: TelegramFactory;
  key: string;
  from: number;
  to: number;
  stepMs?: number;
  timeZone?: string;
  /** The configured meter the rows are stored under (default `default`, the one-meter demo). */
  meter?: string;
}

/**
 * Writes the simulated past of one meter into the history file; returns the number of rows (0 when the file
 * already holds that meter). A meter already in the file is not touched: the factory continues from its last
 * stored counters instead, so a demo restarted on the same data dir never shows its counters going backwards;
 * a meter new to the file (`demo --meters 3` after a one-meter demo) gets its past written.
 */
export function backfillHistory(o: BackfillOptions): number {
  const meter = o.meter ?? 'default';
  if (existsSync(o.path) && resumeFromHistory(o)) return 0;
  const decoder = new TelegramDecoder({ keys: { encryptionKey: parseHex(o.key) }, meter });
  const store = openHistoryStore(o.path, { timeZone: o.timeZone });
  let rows: HistoryRow[] = [];
  let latest: MeterSnapshot | undefined;
  let written = 0;
  try {
    for (let t = o.from; t < o.to; t += o.stepMs ?? 60_000) {
      for (const frame of o.factory.next(t)) {
        for (const ev of decoder.push(frame, t)) {
          if (ev.type !== 'telegram') continue;
          rows.push(toHistoryRow(ev.snapshot));
          latest = ev.snapshot;
        }
      }
      if (rows.length >= 2000) {
        written += store.insert(rows, latest).written;
        rows = [];
      }
    }
    if (rows.length > 0) written += store.insert(rows, latest).written;
  } finally {
    store.close();
  }
  return written;
}

/**
 * The counters of the meter's last stored telegram (the history's `latest` snapshot), handed to the factory.
 * True when the file holds the meter (or cannot be read: the daemon's history sink then says what to do).
 */
function resumeFromHistory(o: BackfillOptions): boolean {
  let latest: MeterSnapshot | undefined;
  try {
    const store = openHistoryStore(o.path, { timeZone: o.timeZone });
    try {
      latest = store.latest(o.meter ?? 'default');
    } finally {
      store.close();
    }
  } catch {
    return true; // unreadable: the daemon's history sink reports it with what to do
  }
  if (!latest) return false;
  const value = (key: string) => numberValue(latest.readings.find((r) => r.key === key));
  o.factory.resume(
    {
      energyImport: value('energy_import_wh'),
      energyExport: value('energy_export_wh'),
      reactiveImport: value('reactive_energy_import_varh'),
      reactiveExport: value('reactive_energy_export_varh'),
    },
    Math.min(latest.receivedAt, o.to),
  );
  return true;
}
