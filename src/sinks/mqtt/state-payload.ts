/**
 * Snapshot → state messages (pure). These go through the durable outbox, so each payload carries its own
 * `received_at`: a message delivered a day late still says when the meter sent it.
 *
 * `<base>/<meter id>/state`, one JSON object per telegram (keys are stable, snake_case with the unit):
 *   {"meter_id":"1KFM0200175269","meter_time":"2023-07-26T20:05:20+02:00",
 *    "received_at":"2023-07-26T18:05:21.000Z","energy_import_wh":3744082,"voltage_l1_v":233,…,"grid_power_w":53}
 * `grid_power_w` (import − export, W) is derived and comes last, only for meters that send both powers.
 * Per-value topics carry the bare value (`3744082`, `233.7`, text as is). Values are in the key's unit already
 * (the decoder normalises, src/cosem/quantities.ts): `energy_import_wh` is Wh even from a DSMR meter stating kWh.
 * Legacy topics reproduce the old Python tool: paho-mqtt's `str(float)` of the kWh value (`3744.082`,
 * `3744.0` for whole numbers), QoS as configured, not retained.
 */
import type { MeterSnapshot } from '../../model/snapshot.js';
import { GRID_POWER_KEY, gridPower } from '../../model/grid-power.js';
import { QUANTITIES, lookupQuantity, valueInKeyUnit, type Quantity } from '../../cosem/index.js';
import { gridPowerTopic, legacyTopic, stateTopic, valueTopic } from './topics.js';
import type { OutgoingMessage } from './types.js';

/** Keys the sink sets itself; a reading with the same key does not override them. */
const RESERVED_KEYS = new Set(['meter_id', 'meter_time', 'received_at']);

/**
 * The state JSON object: meter_id, meter_time, received_at (ISO), then every reading by key. `meter_time` is
 * the snapshot's (with the meter's UTC offset); the clock reading (key `meter_time`) only fills in without it.
 */
export function toStateObject(snapshot: MeterSnapshot): Record<string, number | string> {
  const clock = snapshot.readings.find((r) => r.key === 'meter_time')?.value;
  const meterTime = snapshot.meterTime ?? clock;
  const state: Record<string, number | string> = { meter_id: snapshot.meterId };
  if (meterTime !== undefined) state.meter_time = meterTime;
  state.received_at = new Date(snapshot.receivedAt).toISOString();
  for (const r of snapshot.readings) {
    if (!RESERVED_KEYS.has(r.key)) state[r.key] = r.value;
  }
  // derived, after the readings: import − export for meters that send both (src/model/grid-power.ts)
  const grid = gridPower(snapshot);
  if (grid !== undefined) state[GRID_POWER_KEY] = grid;
  return state;
}

/** `<base>/<meter id>/grid_power`: the signed net power as a bare number, undefined for a meter without it. */
export function toGridPowerMessage(base: string, snapshot: MeterSnapshot): OutgoingMessage | undefined {
  const grid = gridPower(snapshot);
  if (grid === undefined) return undefined;
  return { topic: gridPowerTopic(base, snapshot.meterId), payload: String(grid), retain: false };
}

export function toStateMessage(base: string, snapshot: MeterSnapshot): OutgoingMessage {
  return {
    topic: stateTopic(base, snapshot.meterId),
    payload: JSON.stringify(toStateObject(snapshot)),
    retain: false,
  };
}

/** One message per reading on `<base>/<meter id>/<key>`. */
export function toValueMessages(base: string, snapshot: MeterSnapshot): OutgoingMessage[] {
  return snapshot.readings
    .filter((r) => !RESERVED_KEYS.has(r.key))
    .map((r) => ({
      topic: valueTopic(base, snapshot.meterId, r.key),
      payload: String(r.value),
      retain: false,
    }));
}

/**
 * Python's `str(float)`: shortest round-trip digits like JavaScript, but whole numbers keep `.0`.
 * (Python switches to exponent notation at 1e16, JavaScript at 1e21: irrelevant for kWh counters.)
 */
export function toPythonFloatText(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** The rows with a legacy topic (A+ `RealEnergyIn_S`, A- `RealEnergyOut_S`), in table order. */
const LEGACY_SOURCES: readonly Quantity[] = QUANTITIES.filter((q) => q.legacyTopic !== undefined);

/**
 * The old tool published `<Wh value> / 1000` for A+ and A- (any channel B, F = 255 only: the table's rule); a
 * value the telegram lacks, or sends in another unit than Wh, is not published.
 */
export function toLegacyMessages(base: string, snapshot: MeterSnapshot): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  for (const q of LEGACY_SOURCES) {
    const r = snapshot.readings.find((x) => lookupQuantity(x.obis) === q);
    const wh = r && valueInKeyUnit(q, r);
    if (wh === undefined) continue;
    out.push({
      topic: legacyTopic(base, q.legacyTopic!),
      payload: toPythonFloatText(wh / 1000),
      retain: false,
    });
  }
  return out;
}
