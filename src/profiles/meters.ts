/**
 * The meter × operator layouts kaifareader knows, as data. Order matters only among position profiles (the first
 * whose `match` fits wins); self-describing layouts are recognised from the body itself.
 * Position maps and scalers come from the community documentation named in `source` (never guessed).
 */
import type { Profile } from './profile.js';
import { WIENER_NETZE_PROFILES } from './wiener-netze.js';

const KAIFA_MBUS = { baudRate: 2400, parity: 'none', framing: 'mbus' } as const;

/** Kamstrup HAN registers by OBIS C.D (every channel B): scaler and unit the manufacturer documents. */
const KAMSTRUP_SCALERS: Record<string, { scaler: number; unit?: string }> = {
  '1.7': { scaler: 0, unit: 'W' },
  '2.7': { scaler: 0, unit: 'W' },
  '3.7': { scaler: 0, unit: 'var' },
  '4.7': { scaler: 0, unit: 'var' },
  '21.7': { scaler: 0, unit: 'W' },
  '41.7': { scaler: 0, unit: 'W' },
  '61.7': { scaler: 0, unit: 'W' },
  '22.7': { scaler: 0, unit: 'W' },
  '42.7': { scaler: 0, unit: 'W' },
  '62.7': { scaler: 0, unit: 'W' },
  '31.7': { scaler: -2, unit: 'A' },
  '51.7': { scaler: -2, unit: 'A' },
  '71.7': { scaler: -2, unit: 'A' },
  '32.7': { scaler: 0, unit: 'V' },
  '52.7': { scaler: 0, unit: 'V' },
  '72.7': { scaler: 0, unit: 'V' },
  '13.7': { scaler: -2 },
  '33.7': { scaler: -2 },
  '53.7': { scaler: -2 },
  '73.7': { scaler: -2 },
  '1.8': { scaler: 1, unit: 'Wh' },
  '2.8': { scaler: 1, unit: 'Wh' },
  '3.8': { scaler: 1, unit: 'varh' },
  '4.8': { scaler: 1, unit: 'varh' },
  '21.8': { scaler: 1, unit: 'Wh' },
  '41.8': { scaler: 1, unit: 'Wh' },
  '61.8': { scaler: 1, unit: 'Wh' },
  '22.8': { scaler: 1, unit: 'Wh' },
  '42.8': { scaler: 1, unit: 'Wh' },
  '62.8': { scaler: 1, unit: 'Wh' },
};

/** Kaifa HAN registers (Norway and Sweden lists): currents in mA, voltages in 0.1 V, W/var, Wh/varh. */
const KAIFA_SCALERS: Record<string, { scaler: number; unit?: string }> = {
  '1.7': { scaler: 0, unit: 'W' },
  '2.7': { scaler: 0, unit: 'W' },
  '3.7': { scaler: 0, unit: 'var' },
  '4.7': { scaler: 0, unit: 'var' },
  '31.7': { scaler: -3, unit: 'A' },
  '51.7': { scaler: -3, unit: 'A' },
  '71.7': { scaler: -3, unit: 'A' },
  '32.7': { scaler: -1, unit: 'V' },
  '52.7': { scaler: -1, unit: 'V' },
  '72.7': { scaler: -1, unit: 'V' },
  '1.8': { scaler: 0, unit: 'Wh' },
  '2.8': { scaler: 0, unit: 'Wh' },
  '3.8': { scaler: 0, unit: 'varh' },
  '4.8': { scaler: 0, unit: 'varh' },
};

/** Kaifa list 2/3 (Norway): list id, meter number, meter type, then the instantaneous values. */
const KAIFA_HEAD = [
  { position: 0, obis: '1.1.0.2.129.255' },
  { position: 1, obis: '0.0.96.1.0.255' },
  { position: 2, obis: '0.0.96.1.7.255' },
];

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
/** uint32 P+ P- (W) and Q+ Q- (var) from `at`. */
const ISKRA_POWERS = (at: number) => [
  { position: at, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
  { position: at + 1, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
  { position: at + 2, obis: '1.0.3.7.0.255', scaler: 0, unit: 'var' },
  { position: at + 3, obis: '1.0.4.7.0.255', scaler: 0, unit: 'var' },
];
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

export const PROFILES: readonly Profile[] = [
  {
    id: 'obis-structures',
    name: 'OBIS triples in a structure of structures',
    manufacturer: 'Kaifa',
    model: 'MA309',
    operators: ['TINETZ', 'IKB', 'Salzburg Netz', 'Vorarlberger Energienetze', 'Norway (Aidon, in an array)'],
    layout: 'obis',
    serial: { baudRate: 2400, parity: 'even', framing: 'mbus' },
    source: 'TINETZ customer interface description; Gurux translations in the vectors',
    vectors: [
      'tinetz_fneur-example_1',
      'vorarlberg_philippsev-vkw_1',
      'salzburg_nooxnet-apdu_1',
      'norway-aidon_hassams-hourly_1',
    ],
  },
  {
    id: 'obis-flat',
    name: 'OBIS triples in one flat structure, date-time first, meter number last',
    manufacturer: 'Kaifa',
    model: 'MA309',
    operators: ['Netz Niederösterreich (EVN)'],
    layout: 'obis',
    serial: KAIFA_MBUS,
    source: 'Netz NÖ customer interface folder "SmartMeter Kundenschnittstelle" (example telegram)',
    vectors: ['evn_netznoe-pdf_1'],
  },
  {
    id: 'kamstrup-han',
    name: 'Kamstrup Omnipower/Omnia HAN list (Kamstrup_V0001): {OBIS, value} pairs with implied scalers',
    manufacturer: 'Kamstrup',
    operators: ['Norway', 'Sweden', 'Denmark', 'Switzerland'],
    layout: 'obis',
    claims: { firstTextPrefix: 'Kamstrup', flags: ['KAM'] },
    // Kamstrup "HAN-NVE" / OMNIPOWER HAN interface description, as amshan (kamstrup.py) and amsreader apply it:
    // currents 0.01 A, voltages 1 V, powers 1 W/var, energies 0.01 kWh (= 10 Wh), power factor 0.01.
    impliedScalers: KAMSTRUP_SCALERS,
    serial: { baudRate: 2400, parity: 'none', framing: 'hdlc' },
    source:
      'Kamstrup OMNIPOWER HAN (NVE) interface description; amshan meterdecode/kamstrup.py; amsreader-firmware',
    vectors: ['kamstrup-omnipower_dlmsparser_1'],
  },
  {
    id: 'kaifa-sweden',
    name: 'Kaifa MA304 (Sweden, list KFM_001): {OBIS, value} pairs, currents in mA, voltages in 0.1 V',
    manufacturer: 'Kaifa',
    operators: ['Sweden'],
    layout: 'obis',
    claims: { firstTextPrefix: 'KFM_', flags: ['KFM'] },
    impliedScalers: KAIFA_SCALERS,
    serial: { baudRate: 2400, parity: 'even', framing: 'hdlc' },
    source: 'Kaifa HAN OBIS list (Sweden); amshan meterdecode/kaifa.py (mA, 0.1 V)',
    vectors: [],
  },
  {
    id: 'object-list',
    name: 'Capture-object list first, the values after (Landis+Gyr E360/E450 HAN, Energomera)',
    operators: ['Landis+Gyr E360 (Nordic HAN)', 'Landis+Gyr E450 (Switzerland)'],
    layout: 'obis',
    // No scaler in the telegram: Landis+Gyr's HAN description gives currents in 0.01 A, voltages in V, powers
    // in W and energies in Wh (as amsreader applies them). Other meters: `scalers` in the config.
    impliedScalers: {
      ...Object.fromEntries(['31.7', '51.7', '71.7'].map((q) => [q, { scaler: -2, unit: 'A' }])),
      ...Object.fromEntries(['32.7', '52.7', '72.7'].map((q) => [q, { scaler: 0, unit: 'V' }])),
      ...Object.fromEntries(
        ['1.7', '2.7', '21.7', '41.7', '61.7', '22.7', '42.7', '62.7'].map((q) => [
          q,
          { scaler: 0, unit: 'W' },
        ]),
      ),
      ...Object.fromEntries(['3.7', '4.7'].map((q) => [q, { scaler: 0, unit: 'var' }])),
      ...Object.fromEntries(['1.8', '2.8'].map((q) => [q, { scaler: 0, unit: 'Wh' }])),
      ...Object.fromEntries(['3.8', '4.8'].map((q) => [q, { scaler: 0, unit: 'varh' }])),
    },
    source: 'DLMS Blue Book push setup (capture_objects); amsreader-firmware issue 934 (L+G E360)',
    vectors: [],
  },
  {
    id: 'obis-pairs',
    name: '{OBIS, value} pairs without scaler and unit',
    operators: ['L+G E450 block transfer', 'Kamstrup Omnipower'],
    layout: 'obis',
    // E450: Wh/W/varh/var with scaler 0 (dlms_parser). Kamstrup sends 0.01 A and PF × 0.01 here: no unit implied.
    impliedUnitsFor: ['LGZ'],
    source: 'esphome-libs/dlms_parser test dumps',
    vectors: ['e450-gbt_dlmsparser_1'],
  },
  {
    id: 'burgenland-e450',
    name: 'Landis+Gyr E450, Netz Burgenland: bare value list',
    manufacturer: 'Landis+Gyr',
    model: 'E450',
    operators: ['Netz Burgenland'],
    layout: 'positions',
    match: {
      counts: [11, 14],
      types: [
        'uint16',
        'uint16',
        'uint16',
        'uint16',
        'uint16',
        'uint16',
        'uint32',
        'uint32',
        'uint32',
        'uint32',
      ],
    },
    positions: [
      { position: 0, obis: '1.0.32.7.0.255', scaler: 0, unit: 'V' },
      { position: 1, obis: '1.0.52.7.0.255', scaler: 0, unit: 'V' },
      { position: 2, obis: '1.0.72.7.0.255', scaler: 0, unit: 'V' },
      { position: 3, obis: '1.0.31.7.0.255', scaler: -2, unit: 'A' },
      { position: 4, obis: '1.0.51.7.0.255', scaler: -2, unit: 'A' },
      { position: 5, obis: '1.0.71.7.0.255', scaler: -2, unit: 'A' },
      { position: 6, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
      { position: 7, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
      { position: 8, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 9, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
      // The meter number is the last element (position 13 in the 14-element list, 10 in the 11-element variant).
      { position: -1, obis: '0.0.96.1.0.255' },
    ],
    serial: { baudRate: 2400, parity: 'none', framing: 'hdlc' },
    source:
      'amsreader-firmware issue 501 + fixture README; current scale from the Netz Burgenland Tasmota script',
    vectors: ['burgenland_amsreader-gh501_1'],
  },
  {
    id: 'siemens-im350',
    name: 'Siemens IM350 / Iskra AM550 (Wiener Netze style): push setup id, meter number, time, date, 6 counters',
    manufacturer: 'Siemens',
    model: 'IM350',
    operators: ['Wiener Netze', 'Upper Austria (Wels)', 'Carinthia'],
    layout: 'positions',
    match: {
      counts: [10, 12],
      firstObis: '0.6.25.9.0.255',
      types: [
        'octet-string',
        'octet-string',
        'octet-string',
        'octet-string',
        'uint32',
        'uint32',
        'uint32',
        'uint32',
      ],
    },
    positions: [
      { position: 1, obis: '0.0.96.1.0.255' },
      { position: 4, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 5, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 6, obis: '1.0.3.8.0.255', scaler: 0, unit: 'varh' },
      { position: 7, obis: '1.0.4.8.0.255', scaler: 0, unit: 'varh' },
      { position: 8, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
      { position: 9, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
    ],
    serial: { baudRate: 115200, parity: 'none', framing: 'hdlc' },
    source: 'Noschvie/shrdzm Device_IM350.cpp; bernikr/esphome-wienernetze-smartmeter',
    vectors: ['wels-im350_shrdzm_1', 'carinthia-im350_shrdzm_1'],
  },
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
      ...ISKRA_POWERS(2),
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
      { position: 4, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 5, obis: '1.0.1.8.1.255', scaler: 0, unit: 'Wh' },
      { position: 6, obis: '1.0.1.8.2.255', scaler: 0, unit: 'Wh' },
      { position: 7, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 8, obis: '1.0.2.8.1.255', scaler: 0, unit: 'Wh' },
      { position: 9, obis: '1.0.2.8.2.255', scaler: 0, unit: 'Wh' },
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
      ...ISKRA_POWERS(2),
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
      { position: 3, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 4, obis: '1.0.1.8.1.255', scaler: 0, unit: 'Wh' },
      { position: 5, obis: '1.0.1.8.2.255', scaler: 0, unit: 'Wh' },
      { position: 6, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 7, obis: '1.0.2.8.1.255', scaler: 0, unit: 'Wh' },
      { position: 8, obis: '1.0.2.8.2.255', scaler: 0, unit: 'Wh' },
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
      { position: 3, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 4, obis: '1.0.1.8.1.255', scaler: 0, unit: 'Wh' },
      { position: 5, obis: '1.0.1.8.2.255', scaler: 0, unit: 'Wh' },
      { position: 6, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 7, obis: '1.0.2.8.1.255', scaler: 0, unit: 'Wh' },
      { position: 8, obis: '1.0.2.8.2.255', scaler: 0, unit: 'Wh' },
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
  {
    id: 'kaifa-ma304-norway',
    name: 'Kaifa MA304H3E/H4/H4D/T4 (Norway HAN): list KFM_001, bare value list 2 or 3',
    manufacturer: 'Kaifa',
    model: 'MA304',
    operators: ['Norway'],
    layout: 'positions',
    // List 2 (13 elements, every 10 s) and list 3 (18, hourly: + clock and the four energy registers).
    match: { counts: [13, 18], firstTextPrefix: 'KFM_' },
    positions: [
      ...KAIFA_HEAD,
      { position: 3, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
      { position: 4, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
      { position: 5, obis: '1.0.3.7.0.255', scaler: 0, unit: 'var' },
      { position: 6, obis: '1.0.4.7.0.255', scaler: 0, unit: 'var' },
      { position: 7, obis: '1.0.31.7.0.255', scaler: -3, unit: 'A' },
      { position: 8, obis: '1.0.51.7.0.255', scaler: -3, unit: 'A' },
      { position: 9, obis: '1.0.71.7.0.255', scaler: -3, unit: 'A' },
      { position: 10, obis: '1.0.32.7.0.255', scaler: -1, unit: 'V' },
      { position: 11, obis: '1.0.52.7.0.255', scaler: -1, unit: 'V' },
      { position: 12, obis: '1.0.72.7.0.255', scaler: -1, unit: 'V' },
      { position: 13, obis: '0.0.1.0.0.255' },
      { position: 14, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 15, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 16, obis: '1.0.3.8.0.255', scaler: 0, unit: 'varh' },
      { position: 17, obis: '1.0.4.8.0.255', scaler: 0, unit: 'varh' },
    ],
    serial: { baudRate: 2400, parity: 'even', framing: 'hdlc' },
    source: 'turbokongen/hass-AMS custom_components/ams/parsers/kaifa.py',
    vectors: ['norway-kaifa-ma304h3e_hassams-hourly_1'],
  },
  {
    id: 'kaifa-ma105-norway',
    name: 'Kaifa MA105H2E (Norway HAN, one phase): list KFM_001, bare value list 2 (9) or 3 (14)',
    manufacturer: 'Kaifa',
    model: 'MA105H2E',
    operators: ['Norway'],
    layout: 'positions',
    match: { counts: [9, 14], firstTextPrefix: 'KFM_' },
    positions: [
      ...KAIFA_HEAD,
      { position: 3, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
      { position: 4, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
      { position: 5, obis: '1.0.3.7.0.255', scaler: 0, unit: 'var' },
      { position: 6, obis: '1.0.4.7.0.255', scaler: 0, unit: 'var' },
      { position: 7, obis: '1.0.31.7.0.255', scaler: -3, unit: 'A' },
      { position: 8, obis: '1.0.32.7.0.255', scaler: -1, unit: 'V' },
      { position: 9, obis: '0.0.1.0.0.255' },
      { position: 10, obis: '1.0.1.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 11, obis: '1.0.2.8.0.255', scaler: 0, unit: 'Wh' },
      { position: 12, obis: '1.0.3.8.0.255', scaler: 0, unit: 'varh' },
      { position: 13, obis: '1.0.4.8.0.255', scaler: 0, unit: 'varh' },
    ],
    serial: { baudRate: 2400, parity: 'even', framing: 'hdlc' },
    source: 'Kaifa HAN OBIS list for Norway (MA105H2E one-phase); turbokongen/hass-AMS parsers/kaifa.py',
    vectors: [],
  },
  {
    id: 'han-list-1',
    name: 'Norwegian HAN list 1 (NVE): one bare value, active power import, every 2 s',
    operators: ['Norway (Kaifa MA304/MA105)'],
    layout: 'positions',
    match: { counts: [1], types: [['uint32', 'uint16', 'int32', 'int16']] },
    positions: [{ position: 0, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' }],
    serial: { baudRate: 2400, parity: 'even', framing: 'hdlc' },
    source: 'NVE/NEK HAN list 1 (Kaifa "List 1": 1.0.1.7.0.255 only); hass-AMS parsers/kaifa.py',
    vectors: [],
  },
  {
    id: 'dsmr-p1',
    name: 'DSMR/P1 ASCII telegram inside the encryption',
    manufacturer: 'Sagemcom',
    model: 'T210-D',
    operators: ['Luxembourg (Smarty)'],
    layout: 'dsmr',
    serial: { baudRate: 115200, parity: 'none', framing: 'raw' },
    source: 'Luxembourg Smarty P1 specification; nexxtlab capture',
    vectors: ['luxembourg-smarty_nexxtlab_1'],
  },
  {
    id: 'dsmr-p1-text',
    name: 'DSMR/P1 ASCII telegram without encryption (DSMR 2.2 … 5, Fluvius, Nordic P1)',
    operators: ['Netherlands', 'Belgium (Fluvius)', 'Denmark', 'Sweden'],
    layout: 'dsmr',
    serial: { baudRate: 115200, parity: 'none', framing: 'dsmr' },
    source: 'DSMR 5.0.2 P1 companion standard; NEN-EN-IEC 62056-21',
    vectors: ['dsmr-p1_companion-standard_1'],
  },
  ...WIENER_NETZE_PROFILES,
];

export function findProfile(id: string): Profile | undefined {
  return PROFILES.find((p) => p.id === id);
}
