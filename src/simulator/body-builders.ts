/**
 * Meter values → notification bodies in real layouts (see profiles/meters.ts), byte for byte like the captures:
 *
 *   obis-structures (TINETZ / Vorarlberg / Salzburg Kaifa MA309): clock OBIS + date-time, {OBIS, text} ×2,
 *                    {OBIS, value, {scaler, unit}} ×12 — U in 0.1 V (uint16), I in 0.01 A, P in W, A in Wh, R in varh
 *   obis-flat (Netz NÖ / EVN Kaifa MA309): date-time, OBIS, value, {scaler, unit} …, meter number
 *   obis-structures-1phase (a single-phase TINETZ meter, as the tinetz_fneur-example vector): the obis-structures
 *                    list without L2/L3 — a structure of 12, U1 and I1 only ("L2/L3 values only on 3-phase
 *                    meters", TINETZ customer interface description). It decodes as `obis-structures`.
 */
import type { AxdrValue, CosemDateTime } from '../axdr/types.js';
import { obisToBytes } from '../cosem/obis.js';
import type { MeterValues } from './meter-model.js';

export type SimLayout = 'obis-structures' | 'obis-flat' | 'obis-structures-1phase';
export const SIM_LAYOUTS: readonly SimLayout[] = ['obis-structures', 'obis-flat', 'obis-structures-1phase'];

/** The decoder profile each layout is detected as (the 1-phase list has the obis-structures shape). */
export const SIM_LAYOUT_PROFILE: Readonly<Record<SimLayout, string>> = {
  'obis-structures': 'obis-structures',
  'obis-flat': 'obis-flat',
  'obis-structures-1phase': 'obis-structures',
};

/** Phases a layout sends values for. */
export const layoutPhases = (layout: SimLayout): 1 | 3 => (layout === 'obis-structures-1phase' ? 1 : 3);

/** DLMS unit codes used here. */
const UNIT = { W: 27, Wh: 30, varh: 32, A: 33, V: 35 } as const;

interface Item {
  obis: string;
  type: 'uint16' | 'uint32';
  raw: number;
  scaler: number;
  unit: number;
}

function items(v: MeterValues, phases: 1 | 3): Item[] {
  const volts = v.voltage.slice(0, phases).map((u, i): Item => ({
    obis: `1.0.${32 + 20 * i}.7.0.255`,
    type: 'uint16',
    raw: Math.round(u * 10),
    scaler: -1,
    unit: UNIT.V,
  }));
  const amps = v.current.slice(0, phases).map((a, i): Item => ({
    obis: `1.0.${31 + 20 * i}.7.0.255`,
    type: 'uint16',
    raw: Math.round(a * 100),
    scaler: -2,
    unit: UNIT.A,
  }));
  const u32 = (obis: string, raw: number, unit: number): Item => ({
    obis,
    type: 'uint32',
    raw,
    scaler: 0,
    unit,
  });
  return [
    ...volts,
    ...amps,
    u32('1.0.1.7.0.255', v.powerImport, UNIT.W),
    u32('1.0.2.7.0.255', v.powerExport, UNIT.W),
    u32('1.0.1.8.0.255', v.energyImport, UNIT.Wh),
    u32('1.0.2.8.0.255', v.energyExport, UNIT.Wh),
    u32('1.0.3.8.0.255', v.reactiveImport, UNIT.varh),
    u32('1.0.4.8.0.255', v.reactiveExport, UNIT.varh),
  ];
}

const octets = (b: Uint8Array): AxdrValue => ({ type: 'octet-string', value: b });
const obis = (code: string): AxdrValue => octets(obisToBytes(code));
const text = (s: string): AxdrValue => octets(Buffer.from(s, 'latin1'));
const scalerUnit = (it: Item): AxdrValue => ({
  type: 'structure',
  items: [
    { type: 'int8', value: it.scaler },
    { type: 'enum', value: it.unit },
  ],
});
const value = (it: Item): AxdrValue => ({ type: it.type, value: it.raw });

export interface BodyInput {
  values: MeterValues;
  dateTime: Uint8Array;
  meterNumber: string;
  deviceName: string;
}

export function buildBody(layout: SimLayout, b: BodyInput): AxdrValue {
  const list = items(b.values, layoutPhases(layout));
  if (layout === 'obis-flat') {
    return {
      type: 'structure',
      items: [
        octets(b.dateTime),
        ...list.flatMap((it) => [obis(it.obis), value(it), scalerUnit(it)]),
        text(b.meterNumber),
      ],
    };
  }
  return {
    type: 'structure',
    items: [
      obis('0.0.1.0.0.255'),
      octets(b.dateTime),
      { type: 'structure', items: [obis('0.0.96.1.0.255'), text(b.meterNumber)] },
      { type: 'structure', items: [obis('0.0.42.0.0.255'), text(b.deviceName)] },
      ...list.map((it): AxdrValue => ({
        type: 'structure',
        items: [obis(it.obis), value(it), scalerUnit(it)],
      })),
    ],
  };
}

/** The meter's local time as COSEM date-time fields, with deviation and DST status like a Kaifa meter. */
export function localDateTime(now: number): CosemDateTime {
  const d = new Date(now);
  const jan = new Date(d.getFullYear(), 0, 1).getTimezoneOffset();
  const offset = d.getTimezoneOffset();
  return {
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    dayOfWeek: ((d.getDay() + 6) % 7) + 1,
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    hundredths: 0,
    deviation: offset,
    clockStatus: offset < jan ? 0x80 : 0x00,
  };
}
