/**
 * The demo's history backfill: so that a new user sees a week of charts and daily energy bars at once, the
 * simulated meter's telegrams for the past days (one per minute) go through the real decoder into the history
 * store before the daemon starts. Only when the history file does not exist yet: a real history is never touched.
 */
import { existsSync } from 'node:fs';
import { TelegramDecoder } from '../pipeline/telegram-decoder.js';
import { openHistoryStore } from '../store/history-store.js';
import { toHistoryRow, type HistoryRow } from '../store/history-row.js';
import type { MeterSnapshot } from '../model/snapshot.js';
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
}

/** Writes the simulated past into a new history file; returns the number of rows (0 when the file existed). */
export function backfillHistory(o: BackfillOptions): number {
  if (existsSync(o.path)) return 0;
  const decoder = new TelegramDecoder({ keys: { encryptionKey: parseHex(o.key) } });
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
