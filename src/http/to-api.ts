/**
 * Pure conversions from the internal types to the JSON API's outside shape: snake_case keys, times in unix
 * seconds (milliseconds as a fraction), readings keyed by their stable key. These shapes never change
 * incompatibly (see docs/http-api.md); new fields may be added.
 */
import { gridPower } from '../model/grid-power.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import { numberValue } from '../model/snapshot.js';
import type { DaemonStatus, MeterStatus } from '../status/status.js';
import type { SinkStatus } from '../sinks/sink.js';

export interface ApiReading {
  value: number | string;
  unit: string | null;
  obis: string;
  name: string;
}

export interface ApiSnapshot {
  /** The configured meter id (`meters[].id`, `default` with one meter); `meter_id` is the meter's number. */
  meter: string;
  meter_id: string;
  profile: string;
  manufacturer: string | null;
  model: string | null;
  meter_time: string | null;
  received_at: number;
  framing: string;
  security_mode: string;
  readings: Record<string, ApiReading>;
  /** import − export in W (src/model/grid-power.ts), null unless the meter sends both powers. */
  grid_power_w: number | null;
}

/** Milliseconds since the epoch → unix seconds (fraction kept to the millisecond). */
export function toUnixSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

export function toApiSnapshot(s: MeterSnapshot): ApiSnapshot {
  const readings: Record<string, ApiReading> = {};
  for (const r of s.readings) {
    readings[r.key] = { value: r.value, unit: r.unit ?? null, obis: r.obis, name: r.name };
  }
  return {
    meter: s.meter,
    meter_id: s.meterId,
    profile: s.profile,
    manufacturer: s.manufacturer ?? null,
    model: s.model ?? null,
    meter_time: s.meterTime ?? null,
    received_at: toUnixSeconds(s.receivedAt),
    framing: s.framing,
    security_mode: s.security.mode,
    readings,
    grid_power_w: gridPower(s) ?? null,
  };
}

function toApiSink(s: SinkStatus) {
  return {
    ok: s.ok,
    state: s.state,
    backlog: s.backlog ?? null,
    dropped: s.dropped ?? null,
    last_error: s.lastError ?? null,
  };
}

export interface StatusExtras {
  version: string;
  /** Current time, ms since the epoch (injected so the conversion stays pure). */
  now: number;
  /** Full-resolution rows in the history store, when there is one. */
  historyRows?: number;
}

type MeterCounters = Omit<MeterStatus, 'meter' | 'name'>;

/** The fields a meter and the daemon's top level share (the top level reads like one meter). */
function toApiCounters(s: MeterCounters, now: number) {
  const lastError = s.lastError
    ? { code: s.lastError.code, message: s.lastError.message, at: toUnixSeconds(s.lastError.at) }
    : null;
  return {
    source: s.source,
    source_connected: s.sourceConnected,
    bytes_received: s.bytesReceived,
    frames_ok: s.framesOk,
    telegrams_ok: s.telegramsOk,
    errors_by_code: { ...s.errorsByCode },
    last_error: lastError,
    last_telegram_at: s.lastTelegramAt === undefined ? null : toUnixSeconds(s.lastTelegramAt),
    last_telegram_age_s:
      s.lastTelegramAt === undefined ? null : Math.max(0, Math.round((now - s.lastTelegramAt) / 1000)),
    meter_id: s.meterId ?? null,
    diagnosis: { state: s.diagnosis.state, hint: s.diagnosis.hint },
  };
}

/** One entry of `/api/v1/status`'s `meters`: the configured id and name, then the top level's meter fields. */
export function toApiMeterStatus(m: MeterStatus, now: number) {
  return { id: m.meter, name: m.name ?? null, ...toApiCounters(m, now) };
}

export function toApiStatus(s: DaemonStatus, extras: StatusExtras) {
  const sinks: Record<string, ReturnType<typeof toApiSink>> = {};
  for (const [name, sink] of Object.entries(s.sinks)) sinks[name] = toApiSink(sink);
  return {
    version: extras.version,
    started_at: toUnixSeconds(s.startedAt),
    uptime_s: Math.max(0, Math.floor((extras.now - s.startedAt) / 1000)),
    ...toApiCounters(s, extras.now),
    sinks,
    history_rows: extras.historyRows ?? null,
    meters: s.meters.map((m) => toApiMeterStatus(m, extras.now)),
  };
}

export type ApiStatus = ReturnType<typeof toApiStatus>;

/** A numeric reading by its stable key in its base unit (W), null when the snapshot has none. */
function powerOf(s: MeterSnapshot | undefined, key: string): number | null {
  return numberValue(s?.readings.find((r) => r.key === key)) ?? null;
}

/** One entry of `/api/v1/meters`: who the meter is, whether it is read, and its power right now. */
export function toApiMeterSummary(m: MeterStatus, latest: MeterSnapshot | undefined) {
  return {
    id: m.meter,
    name: m.name ?? null,
    meter_number: m.meterId ?? latest?.meterId ?? null,
    source: m.source,
    connected: m.sourceConnected,
    diagnosis: { state: m.diagnosis.state, hint: m.diagnosis.hint },
    last_telegram_at: m.lastTelegramAt === undefined ? null : toUnixSeconds(m.lastTelegramAt),
    power_import_w: powerOf(latest, 'power_import_w'),
    power_export_w: powerOf(latest, 'power_export_w'),
    telegrams_ok: m.telegramsOk,
  };
}

export type ApiMeterSummary = ReturnType<typeof toApiMeterSummary>;
