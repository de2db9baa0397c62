/**
 * The hand-off type between the decoder and everything after it (sinks, store, HTTP, MQTT, metrics).
 * Sinks see only MeterSnapshot, never bytes.
 *
 * Stable outside names: `key` is snake_case with the unit in the name (`energy_import_wh`) and never changes
 * incompatibly; `unit` is the DLMS unit name (Wh, W, V, A, varh, var, Hz, …). For a quantity of the table
 * (src/cosem/quantities.ts) the decoder states the value in the key's unit (a DSMR kWh becomes Wh).
 */

/** One decoded COSEM value, scaler already applied. */
export interface Reading {
  /** OBIS code in dotted form `a.b.c.d.e.f`, e.g. `1.0.1.8.0.255`. */
  obis: string;
  /** Stable snake_case key with the unit, e.g. `energy_import_wh`; `obis_1_0_99_7_0_255` when not catalogued. */
  key: string;
  /** Human-readable name, e.g. `Active energy import (A+)`. */
  name: string;
  /**
   * Scaled value (exact decimal: 233.7, not 233.70000000000002) or text (meter number, date-time ISO 8601).
   * Known quantities are in the key's unit (6.695 kWh sent → 6695 with unit Wh); others as the meter sent them.
   */
  value: number | string;
  /** DLMS unit name (the key's unit for known quantities), absent for counts, text and dimensionless values. */
  unit?: string;
  /** The register as sent, when `value` was scaled by a documented implied or configured scaler (Kamstrup). */
  raw?: number;
}

/** Link layer the telegram arrived in. */
export type Framing = 'mbus' | 'hdlc' | 'raw' | 'dsmr';

/** How the telegram was protected. */
export interface SecurityInfo {
  /** `none` (plaintext), `encrypted` (SC 0x20/0x21, no tag), `authenticated-encrypted` (SC 0x30, tag verified or not checked). */
  mode: 'none' | 'encrypted' | 'authenticated-encrypted';
  /** Security control byte, e.g. 0x21. */
  securityControl?: number;
  /** System title as hex (8 bytes), e.g. `4B464D1020007840`; the first three bytes are the manufacturer (`KFM`). */
  systemTitle?: string;
  /** Invocation counter (frame counter). */
  invocationCounter?: number;
  /** True when a GCM tag was present and verified with the authentication key. */
  tagVerified?: boolean;
}

/** One decoded telegram. */
export interface MeterSnapshot {
  /**
   * The configured meter this telegram was read for (`meters[].id`; `default` for a single-meter config and the
   * CLI). Names the meter in files (`{meter}`), the HTTP API (`?meter=`), the dashboard and the `meter` label of
   * `/metrics`. MQTT topics and Home Assistant ids use `meterId` (what the telegram carries) instead.
   */
  meter: string;
  /** Meter number (0.0.96.1.0.255) when the telegram carries it, else the system title's serial part. */
  meterId: string;
  /** Profile (layout) id that decoded the body, e.g. `obis-triples`, `evn-flat`, `burgenland-e450`. */
  profile: string;
  /** Manufacturer / model as far as the layout or system title tells (for Home Assistant device info). */
  manufacturer?: string;
  model?: string;
  /** Receive time, milliseconds since the Unix epoch (injected clock, never read inside the decoder). */
  receivedAt: number;
  /** Meter's own clock, ISO 8601 with offset when the meter sends a deviation, e.g. `2023-07-26T20:05:20+02:00`. */
  meterTime?: string;
  framing: Framing;
  security: SecurityInfo;
  readings: Reading[];
}

/** Finds a reading by OBIS code (dotted form). */
export function findReading(snapshot: MeterSnapshot, obis: string): Reading | undefined {
  return snapshot.readings.find((r) => r.obis === obis);
}

/**
 * A numeric reading's value, undefined for text. Readings are normalised in the decoder (src/cosem/quantities.ts):
 * `value` is already in the unit its key names (`energy_import_wh` in Wh even from a DSMR meter stating kWh), so
 * no caller converts.
 */
export function numberValue(r: Reading | undefined): number | undefined {
  return r && typeof r.value === 'number' ? r.value : undefined;
}
