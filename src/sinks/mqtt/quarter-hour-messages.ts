/**
 * Quarter-hour energy over MQTT: the sink sees every snapshot, so it closes the intervals itself with the same
 * pure code as the history store (src/store/quarter-hour.ts: the meter's clock, counter differences, statuses).
 * Each closed quarter hour of a meter goes through the outbox to `<base>/<meter id>/energy_15min` (QoS 1, not
 * retained: a retained topic would keep only the last one) and, retained, to `<base>/<meter id>/energy_15min/last`:
 *
 *   {"start":"2026-10-25T02:45:00+02:00","end":"2026-10-25T02:00:00+01:00","import_wh":45,"export_wh":15,"status":"complete"}
 *
 * The closers live in memory: the interval running when the daemon starts has no start reading and is not
 * published (the history keeps it, as `partial`); every later one is.
 */
import type { MeterSnapshot } from '../../model/snapshot.js';
import {
  QUARTER_MS,
  QuarterHourCloser,
  isoWithOffset,
  meterClockMs,
  type QuarterHour,
} from '../../store/quarter-hour.js';
import { offsetFunction } from '../../store/local-time.js';
import type { OutgoingMessage } from './types.js';
import { valueTopic } from './topics.js';

/** The payload of one closed interval (snake_case keys, ISO times with their UTC offset). */
export function quarterHourPayload(q: QuarterHour, offsetAt: (ms: number) => number): string {
  const iso = (ms: number) => isoWithOffset(ms, offsetAt(ms));
  return JSON.stringify({
    start: iso(q.start),
    end: iso(q.start + QUARTER_MS),
    import_wh: q.importWh,
    export_wh: q.exportWh,
    status: q.status,
  });
}

const counter = (s: MeterSnapshot, key: string): number | null => {
  const r = s.readings.find((x) => x.key === key && x.unit === 'Wh');
  return typeof r?.value === 'number' ? r.value : null;
};

/**
 * `messages(snapshot)`: the messages of the intervals this snapshot closes (none for most). `snapshot.meterId` is
 * the topic id (as for the state topic); one closer per configured meter (`snapshot.meter`).
 */
export function createQuarterHourMessages(base: string, timeZone = 'Europe/Vienna') {
  const closers = new Map<string, QuarterHourCloser>();
  const offsetAt = offsetFunction(timeZone);
  return {
    messages(snapshot: MeterSnapshot): OutgoingMessage[] {
      const importWh = counter(snapshot, 'energy_import_wh');
      if (importWh === null) return [];
      let closer = closers.get(snapshot.meter);
      if (!closer) closers.set(snapshot.meter, (closer = new QuarterHourCloser()));
      const closed = closer
        .push({
          t: meterClockMs(snapshot.meterTime, snapshot.receivedAt, offsetAt),
          segment: snapshot.meterId,
          importWh,
          exportWh: counter(snapshot, 'energy_export_wh'),
        })
        .filter((q) => q.first !== undefined);
      const topic = valueTopic(base, snapshot.meterId, 'energy_15min');
      const out = closed.map((q) => ({ topic, payload: quarterHourPayload(q, offsetAt), retain: false }));
      const last = out.at(-1);
      if (last) out.push({ topic: `${topic}/last`, payload: last.payload, retain: true });
      return out;
    },
    /**
     * The running quarter hour of a meter so far (`…/energy_15min/current`, retained, QoS 0, every telegram: a stale
     * running value is worth nothing after a restart, so it never goes through the outbox). Undefined before its
     * first reading in an interval.
     */
    current(snapshot: MeterSnapshot): OutgoingMessage | undefined {
      const open = closers.get(snapshot.meter)?.state.open;
      if (!open) return undefined;
      const iso = (ms: number) => isoWithOffset(ms, offsetAt(ms));
      return {
        topic: `${valueTopic(base, snapshot.meterId, 'energy_15min')}/current`,
        payload: JSON.stringify({
          start: iso(open.start),
          end: iso(open.start + QUARTER_MS),
          import_wh: open.importWh,
          export_wh: open.exportWh,
          status: 'open',
        }),
        retain: true,
      };
    },
  };
}
