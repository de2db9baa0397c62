/**
 * Home Assistant MQTT device discovery (pure): snapshot → ONE retained config per meter with every entity.
 *
 * Topic   `<prefix>/device/kaifareader_<meter id>/config`
 * Payload {"dev":{"identifiers":["kaifareader_1KFM0200175269"],"name":"Kaifa MA309 1KFM0200175269",…},
 *          "o":{"name":"kaifareader","sw":"0.1.0"},
 *          "cmps":{"energy_import_wh":{"p":"sensor","name":"Active energy import (A+)",
 *                  "unique_id":"kaifareader_1KFM0200175269_energy_import_wh",
 *                  "state_topic":"kaifareader/1KFM0200175269/state",
 *                  "value_template":"{{ value_json.energy_import_wh }}","availability":[…],…},…}}
 *
 * The `unique_id`s are the ones the single-component configs had (`kaifareader_<meter id>_<key>`), and each
 * component's id under `cmps` is the old topic's object id (`<key>`), so Home Assistant's documented migration
 * (discovery-migration.ts) keeps entity ids and history. Neither `object_id` nor `default_entity_id` is sent:
 * Home Assistant names the entities from the device and entity names.
 *
 * Classes come from the quantity table (src/cosem/quantities.ts) when it names them and the reading is in the
 * key's unit, else from the unit table below (codes the table does not know, as the meter states them). Energy counters
 * are `energy`/`total_increasing` in Wh (HA's energy dashboard accepts Wh); reactive energy and power have
 * their own classes and never `energy`; text values get no class; the meter clock is a `timestamp` sensor.
 * `grid_power_w` (import − export, src/model/grid-power.ts) is `power`/`measurement` for the energy dashboard's
 * "Standard" grid power.
 *
 * Availability of the readings: the daemon's `<base>/status` AND the meter's own `<base>/<meter id>/availability`,
 * mode `all`, so one silent meter's entities go unavailable while the other meters' stay live (HA forbids
 * `availability_topic` next to an `availability` list, hence the list only); `expire_after` as a second guard
 * when set. The diagnosis entities (`<base>/<meter id>/diagnostics`) follow the daemon's status only: they
 * must stay readable exactly when the meter is silent ("no-bytes", "wrong-key"). The caller passes a snapshot
 * whose `meterId` is already the topic id (`meterTopicId`).
 *
 * With `instance` set (`exports.mqtt.instance`, several daemons decoding one fleet into one base topic) no
 * entity lists a daemon's status: that topic is the instance's own (`<base>/instances/<instance>/status`), and
 * when that one instance stops or dies its last will would mark every meter unavailable although the other
 * instances still decode them. The readings then follow the meter's own availability only (which every
 * instance keeps `online` while it hears the meter, mqtt-sink.ts), and the diagnosis entities have no
 * availability at all: they are retained values that must stay readable exactly when the meter is silent, and
 * no single instance stands for the fleet.
 */
import { lookupQuantity } from '../../cosem/index.js';
import { GRID_POWER_KEY, gridPower } from '../../model/grid-power.js';
import type { MeterSnapshot, Reading } from '../../model/snapshot.js';
import type { Diagnosis } from '../../status/status.js';
import {
  availabilityTopic,
  deviceDiscoveryTopic,
  haNodeId,
  meterAvailabilityTopic,
  meterDiagnosticsTopic,
  stateTopic,
  valueTopic,
} from './topics.js';
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
  /** kaifareader's version (`o.sw`). */
  swVersion?: string;
  /** Where users get help (`o.url`), when the package names one. */
  supportUrl?: string;
  /** `expire_after` (s) of the reading sensors; none when undefined or 0. */
  expireAfter?: number;
  /** `exports.mqtt.instance`: set, no entity's availability lists a daemon's status (see the header). */
  instance?: string;
}

/** Every diagnosis state, in the order of `Diagnosis['state']`: the enum sensor's `options`. */
export const DIAGNOSIS_STATES: readonly Diagnosis['state'][] = [
  'ok',
  'starting',
  'no-bytes',
  'no-frames',
  'wrong-key',
  'key-missing',
  'unknown-layout',
  'port-error',
];

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
  // the meter's firmware when it sends one (x.x.0.2.0.255); never kaifareader's version (that is `o.sw`)
  const fw = snapshot.readings.find((r) => r.key === 'firmware_version')?.value;
  const firmware = fw === undefined ? undefined : String(fw);
  const label = [snapshot.manufacturer, snapshot.model ?? 'smart meter'].filter(Boolean).join(' ');
  return {
    identifiers: [haNodeId(snapshot.meterId)],
    name: deviceName ?? `${label.charAt(0).toUpperCase()}${label.slice(1)} ${snapshot.meterId}`,
    serial_number: snapshot.meterId,
    ...(snapshot.manufacturer !== undefined ? { manufacturer: snapshot.manufacturer } : {}),
    ...(snapshot.model !== undefined ? { model: snapshot.model } : {}),
    ...(firmware !== undefined ? { sw_version: firmware } : {}),
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
  if (gridPower(snapshot) !== undefined && !snapshot.readings.some((r) => r.key === GRID_POWER_KEY)) {
    specs.push({
      key: GRID_POWER_KEY,
      name: 'Grid power (import − export)',
      unit: 'W',
      classes: { device_class: 'power', state_class: 'measurement' },
      diagnostic: false,
    });
  }
  return specs;
}

type Component = Record<string, unknown>;

/**
 * The readings' availability: the daemon's status AND the meter's own, or (with an instance) the meter's own
 * only, since one instance's last will must not take the fleet's meters down (see the header). One topic in
 * the list: `availability_mode` is left out (every mode means the same then).
 */
function readingAvailability(meterId: string, opts: DiscoveryOptions): Component {
  const meter = { topic: meterAvailabilityTopic(opts.baseTopic, meterId) };
  return {
    ...(opts.instance === undefined
      ? { availability: [{ topic: availabilityTopic(opts.baseTopic) }, meter], availability_mode: 'all' }
      : { availability: [meter] }),
    payload_available: 'online',
    payload_not_available: 'offline',
  };
}

function readingComponent(snapshot: MeterSnapshot, spec: SensorSpec, opts: DiscoveryOptions): Component {
  return {
    p: 'sensor',
    name: spec.name,
    unique_id: `${haNodeId(snapshot.meterId)}_${spec.key}`,
    state_topic: stateTopic(opts.baseTopic, snapshot.meterId),
    value_template: `{{ value_json.${spec.key} }}`,
    ...readingAvailability(snapshot.meterId, opts),
    ...spec.classes,
    ...(spec.unit !== undefined ? { unit_of_measurement: spec.unit } : {}),
    ...(spec.diagnostic ? { entity_category: 'diagnostic' } : {}),
    ...(opts.expireAfter ? { expire_after: opts.expireAfter } : {}),
  };
}

/** The per-meter diagnostics entities: `<base>/<meter id>/diagnostics` (diagnostics.ts), daemon availability. */
function diagnosticComponents(meterId: string, opts: DiscoveryOptions): Record<string, Component> {
  const common = (key: string, name: string): Component => ({
    p: 'sensor',
    name,
    unique_id: `${haNodeId(meterId)}_${key}`,
    state_topic: meterDiagnosticsTopic(opts.baseTopic, meterId),
    value_template: `{{ value_json.${key} }}`,
    // with an instance: none, always readable (the header says why)
    ...(opts.instance === undefined
      ? {
          availability: [{ topic: availabilityTopic(opts.baseTopic) }],
          payload_available: 'online',
          payload_not_available: 'offline',
        }
      : {}),
    entity_category: 'diagnostic',
  });
  return {
    diagnosis: { ...common('diagnosis', 'Diagnosis'), device_class: 'enum', options: [...DIAGNOSIS_STATES] },
    telegrams_ok: { ...common('telegrams_ok', 'Telegrams decoded'), state_class: 'total_increasing' },
    telegram_errors: { ...common('telegram_errors', 'Telegram errors'), state_class: 'total_increasing' },
    last_telegram_at: { ...common('last_telegram_at', 'Last telegram'), device_class: 'timestamp' },
  };
}

/**
 * The last closed quarter hour (`<base>/<meter id>/energy_15min/last`, retained, quarter-hour-messages.ts) and the
 * running one so far (`…/energy_15min/current`) as energy sensors: `state_class: total` with `last_reset` = the interval's start, which is how Home Assistant
 * takes a value that covers one period; and its status (complete / partial) as a diagnostic enum. Only for
 * meters that send the import counter (the intervals are counter differences).
 */
function quarterHourComponents(snapshot: MeterSnapshot, opts: DiscoveryOptions): Record<string, Component> {
  if (!snapshot.readings.some((r) => r.key === 'energy_import_wh' && r.unit === 'Wh')) return {};
  const common = (key: string, name: string, field: string, which = 'last'): Component => ({
    p: 'sensor',
    name,
    unique_id: `${haNodeId(snapshot.meterId)}_${key}`,
    state_topic: `${valueTopic(opts.baseTopic, snapshot.meterId, 'energy_15min')}/${which}`,
    value_template: `{{ value_json.${field} }}`,
    ...readingAvailability(snapshot.meterId, opts),
  });
  const energy = (key: string, name: string, field: string, which = 'last'): Component => ({
    ...common(key, name, field, which),
    device_class: 'energy',
    state_class: 'total',
    unit_of_measurement: 'Wh',
    last_reset_value_template: '{{ value_json.start }}',
  });
  return {
    energy_15min_import_wh: energy('energy_15min_import_wh', 'Import, last quarter hour', 'import_wh'),
    energy_15min_export_wh: energy('energy_15min_export_wh', 'Export, last quarter hour', 'export_wh'),
    energy_15min_current_import_wh: energy(
      'energy_15min_current_import_wh',
      'Import, this quarter hour so far',
      'import_wh',
      'current',
    ),
    energy_15min_current_export_wh: energy(
      'energy_15min_current_export_wh',
      'Export, this quarter hour so far',
      'export_wh',
      'current',
    ),
    energy_15min_status: {
      ...common('energy_15min_status', 'Last quarter hour', 'status'),
      device_class: 'enum',
      options: ['complete', 'partial'],
      entity_category: 'diagnostic',
    },
  };
}

/** The component ids (`cmps` keys) of a snapshot's device config: its old topics' object ids, in order. */
export function componentKeys(snapshot: MeterSnapshot): string[] {
  return toSensorSpecs(snapshot).map((s) => s.key);
}

/** The device discovery config of one meter (retained): every reading and the diagnosis entities. */
export function toDeviceDiscovery(snapshot: MeterSnapshot, opts: DiscoveryOptions): OutgoingMessage {
  const cmps: Record<string, Component> = {};
  for (const spec of toSensorSpecs(snapshot)) cmps[spec.key] = readingComponent(snapshot, spec, opts);
  Object.assign(cmps, quarterHourComponents(snapshot, opts), diagnosticComponents(snapshot.meterId, opts));
  const origin = {
    name: 'kaifareader',
    ...(opts.swVersion !== undefined ? { sw: opts.swVersion } : {}),
    ...(opts.supportUrl !== undefined ? { url: opts.supportUrl } : {}),
  };
  return {
    topic: deviceDiscoveryTopic(opts.prefix, snapshot.meterId),
    payload: JSON.stringify({ dev: toDevice(snapshot, opts.deviceName), o: origin, cmps }),
    retain: true,
  };
}
