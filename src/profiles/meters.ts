/**
 * The meter × operator layouts kaifareader knows, as data. Order matters only among position profiles (the first
 * whose `match` fits wins); self-describing layouts are recognised from the body itself.
 * Position maps and scalers come from the community documentation named in `source` (never guessed).
 */
import type { Profile } from './profile.js';
import { WIENER_NETZE_PROFILES } from './wiener-netze.js';

const KAIFA_MBUS = { baudRate: 2400, parity: 'none', framing: 'mbus' } as const;

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
    id: 'obis-pairs',
    name: '{OBIS, value} pairs without scaler and unit',
    operators: ['L+G E450 block transfer', 'Kamstrup Omnipower'],
    layout: 'obis',
    // E450: Wh/W/varh/var with scaler 0 (dlms_parser). Kamstrup sends 0.01 A and PF × 0.01 here: no unit implied.
    impliedUnitsFor: ['LGZ'],
    source: 'esphome-libs/dlms_parser test dumps',
    vectors: ['e450-gbt_dlmsparser_1', 'kamstrup-omnipower_dlmsparser_1'],
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
    id: 'kaifa-ma304-norway',
    name: 'Kaifa MA304 (Norway HAN): list KFM_001, bare value list',
    manufacturer: 'Kaifa',
    model: 'MA304',
    operators: ['Norway'],
    layout: 'positions',
    match: { counts: [18], firstTextPrefix: 'KFM_' },
    positions: [
      { position: 0, obis: '1.1.0.2.129.255' },
      { position: 1, obis: '0.0.96.1.0.255' },
      { position: 2, obis: '0.0.96.1.7.255' },
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
  ...WIENER_NETZE_PROFILES,
];

export function findProfile(id: string): Profile | undefined {
  return PROFILES.find((p) => p.id === id);
}
