/**
 * A fleet of simulated meters for tests and `kaifareader demo --meters N`: each with its own id, key, system
 * title, meter number, layout and load profile, so every per-meter path (keys, MQTT topics, status, history) is
 * exercised with meters that really differ. Deterministic: the same n gives the same fleet, and a larger fleet
 * only adds meters (meter k is the same in every fleet that has it).
 *
 * Meter 1 is the demo's meter as it always was (DEMO_KEY, its title and number, the house with PV); alone it
 * keeps the id `default`, so `demo` without `--meters` stays exactly as before.
 */
import type { ByteSource } from '../transport/types.js';
import type { SimLayout } from './body-builders.js';
import type { MeterCurve } from './meter-model.js';
import {
  createSimulatedMeter,
  createTelegramFactory,
  DEMO_KEY,
  type SimulatedMeterOptions,
  type TelegramFactory,
} from './simulated-meter.js';

/** Most meters `demo --meters` accepts: enough for a block of flats, few enough for 2 cores. */
export const MAX_FLEET = 16;
/** Most meters a fleet has at all (tests and benches of fleets; the keys and serials stay distinct up to here). */
export const FLEET_LIMIT = 99;

export interface FleetMeter {
  /** Config id (`meters[].id`): `default` for a fleet of one, else `house`, `heatpump`, `pv`, `flat-1` … */
  id: string;
  /** Friendly name for the dashboard; absent for the fleet of one (today's demo has none). */
  name?: string;
  /** What `describe()` of its source says it is, e.g. `heat pump`; absent for the fleet of one. */
  label?: string;
  /** 0.0.96.1.0.255, the snapshot's meterId (MQTT topics and Home Assistant ids use it). */
  meterNumber: string;
  /** 0.0.42.0.0.255 */
  deviceName: string;
  /** AES-128 key, 32 hex digits: readable ASCII `KAIFAREADERDEMO1` … `KAIFAREADERDEM16`, never a real key. */
  key: string;
  /** 8 bytes as 16 hex digits. */
  systemTitle: string;
  layout: SimLayout;
  curve: MeterCurve;
  seed: number;
}

interface Role {
  id: string;
  name: string;
  label: string;
  layout: SimLayout;
  curve: MeterCurve;
}

/** The first three meters; the rest are flats. */
const ROLES: readonly Role[] = [
  { id: 'house', name: 'House', label: 'house', layout: 'obis-structures', curve: 'house' },
  { id: 'heatpump', name: 'Heat pump', label: 'heat pump', layout: 'obis-flat', curve: 'heatpump' },
  { id: 'pv', name: 'PV system', label: 'PV generation', layout: 'obis-structures', curve: 'pv' },
];
/** Flats cycle through the layouts, a single-phase meter first. */
const FLAT_LAYOUTS: readonly SimLayout[] = ['obis-structures-1phase', 'obis-flat', 'obis-structures'];

function role(i: number): Role {
  const r = ROLES[i];
  if (r) return r;
  const k = i - ROLES.length + 1;
  const layout = FLAT_LAYOUTS[(k - 1) % FLAT_LAYOUTS.length]!;
  return { id: `flat-${k}`, name: `Flat ${k}`, label: `flat ${k}`, layout, curve: 'flat' };
}

/** `KAIFAREADERDEMO1` (DEMO_KEY) for meter 1, `KAIFAREADERDEMO2` … `KAIFAREADERDEM16`: obviously a demo key. */
export function fleetKey(number: number): string {
  const text = `KAIFAREADERDEMO1`.slice(0, 16 - String(number).length) + String(number);
  return Buffer.from(text, 'latin1').toString('hex').toUpperCase();
}

/**
 * Kaifa numbering as the vectors show it: a 3-phase MA309 is `1KFM0200…`, title `KFM` 1020…, device name
 * `KFM1200200…` (vorarlberg, tinetz_gurux); the single-phase TINETZ example is `1KFM0100…`, `KFM` 1010…,
 * `KFM1100100…`. Meter 1 has the demo's serial 004242; the others are spread out like real serials.
 */
function numbering(i: number, layout: SimLayout) {
  const serial = String(4242 + 1117 * i).padStart(6, '0');
  const type = layout === 'obis-structures-1phase' ? '1' : '2';
  return {
    meterNumber: `1KFM0${type}00${serial}`,
    deviceName: `KFM1${type}00${type}00${serial}`,
    systemTitle: `4B464D10${type}0${serial}`,
  };
}

/**
 * n meters (1 … FLEET_LIMIT). `layout` replaces meter 1's layout (the demo's `--layout`); the others keep theirs.
 * Throws a RangeError for any other n (the CLI checks first and says what to type).
 */
export function simulatedFleet(n: number, opts: { layout?: SimLayout } = {}): FleetMeter[] {
  if (!Number.isInteger(n) || n < 1 || n > FLEET_LIMIT)
    throw new RangeError(`a simulated fleet has 1–${FLEET_LIMIT} meters, got ${n}`);
  return Array.from({ length: n }, (_, i): FleetMeter => {
    const r = role(i);
    const layout = i === 0 ? (opts.layout ?? r.layout) : r.layout;
    const single = n === 1;
    return {
      id: single ? 'default' : r.id,
      ...(single ? {} : { name: r.name, label: r.label }),
      ...numbering(i, layout),
      key: i === 0 ? DEMO_KEY : fleetKey(i + 1),
      layout,
      curve: r.curve,
      seed: i + 1,
    };
  });
}

/** The telegram factory's options for a fleet meter. */
export function meterOptions(m: FleetMeter): SimulatedMeterOptions {
  return {
    layout: m.layout,
    key: m.key,
    meterNumber: m.meterNumber,
    deviceName: m.deviceName,
    systemTitle: m.systemTitle,
    curve: m.curve,
    seed: m.seed,
    label: m.label,
  };
}

export interface SimulatedFleetMeter {
  meter: FleetMeter;
  /** Its telegrams (the demo backfills history with it before the source starts; the source continues it). */
  factory: TelegramFactory;
  /** Its own timers; stop() stops only this meter. */
  source: ByteSource;
}

export interface FleetRunOptions {
  periodMs?: number;
  frameGapMs?: number;
  /** When the counters start (default now): the demo starts them days earlier to backfill. */
  start?: number;
  now?: () => number;
}

/** One byte source per fleet meter, as createSimulatedMeter (each its own timers and counters). */
export function createSimulatedMeters(
  fleet: readonly FleetMeter[],
  opts: FleetRunOptions = {},
): SimulatedFleetMeter[] {
  return fleet.map((meter) => {
    const o: SimulatedMeterOptions = { ...meterOptions(meter), ...opts };
    const factory = createTelegramFactory(o);
    return { meter, factory, source: createSimulatedMeter({ ...o, factory }) };
  });
}
