/**
 * DLMS unit enumeration (Blue Book, class "Register" attribute scaler_unit; IEC 62056-6-2): the unit byte of a
 * `structure { int8 scaler, enum unit }` → the DLMS unit name. Example: `02 02 0F FF 16 23` = scaler -1, unit 35
 * (V). Codes 0, 58, 59, 68, 69 and 73..253 are not assigned.
 */

/** [code, DLMS name, quantity]. */
const UNIT_TABLE: readonly (readonly [number, string, string])[] = [
  [1, 'a', 'time (year)'],
  [2, 'mo', 'time (month)'],
  [3, 'wk', 'time (week)'],
  [4, 'd', 'time (day)'],
  [5, 'h', 'time (hour)'],
  [6, 'min', 'time (minute)'],
  [7, 's', 'time (second)'],
  [8, '°', 'phase angle'],
  [9, '°C', 'temperature'],
  [10, 'currency', 'local currency'],
  [11, 'm', 'length'],
  [12, 'm/s', 'speed'],
  [13, 'm³', 'volume'],
  [14, 'm³', 'corrected volume'],
  [15, 'm³/h', 'volume flux'],
  [16, 'm³/h', 'corrected volume flux'],
  [17, 'm³/d', 'volume flux'],
  [18, 'm³/d', 'corrected volume flux'],
  [19, 'l', 'volume'],
  [20, 'kg', 'mass'],
  [21, 'N', 'force'],
  [22, 'Nm', 'energy'],
  [23, 'Pa', 'pressure'],
  [24, 'bar', 'pressure'],
  [25, 'J', 'energy'],
  [26, 'J/h', 'thermal power'],
  [27, 'W', 'active power'],
  [28, 'VA', 'apparent power'],
  [29, 'var', 'reactive power'],
  [30, 'Wh', 'active energy'],
  [31, 'VAh', 'apparent energy'],
  [32, 'varh', 'reactive energy'],
  [33, 'A', 'current'],
  [34, 'C', 'electrical charge'],
  [35, 'V', 'voltage'],
  [36, 'V/m', 'electric field strength'],
  [37, 'F', 'capacitance'],
  [38, 'Ω', 'resistance'],
  [39, 'Ωm²/m', 'resistivity'],
  [40, 'Wb', 'magnetic flux'],
  [41, 'T', 'magnetic flux density'],
  [42, 'A/m', 'magnetic field strength'],
  [43, 'H', 'inductance'],
  [44, 'Hz', 'frequency'],
  [45, '1/(Wh)', 'active energy meter constant'],
  [46, '1/(varh)', 'reactive energy meter constant'],
  [47, '1/(VAh)', 'apparent energy meter constant'],
  [48, 'V²h', 'volt-squared hours'],
  [49, 'A²h', 'ampere-squared hours'],
  [50, 'kg/s', 'mass flux'],
  [51, 'S', 'conductance'],
  [52, 'K', 'temperature'],
  [53, '1/(V²h)', 'volt-squared hour meter constant'],
  [54, '1/(A²h)', 'ampere-squared hour meter constant'],
  [55, '1/m³', 'volume meter constant'],
  [56, '%', 'percentage'],
  [57, 'Ah', 'ampere-hours'],
  [60, 'Wh/m³', 'energy per volume'],
  [61, 'J/m³', 'calorific value'],
  [62, 'Mol %', 'molar fraction'],
  [63, 'g/m³', 'mass density'],
  [64, 'Pa s', 'dynamic viscosity'],
  [65, 'J/kg', 'specific energy'],
  [66, 'g/cm²', 'pressure'],
  [67, 'atm', 'pressure'],
  [70, 'dBm', 'signal strength'],
  [71, 'dBµV', 'signal strength'],
  [72, 'dB', 'logarithmic ratio'],
  [254, 'other', 'other unit'],
  [255, 'count', 'no unit, unitless, count'],
];

const NAMES: readonly (string | undefined)[] = (() => {
  const t = new Array<string | undefined>(256).fill(undefined);
  for (const [code, name] of UNIT_TABLE) t[code] = name;
  return t;
})();

const CODES = new Map<string, number>();
for (const [code, name] of UNIT_TABLE) if (!CODES.has(name)) CODES.set(name, code);

/** DLMS unit code → name (`30` → `Wh`); undefined for unassigned codes. */
export function unitName(code: number): string | undefined {
  return NAMES[code];
}

/** DLMS name → unit code (`Wh` → 30; the first code where a name is shared, e.g. `m³` → 13). */
export function unitCode(name: string): number | undefined {
  return CODES.get(name);
}

/** The quantity a unit code measures (`35` → `voltage`). */
export function unitQuantity(code: number): string | undefined {
  return UNIT_TABLE.find(([c]) => c === code)?.[2];
}

/** Every assigned unit code with its name, in code order. */
export const DLMS_UNITS: readonly (readonly [number, string])[] = UNIT_TABLE.map(([c, n]) => [c, n] as const);
