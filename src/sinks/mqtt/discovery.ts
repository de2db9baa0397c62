/**
 * Home Assistant MQTT discovery (pure): snapshot → retained config messages, one sensor per reading seen.
 *
 * Topic   `<prefix>/sensor/kaifareader_<meter id>/<key>/config`
 * Payload {"name":"Active energy import (A+)","unique_id":"kaifareader_1KFM0200175269_energy_import_wh",
 *          "state_topic":"kaifareader/1KFM0200175269/state","value_template":"{{ value_json.energy_import_wh }}",
 *          "availability":[{"topic":"kaifareader/status"},{"topic":"kaifareader/1KFM0200175269/availability"}],
 *          "availability_mode":"all","device_class":"energy","state_class":"total_increasing",
 *          "unit_of_measurement":"Wh","device":{"identifiers":["kaifareader_1KFM0200175269"],…},…}
 *
 * Classes come from the quantity table (src/cosem/quantities.ts) when it names them and the reading is in the
 * key's unit, else from the unit table below (codes the table does not know, as the meter states them). Energy counters
 * are `energy`/`total_increasing` in Wh (HA's energy dashboard accepts Wh); reactive energy and power have
 * their own classes and never `energy`; text values get no class; the meter clock is a `timestamp` sensor.
 *
 * Availability: the daemon's `<base>/status` AND the meter's own `<base>/<meter id>/availability`, mode `all`,
 * so one silent meter's entities go unavailable while the other meters' stay live (HA forbids
 * `availability_topic` next to an `availability` list, hence the list only). The caller passes a snapshot
 * whose `meterId` is already the topic id (`meterTopicId`).
 */
import { lookupQuantity } from '../../cosem/index.js';
import type { MeterSnapshot, Reading } from '../../model/snapshot.js';
import { availabilityTopic, discoveryTopic, haNodeId, meterAvailabilityTopic, stateTopic } from './topics.js';
import type { OutgoingMessage } from './types.js';

interface SensorClasses {
  device_class?: string;
  state_class?: string;
}

/** HA classes by DLMS unit name, for codes the catalog does not know. */
const UNIT_CLASSES: Record<string, SensorClasses> = {
  Wh: { device_class: 'energy', state_class: 'total_increasing' },
  kWh: { device_class: 'energy', state_class: 'total_increasing' },
  varh: { device_class: 'reactive_energy', state_class: 'total_increasing' },
  kvarh: { device_class: 'reactive_energy', state_class: 'total_increasing' },
  VAh: { state_class: 'total_increasing' },
  W: { device_class: 'power', state_class: 'measurement' },
  kW: { device_class: 'power', state_class: 'measurement' },
  var: { device_class: 'reactive_power', state_class: 'measurement' },
  kvar: { device_class: 'reactive_power', state_class: 'measurement' },
  VA: { device_class: 'apparent_power', state_class: 'measurement' },
  V: { device_class: 'voltage', state_class: 'measurement' },
  A: { device_class: 'current', state_class: 'measurement' },
  Hz: { device_class: 'frequency', state_class: 'measurement' },
};

/** Keys the state object sets itself (see state-payload.ts). */
const RESERVED = new Set(['meter_id', 'received_at', 'meter_time']);

export interface DiscoveryOptions {
  baseTopic: string;
  prefix: string;
  /** The configured meter name (`meters[].name`): the HA device name when set. */
  deviceName?: string;
}

/** The catalog's classes for a known code (incl. dimensionless power factor), else by unit; none for text. */
function classesFor(reading: Reading): SensorClasses {
  if (typeof reading.value !== 'number') return {};
  const unit = reading.unit;
  const entry = lookupQuantity(reading.obis);
  const byUnit = unit !== undefined ? UNIT_CLASSES[unit] : undefined;
  // The catalog's class only when the value really is in the catalog's unit: a Kamstrup current sent as a bare
  // number (0.01 A steps, no unit in the telegram) must not become an "A" sensor in Home Assistant.
  const entryFits = entry !== undefined && (entry.unit === undefined || entry.unit === unit);
  const chosen = entryFits
    ? { device_class: entry.deviceClass, state_class: entry.stateClass }
    : (byUnit ?? {});
  const { device_class, state_class } = chosen;
  return {
    ...(device_class !== undefined ? { device_class } : {}),
    ...(state_class !== undefined ? { state_class } : {}),
  };
}

/** The HA device block: one device per meter, named by the configured name or by make, model and number. */
export function toDevice(snapshot: MeterSnapshot, deviceName?: string): Record<string, unknown> {
  const label = [snapshot.manufacturer, snapshot.model ?? 'smart meter'].filter(Boolean).join(' ');
  return {
    identifiers: [haNodeId(snapshot.meterId)],
    name: deviceName ?? `${label.charAt(0).toUpperCase()}${label.slice(1)} ${snapshot.meterId}`,
    serial_number: snapshot.meterId,
    ...(snapshot.manufacturer !== undefined ? { manufacturer: snapshot.manufacturer } : {}),
    ...(snapshot.model !== undefined ? { model: snapshot.model } : {}),
  };
}

interface SensorSpec {
  key: string;
  name: string;
  unit?: string;
  classes: SensorClasses;
  diagnostic: boolean;
}

function toSensorSpecs(snapshot: MeterSnapshot): SensorSpec[] {
  const specs: SensorSpec[] = [];
  if (snapshot.meterTime !== undefined || snapshot.readings.some((r) => r.key === 'meter_time')) {
    specs.push({
      key: 'meter_time',
      name: 'Meter time',
      classes: { device_class: 'timestamp' },
      diagnostic: true,
    });
  }
  for (const r of snapshot.readings) {
    if (RESERVED.has(r.key)) continue;
    const numeric = typeof r.value === 'number';
    specs.push({
      key: r.key,
      name: r.name,
      // the decoder states known quantities in the key's unit (energy_import_wh in Wh even from a DSMR meter)
      ...(numeric && r.unit !== undefined ? { unit: r.unit } : {}),
      classes: classesFor(r),
      diagnostic: !numeric,
    });
  }
  return specs;
}

function toConfig(
  snapshot: MeterSnapshot,
  spec: SensorSpec,
  opts: DiscoveryOptions,
): Record<string, unknown> {
  return {
    name: spec.name,
    unique_id: `${haNodeId(snapshot.meterId)}_${spec.key}`,
    state_topic: stateTopic(opts.baseTopic, snapshot.meterId),
    value_template: `{{ value_json.${spec.key} }}`,
    availability: [
      { topic: availabilityTopic(opts.baseTopic) },
      { topic: meterAvailabilityTopic(opts.baseTopic, snapshot.meterId) },
    ],
    availability_mode: 'all',
    payload_available: 'online',
    payload_not_available: 'offline',
    ...spec.classes,
    ...(spec.unit !== undefined ? { unit_of_measurement: spec.unit } : {}),
    ...(spec.diagnostic ? { entity_category: 'diagnostic' } : {}),
    device: toDevice(snapshot, opts.deviceName),
    origin: { name: 'kaifareader' },
  };
}

/** Discovery config messages for every value in the snapshot (retained). */
export function toDiscoveryMessages(snapshot: MeterSnapshot, opts: DiscoveryOptions): OutgoingMessage[] {
  return toSensorSpecs(snapshot).map((spec) => ({
    topic: discoveryTopic(opts.prefix, snapshot.meterId, spec.key),
    payload: JSON.stringify(toConfig(snapshot, spec, opts)),
    retain: true,
  }));
}
