/**
 * `<base>/diagnostics` payload (pure): daemon counters, the live diagnosis and the MQTT outbox, as snake_case
 * JSON. Published retained every 60 s and whenever the diagnosis state changes; not queued in the outbox.
 *
 *   {"at":"2024-01-01T00:00:00.000Z","diagnosis":{"state":"ok","hint":"…"},"source":"/dev/ttyUSB0 2400 8N1",
 *    "source_connected":true,"bytes_received":123,"frames_ok":4,"telegrams_ok":2,
 *    "errors_by_code":{"mbus.checksum":1},"last_error":{"code":"…","message":"…","at":"…"},
 *    "last_telegram_at":"…","meter_id":"…","started_at":"…",
 *    "meters":[{"id":"default","name":null,"meter_id":"…","diagnosis":{…},"source":"…","source_connected":true,
 *               "bytes_received":123,"frames_ok":4,"telegrams_ok":2,"errors_by_code":{},"last_error":null,
 *               "last_telegram_at":"…"}],
 *    "outbox_backlog":0,"outbox_dropped":0}
 *
 * The top level reads as one meter (DaemonStatus sums the counters and names the first meter), as before
 * meters had ids; `meters` has every configured meter in config order: `id` is `meters[].id`, `meter_id` the
 * meter number its last telegram carried (null before the first).
 */
import type { DaemonStatus, MeterStatus } from '../../status/status.js';

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

const lastError = (e: MeterStatus['lastError']): Record<string, unknown> | null =>
  e ? { code: e.code, message: e.message, at: iso(e.at) } : null;

function toMeterObject(m: MeterStatus): Record<string, unknown> {
  return {
    id: m.meter,
    name: m.name ?? null,
    meter_id: m.meterId ?? null,
    diagnosis: m.diagnosis,
    source: m.source,
    source_connected: m.sourceConnected,
    bytes_received: m.bytesReceived,
    frames_ok: m.framesOk,
    telegrams_ok: m.telegramsOk,
    errors_by_code: m.errorsByCode,
    last_error: lastError(m.lastError),
    last_telegram_at: iso(m.lastTelegramAt),
  };
}

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
        last_error: lastError(status.lastError),
        last_telegram_at: iso(status.lastTelegramAt),
        meter_id: status.meterId ?? null,
        started_at: iso(status.startedAt),
        meters: (status.meters ?? []).map(toMeterObject),
      }
    : {};
  return {
    at: new Date(nowMs).toISOString(),
    ...daemon,
    outbox_backlog: outbox.backlog,
    outbox_dropped: outbox.dropped,
  };
}

/**
 * `<base>/<meter id>/diagnostics` (retained): one meter's diagnosis and counters, the state of its Home
 * Assistant diagnosis entities (discovery.ts). Flat, so each entity's template is one key:
 *   {"at":"…","diagnosis":"wrong-key","hint":"…","source_connected":true,"bytes_received":1200,"frames_ok":8,
 *    "telegrams_ok":0,"telegram_errors":8,"last_telegram_at":null}
 * `telegram_errors` is the sum of `errors_by_code` (every frame or telegram that failed, whatever the cause).
 */
export function toMeterDiagnosticsObject(m: MeterStatus, nowMs: number): Record<string, unknown> {
  return {
    at: new Date(nowMs).toISOString(),
    diagnosis: m.diagnosis.state,
    hint: m.diagnosis.hint,
    source_connected: m.sourceConnected,
    bytes_received: m.bytesReceived,
    frames_ok: m.framesOk,
    telegrams_ok: m.telegramsOk,
    telegram_errors: Object.values(m.errorsByCode).reduce((a, b) => a + b, 0),
    last_telegram_at: iso(m.lastTelegramAt),
  };
}

/** A meter as one instance has seen it: its configured id and topic id, then its per-meter diagnostics. */
export interface SeenMeter {
  status: MeterStatus;
  /** Its topic id (`meterTopicId`), null before this instance decoded a telegram of it. */
  topicId: string | null;
}

/**
 * `<base>/instances/<instance>/diagnostics` (`exports.mqtt.instance` set): the daemon object above, naming the
 * instance, plus `meters_seen`: per meter this instance received anything from (or knows the number of),
 * what `<base>/<meter id>/diagnostics` holds (without `at`). The per-meter topics are shared by the fleet and
 * show whichever instance published last; this list is this instance's own view, so an instance that gets
 * frames it cannot decode (its key is wrong) is told apart from one that decodes fine.
 *   {"at":"…","instance":"decoder-a",…,"meters_seen":[{"id":"house","meter_id":"1KFM0200175269",
 *    "diagnosis":"ok","hint":"…","source_connected":true,"bytes_received":1200,"frames_ok":8,"telegrams_ok":8,
 *    "telegram_errors":0,"last_telegram_at":"…"}],"outbox_backlog":0,"outbox_dropped":0}
 */
export function toInstanceDiagnosticsObject(
  instance: string,
  status: DaemonStatus | undefined,
  seen: readonly SeenMeter[],
  outbox: { backlog: number; dropped: number },
  nowMs: number,
): Record<string, unknown> {
  const { at, outbox_backlog, outbox_dropped, ...daemon } = toDiagnosticsObject(status, outbox, nowMs);
  const metersSeen = seen.map(({ status: m, topicId }) => {
    const { at: _at, ...counters } = toMeterDiagnosticsObject(m, nowMs);
    return { id: m.meter, meter_id: topicId, ...counters };
  });
  return { at, instance, ...daemon, meters_seen: metersSeen, outbox_backlog, outbox_dropped };
}
