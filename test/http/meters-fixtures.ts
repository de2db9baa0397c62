/**
 * Three configured meters for the multi-meter HTTP and dashboard tests: `home` ("Haus"), `garage` ("Garage")
 * and `pv` (no name, no telegram yet). Snapshots are the Netz NÖ fixture (fixtures.ts) with the meter id, the
 * meter number and the import power changed so that each meter is told apart by what the API answers.
 */
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import type { DaemonStatus, MeterStatus } from '../../src/status/status.js';
import { fixtureSnapshot, fixtureStatus } from './fixtures.js';

export const METER_IDS = ['home', 'garage', 'pv'] as const;

/** The snapshot of `meter` with its own meter number and import power (export stays 0 W as in the telegram). */
export function meterSnapshot(
  meter: string,
  meterId: string,
  powerImportW: number,
  receivedAt = 1_632_728_835_000,
) {
  const s = fixtureSnapshot(receivedAt, powerImportW);
  return {
    ...s,
    meter,
    meterId,
    readings: s.readings.map((r) => (r.key === 'meter_number' ? { ...r, value: meterId } : r)),
  } satisfies MeterSnapshot;
}

/** Latest snapshots per meter id: home 480 W, garage 1234 W, pv none yet. */
export function meterSnapshots(receivedAt?: number): Map<string, MeterSnapshot> {
  return new Map([
    ['home', meterSnapshot('home', '1KFM0200000001', 480, receivedAt)],
    ['garage', meterSnapshot('garage', '1KFM0200000002', 1234, receivedAt)],
  ]);
}

export function metersStatus(): DaemonStatus {
  const base = fixtureStatus();
  const one = base.meters[0]!;
  const meters: MeterStatus[] = [
    { ...one, meter: 'home', name: 'Haus', meterId: '1KFM0200000001' },
    {
      ...one,
      meter: 'garage',
      name: 'Garage',
      source: 'tcp://10.0.0.5:2000',
      meterId: '1KFM0200000002',
      telegramsOk: 12,
    },
    {
      meter: 'pv',
      source: '/dev/ttyUSB1 2400 8E1',
      sourceConnected: false,
      bytesReceived: 0,
      framesOk: 0,
      telegramsOk: 0,
      errorsByCode: {},
      diagnosis: { state: 'no-bytes', hint: 'nothing arrives on /dev/ttyUSB1: check the cable' },
    },
  ];
  return { ...base, meters, diagnosis: meters[2]!.diagnosis };
}

/** `latest` for the server: by id, the first meter when absent. */
export function latestOf(snapshots: Map<string, MeterSnapshot>) {
  return (meter?: string) => snapshots.get(meter ?? METER_IDS[0]);
}
