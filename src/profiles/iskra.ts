/**
 * Iskraemeco AM550 / IE.5 bare value lists (Slovenia, Croatia): positions named by amsreader-firmware's
 * IEC6205675 decoder (each `source` says which list and what is left out). Detected by element count, the "ISK"
 * logical device name and the leading types; see AGENTS.md for how the lists were matched.
 */
import type { Profile } from './profile.js';
import { powersPQ } from './position-runs.js';

/**
 * Iskraemeco AM550 P1 lists (Slovenia): the logical device name (0.0.42.0.0.255, "ISK" FLAG id + serial) first,
 * then a device id. Documented P1 port settings: 38400 8N1 (amsreader-firmware issue 869).
 */
function iskraHead(deviceId: string) {
  return [
    { position: 0, obis: '0.0.42.0.0.255' },
    { position: 1, obis: deviceId },
  ];
}
const ISKRA_P1 = { baudRate: 38400, parity: 'none', framing: 'hdlc' } as const;
/** uint32 A+ total, tariff 1, tariff 2, then A- total, tariff 1, tariff 2 (Wh) from `at`. */
const ISKRA_ENERGIES = (at: number) =>
  ['1.8.0', '1.8.1', '1.8.2', '2.8.0', '2.8.1', '2.8.2'].map((cde, i) => ({
    position: at + i,
    obis: `1.0.${cde}.255`,
    scaler: 0,
    unit: 'Wh',
  }));
/** uint16 voltages L1..L3 in 0.1 V from `at`. */
const ISKRA_VOLTAGES = (at: number) =>
  ['32', '52', '72'].map((c, i) => ({ position: at + i, obis: `1.0.${c}.7.0.255`, scaler: -1, unit: 'V' }));
/** uint16 currents L1..L3 in 0.01 A from `at`. */
const ISKRA_CURRENTS = (at: number) =>
  ['31', '51', '71'].map((c, i) => ({ position: at + i, obis: `1.0.${c}.7.0.255`, scaler: -2, unit: 'A' }));
/** uint32 active power import L1..L3, then export L1..L3 (W) from `at`. */
const ISKRA_PHASE_POWERS = (at: number) =>
  ['21', '41', '61', '22', '42', '62'].map((c, i) => ({
    position: at + i,
    obis: `1.0.${c}.7.0.255`,
    scaler: 0,
    unit: 'W',
  }));

export const ISKRA_PROFILES: readonly Profile[] = [
  {
    id: 'iskra-am550-slovenia',
    name: 'Iskraemeco AM550 (Slovenia, Elektro Ljubljana): list of 18, device name ISK…, P/Q, U, I, P per phase',
    manufacturer: 'Iskraemeco',
    model: 'AM550',
    operators: ['Elektro Ljubljana (Slovenia)'],
    layout: 'positions',
    // Every 5 s: the logical device name and device id 4, then uint32 powers, uint16 voltages in 0.1 V and
    // currents in 0.01 A, then uint32 active power import and export per phase.
    match: { counts: [18], firstTextPrefix: 'ISK', types: ['octet-string', 'octet-string'] },
    positions: [
      ...iskraHead('0.0.96.1.3.255'),
      ...powersPQ(2),
      ...ISKRA_VOLTAGES(6),
      ...ISKRA_CURRENTS(9),
      ...ISKRA_PHASE_POWERS(12),
    ],
    serial: ISKRA_P1,
    source:
      'amsreader-firmware src/decoder/src/IEC6205675.cpp Iskra "ISK" list of 18 (OBIS named per element); ' +
      'amsreader issue 615 (Elektro Ljubljana captures)',
    vectors: ['iskraemeco-gh615-1_amsreader', 'iskraemeco-gh615-6_amsreader'],
  },
  {
    id: 'iskra-am550-slovenia-energy',
    name: 'Iskraemeco AM550 (Slovenia, Elektro Ljubljana): list of 12, energy totals and tariffs every 15 min',
    manufacturer: 'Iskraemeco',
    model: 'AM550',
    operators: ['Elektro Ljubljana (Slovenia)'],
    layout: 'positions',
    // [2] disconnect control, [3] current tariff, then uint32 Wh: A+ total, T1, T2, A- total, T1, T2, R+, R-.
    match: {
      counts: [12],
      firstTextPrefix: 'ISK',
      types: ['octet-string', 'octet-string', ['enum', 'boolean'], 'octet-string', 'uint32'],
    },
    positions: [
      ...iskraHead('0.0.96.1.3.255'),
      { position: 2, obis: '0.0.96.3.10.255' },
      { position: 3, obis: '0.0.96.14.0.255' },
      ...ISKRA_ENERGIES(4),
      { position: 10, obis: '1.0.3.8.0.255', scaler: 0, unit: 'varh' },
      { position: 11, obis: '1.0.4.8.0.255', scaler: 0, unit: 'varh' },
    ],
    serial: ISKRA_P1,
    source:
      'amsreader-firmware src/decoder/src/IEC6205675.cpp Iskra "ISK" list of 12 (OBIS named per element); ' +
      'amsreader issue 615',
    vectors: ['iskraemeco-gh615-2_amsreader'],
  },
  {
    id: 'iskra-am550-slovenia-1s',
    name: 'Iskraemeco AM550 ED1.21 (Slovenia, Elektro Ljubljana): list of 9, P/Q, voltage L1, export tariffs',
    manufacturer: 'Iskraemeco',
    model: 'AM550',
    operators: ['Elektro Ljubljana (Slovenia)'],
    layout: 'positions',
    // Told from the 9-element energy list below by its second text and the uint16 voltage at [6].
    match: {
      counts: [9],
      firstTextPrefix: 'ISK',
      types: ['octet-string', 'octet-string', 'uint32', 'uint32', 'uint32', 'uint32', 'uint16'],
    },
    positions: [
      ...iskraHead('0.0.96.1.2.255'),
      ...powersPQ(2),
      { position: 6, obis: '1.0.32.7.0.255', scaler: -1, unit: 'V' },
      { position: 7, obis: '1.0.2.8.1.255', scaler: 0, unit: 'Wh' },
      { position: 8, obis: '1.0.2.8.2.255', scaler: 0, unit: 'Wh' },
    ],
    serial: ISKRA_P1,
    source:
      'amsreader-firmware src/decoder/src/IEC6205675.cpp Iskra "ISK" list of 9 with a uint16 at [6] (OBIS named ' +
      'per element); amsreader issue 869 (38400 8N1)',
    vectors: ['iskraemeco-gh869-1_amsreader'],
  },
  {
    id: 'iskra-am550-slovenia-1s-energy',
    name: 'Iskraemeco AM550 (Slovenia, Elektro Ljubljana, GEN-i): list of 9, P+/P-, A+ and A- with tariffs',
    manufacturer: 'Iskraemeco',
    model: 'AM550',
    operators: ['Elektro Ljubljana (Slovenia)'],
    layout: 'positions',
    // amsreader marks these positions as tentative ("1.7.0?"); its golden decode of issue 869's capture agrees
    // (P+, A+) and so do the registers themselves: T1 + T2 = total, for A+ and for A-.
    match: {
      counts: [9],
      firstTextPrefix: 'ISK',
      types: ['octet-string', 'uint32', 'uint32', 'uint32', 'uint32', 'uint32', 'uint32', 'uint32', 'uint32'],
    },
    positions: [
      { position: 0, obis: '0.0.42.0.0.255' },
      { position: 1, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
      { position: 2, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
      ...ISKRA_ENERGIES(3),
    ],
    serial: ISKRA_P1,
    source:
      'amsreader-firmware src/decoder/src/IEC6205675.cpp Iskra list of 9 with a uint32 at [6] (positions marked ' +
      'tentative there, confirmed by its golden test and the tariff sums); amsreader issue 869',
    vectors: ['iskraemeco-gh869-6_amsreader'],
  },
  {
    id: 'iskra-am550-slovenia-total',
    name: 'Iskraemeco AM550 (Slovenia, Elektro Ljubljana): list of 4, meter id and the energy totals',
    manufacturer: 'Iskraemeco',
    model: 'AM550',
    operators: ['Elektro Ljubljana (Slovenia)'],
    layout: 'positions',
    // [0] the meter id (the 8 digits of the ISK… name); [1] a uint8 no source names: left out.
    match: { counts: [4], types: ['octet-string', 'uint8', 'uint32', 'uint32'] },
    positions: [
      { position: 0, obis: '0.0.96.1.0.255' },
      { position: 2, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 3, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
    ],
    serial: ISKRA_P1,
    source:
      'amsreader-firmware src/decoder/src/IEC6205675.cpp Iskra list of 4 (A+ at [2], A- at [3], marked tentative ' +
      'there; [1] unnamed, left out); amsreader test/payloads/iskraemeco README (issue 869: "total energy ' +
      'register", meter id at [0])',
    vectors: ['iskraemeco-gh869-4_amsreader'],
  },
  {
    id: 'iskra-ie5-croatia',
    name: 'Iskraemeco IE.5 (Croatia, HEP): list of 33, serial, time, date, energy totals and tariffs, P, U, I',
    manufacturer: 'Iskraemeco',
    model: 'IE.5',
    operators: ['HEP ODS (Croatia)'],
    layout: 'positions',
    // No list id text: told by its shape — serial, time (4 octets), date (5 octets), then 12 uint32 registers.
    match: {
      counts: [33],
      types: ['octet-string', 'octet-string', 'octet-string', ...Array<'uint32'>(12).fill('uint32')],
      octetLengths: [null, 4, 5],
    },
    positions: [
      { position: 0, obis: '0.0.96.1.0.255' },
      ...ISKRA_ENERGIES(3),
      { position: 9, obis: '1.0.5.8.0.255', scaler: 0, unit: 'varh' },
      { position: 10, obis: '1.0.6.8.0.255', scaler: 0, unit: 'varh' },
      { position: 11, obis: '1.0.7.8.0.255', scaler: 0, unit: 'varh' },
      { position: 12, obis: '1.0.8.8.0.255', scaler: 0, unit: 'varh' },
      { position: 13, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
      { position: 14, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
      { position: 15, obis: '1.0.13.7.0.255', scaler: -3 },
      ...ISKRA_PHASE_POWERS(16),
      ...ISKRA_VOLTAGES(22),
      ...ISKRA_CURRENTS(25),
    ],
    serial: { baudRate: 115200, parity: 'none', framing: 'hdlc' },
    source:
      'amsreader-firmware src/decoder/src/IEC6205675.cpp Iskra list of 33 (0x21, OBIS named per element; [1] ' +
      '[2] time and date, [28..32] unnamed, left out); scaling per amsreader issue 1072 (W/Wh/varh, V ×10, A ×100)',
    vectors: ['iskraemeco-gh1072-3_amsreader'],
  },
];
