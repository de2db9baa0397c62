/**
 * The meter × operator layouts kaifareader knows, as data. Order matters only among position profiles (the first
 * whose `match` fits wins); self-describing layouts are recognised from the body itself.
 * Position maps and scalers come from the community documentation named in `source` (never guessed).
 */
import type { Profile } from './profile.js';
import { WIENER_NETZE_PROFILES } from './wiener-netze.js';
import { ISKRA_PROFILES } from './iskra.js';
import { energiesAR, powersPQ } from './position-runs.js';

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
      ...energiesAR(4),
      { position: 8, obis: '1.0.1.7.0.255', scaler: 0, unit: 'W' },
      { position: 9, obis: '1.0.2.7.0.255', scaler: 0, unit: 'W' },
    ],
    serial: { baudRate: 115200, parity: 'none', framing: 'hdlc' },
    source: 'Noschvie/shrdzm Device_IM350.cpp; bernikr/esphome-wienernetze-smartmeter',
    vectors: ['wels-im350_shrdzm_1', 'carinthia-im350_shrdzm_1'],
  },
  ...ISKRA_PROFILES,
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
      ...powersPQ(3),
      { position: 7, obis: '1.0.31.7.0.255', scaler: -3, unit: 'A' },
      { position: 8, obis: '1.0.51.7.0.255', scaler: -3, unit: 'A' },
      { position: 9, obis: '1.0.71.7.0.255', scaler: -3, unit: 'A' },
      { position: 10, obis: '1.0.32.7.0.255', scaler: -1, unit: 'V' },
      { position: 11, obis: '1.0.52.7.0.255', scaler: -1, unit: 'V' },
      { position: 12, obis: '1.0.72.7.0.255', scaler: -1, unit: 'V' },
      { position: 13, obis: '0.0.1.0.0.255' },
      ...energiesAR(14),
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
      ...powersPQ(3),
      { position: 7, obis: '1.0.31.7.0.255', scaler: -3, unit: 'A' },
      { position: 8, obis: '1.0.32.7.0.255', scaler: -1, unit: 'V' },
      { position: 9, obis: '0.0.1.0.0.255' },
      ...energiesAR(10),
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
