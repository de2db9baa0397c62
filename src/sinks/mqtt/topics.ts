/**
 * The MQTT topic contract (stable, documented in docs/mqtt.md). Pure: strings in, strings out.
 *
 *   <base>/status                                   availability: `online` retained, `offline` as last will
 *   <base>/instances/<instance>/status              the same, instead of <base>/status when `instance` is set
 *   <base>/<meter id>/availability                  per meter: `online` / `offline` (retained, availability.ts)
 *   <base>/diagnostics                              daemon diagnostics JSON (retained)
 *   <base>/instances/<instance>/diagnostics         the same, instead of <base>/diagnostics when `instance` is set
 *   <base>/<meter id>/state                         one JSON object per telegram
 *   <base>/<meter id>/<key>                         one value per topic (optional, `perValueTopics`)
 *   <base>/<meter id>/grid_power                    import − export in W, bare number, QoS 0, not retained
 *   <base>/<meter id>/diagnostics                   the meter's diagnosis and counters JSON (retained)
 *   <base>/RealEnergyIn_S, <base>/RealEnergyOut_S   the old Python tool's kWh topics (`legacyTopics`)
 *   <prefix>/device/kaifareader_<meter id>/config   Home Assistant device discovery (retained)
 *   <prefix>/sensor/kaifareader_<meter id>/<key>/config   the old per-entity discovery: migrated and cleared
 *   <prefix>/status                                 Home Assistant's birth/last-will topic (subscribed)
 *
 * Example: base `kaifareader`, meter `1KFM0200175269` → `kaifareader/1KFM0200175269/state`.
 *
 * `<meter id>` is the meter number the telegram carries (`MeterSnapshot.meterId`), so that existing Home
 * Assistant entities keep their ids when the daemon reads more meters. See `meterTopicId` for a meter that
 * sends no number.
 *
 * `instance` (`exports.mqtt.instance`): several daemons decoding one fleet into one base topic (docs/fleet.md).
 * Only the daemon's own topics (status, diagnostics) move under `<base>/instances/<instance>/`: each daemon has
 * its own last will and counters there. Every meter topic stays shared, since any instance may decode the meter.
 */

/** What the decoder puts in `meterId` when the telegram names no meter (src/pipeline/decode-apdu.ts). */
export const NO_METER_NUMBER = 'unknown';
/** The configured id of a one-meter config (`MeterSnapshot.meter`). */
const SINGLE_METER = 'default';

/**
 * The meter's id in topics and HA ids: its meter number; for a telegram that carries none (decoder fallback
 * `unknown`) the configured meter id, so two such meters never share topics. A one-meter config (`default`)
 * keeps `unknown`, as it published before meters had ids: its Home Assistant entities survive the upgrade.
 */
export function meterTopicId(snapshot: { meter: string; meterId: string }): string {
  if (snapshot.meterId !== NO_METER_NUMBER || snapshot.meter === SINGLE_METER) return snapshot.meterId;
  return snapshot.meter;
}

/** Meter ids become topic levels and HA ids: keep `[A-Za-z0-9_-]`, replace anything else (`/ + #`, space) by `_`. */
export function toTopicId(meterId: string): string {
  const cleaned = meterId.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned.length > 0 ? cleaned : 'unknown';
}

/** Base topic without trailing slashes (`kaifareader/` → `kaifareader`). */
function trimBase(base: string): string {
  return base.replace(/\/+$/, '');
}

export const availabilityTopic = (base: string): string => `${trimBase(base)}/status`;
/** Per-meter availability, `meterId` as for the state topic. */
export const meterAvailabilityTopic = (base: string, meterId: string): string =>
  `${trimBase(base)}/${toTopicId(meterId)}/availability`;
/** Subscription filter for every meter's availability (`<base>/+/availability`). */
export const meterAvailabilityFilter = (base: string): string => `${trimBase(base)}/+/availability`;
export const diagnosticsTopic = (base: string): string => `${trimBase(base)}/diagnostics`;
/** `<base>/instances/<instance>` (the instance is an `id`: one topic level, config/walk.ts checks it). */
const instanceBase = (base: string, instance: string): string => `${trimBase(base)}/instances/${instance}`;
/** The daemon's availability: `<base>/instances/<instance>/status` with an instance, else `<base>/status`. */
export const daemonStatusTopic = (base: string, instance?: string): string =>
  instance === undefined ? availabilityTopic(base) : `${instanceBase(base, instance)}/status`;
/** The daemon's diagnostics JSON: `<base>/instances/<instance>/diagnostics` with an instance, else `<base>/diagnostics`. */
export const daemonDiagnosticsTopic = (base: string, instance?: string): string =>
  instance === undefined ? diagnosticsTopic(base) : `${instanceBase(base, instance)}/diagnostics`;
export const meterDiagnosticsTopic = (base: string, meterId: string): string =>
  `${trimBase(base)}/${toTopicId(meterId)}/diagnostics`;
export const gridPowerTopic = (base: string, meterId: string): string =>
  `${trimBase(base)}/${toTopicId(meterId)}/grid_power`;
export const stateTopic = (base: string, meterId: string): string =>
  `${trimBase(base)}/${toTopicId(meterId)}/state`;
export const valueTopic = (base: string, meterId: string, key: string): string =>
  `${trimBase(base)}/${toTopicId(meterId)}/${key}`;
export const legacyTopic = (base: string, name: 'RealEnergyIn_S' | 'RealEnergyOut_S'): string =>
  `${trimBase(base)}/${name}`;

/** `kaifareader_<meter id>`: HA node id, device identifier and unique_id prefix. */
export const haNodeId = (meterId: string): string => `kaifareader_${toTopicId(meterId)}`;
/** The old single-component topic of one sensor (before device discovery): only migrated and cleared now. */
export const discoveryTopic = (prefix: string, meterId: string, key: string): string =>
  `${trimBase(prefix)}/sensor/${haNodeId(meterId)}/${key}/config`;
/** Every old single-component topic of a meter (`<prefix>/sensor/kaifareader_<id>/+/config`). */
export const legacyDiscoveryFilter = (prefix: string, meterId: string): string =>
  `${trimBase(prefix)}/sensor/${haNodeId(meterId)}/+/config`;
/** The device-based discovery topic of a meter: one retained config with all its entities. */
export const deviceDiscoveryTopic = (prefix: string, meterId: string): string =>
  `${trimBase(prefix)}/device/${haNodeId(meterId)}/config`;
export const haStatusTopic = (prefix: string): string => `${trimBase(prefix)}/status`;
