/**
 * `<base>/diagnostics` payload (pure): daemon counters, the live diagnosis and the MQTT outbox, as snake_case
 * JSON. Published retained every 60 s and whenever the diagnosis state changes; not queued in the outbox.
 *
 *   {"at":"2024-01-01T00:00:00.000Z","diagnosis":{"state":"ok","hint":"…"},"source":"/dev/ttyUSB0 2400 8N1",
 *    "source_connected":true,"bytes_received":123,"frames_ok":4,"telegrams_ok":2,
 *    "errors_by_code":{"mbus.checksum":1},"last_error":{"code":"…","message":"…","at":"…"},
 *    "last_telegram_at":"…","meter_id":"…","started_at":"…","outbox_backlog":0,"outbox_dropped":0}
 */
import type { DaemonStatus } from '../../status/status.js';

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function toDiagnosticsObject(
  status: DaemonStatus | undefined,
  outbox: { backlog: number; dropped: number },
  nowMs: number,
): Record<string, unknown> {
  const daemon = status
    ? {
        diagnosis: status.diagnosis,
        source: status.source,
        source_connected: status.sourceConnected,
        bytes_received: status.bytesReceived,
        frames_ok: status.framesOk,
        telegrams_ok: status.telegramsOk,
        errors_by_code: status.errorsByCode,
        last_error: status.lastError
          ? { code: status.lastError.code, message: status.lastError.message, at: iso(status.lastError.at) }
          : null,
        last_telegram_at: iso(status.lastTelegramAt),
        meter_id: status.meterId ?? null,
        started_at: iso(status.startedAt),
      }
    : {};
  return {
    at: new Date(nowMs).toISOString(),
    ...daemon,
    outbox_backlog: outbox.backlog,
    outbox_dropped: outbox.dropped,
  };
}
