/**
 * Wiener Netze infrared customer interface (Iskra AM550, Siemens IM350/IM351, Landis+Gyr E450; 9600 8N1): the
 * plaintext data-notification carries a structure of bare values without OBIS codes or scalers —
 *
 *   9 elements:  date-time (octet-string 12), A+ A− (Wh), R+ R− (varh), P+ P− (W), Q+ Q− (var), each 06 uint32
 *   10 elements: the meter's 16-character serial (octet-string) first, then the same 9
 *
 * e.g. (wienernetze-im350_pyir_1) 02 0A 09 10 "SMS1030788000020" 09 0C 07 E5 0A 15 … 06 00 00 05 B9 (A+ = 1465 Wh) …
 * Each frame may be followed by a 96-byte signature trailer (SHA-256 ‖ ECDSA r‖s, see src/integrity): the framing
 * layer takes it off the frame. Source: Wiener Netze "Kundenschnittstelle" description as read by the public
 * Python decoders (pyir: "infra red customer interface provided by Wiener Netze") and bernikr/esphome-wienernetze-
 * smartmeter.
 */
import type { PositionRule, Profile } from './profile.js';
import { energiesAR, powersPQ } from './position-runs.js';

const SERIAL = { baudRate: 9600, parity: 'none', framing: 'hdlc' } as const;
const UINT32 = Array.from({ length: 8 }, () => 'uint32' as const);

/** The 9 shared elements, `at` = index of the date-time. */
function counters(at: number): PositionRule[] {
  return [{ position: at, obis: '0.0.1.0.0.255' }, ...energiesAR(at + 1), ...powersPQ(at + 5)];
}

const SOURCE =
  'Wiener Netze infrared customer interface as documented by the public pyir decoder and bernikr/esphome-wienernetze-smartmeter';

export const WIENER_NETZE_PROFILES: readonly Profile[] = [
  {
    id: 'wiener-netze-ir',
    name: 'Wiener Netze infrared interface (AM550, E450): date-time and 8 counters, no OBIS codes',
    operators: ['Wiener Netze'],
    layout: 'positions',
    match: { counts: [9], types: ['octet-string', ...UINT32], octetLengths: [12] },
    positions: counters(0),
    serial: SERIAL,
    source: SOURCE,
    vectors: ['wienernetze-am550-b_pyir_1'],
  },
  {
    id: 'wiener-netze-ir-serial',
    name: 'Wiener Netze infrared interface (IM350/IM351): meter serial, date-time and 8 counters',
    manufacturer: 'Siemens',
    model: 'IM350',
    operators: ['Wiener Netze'],
    layout: 'positions',
    match: { counts: [10], types: ['octet-string', 'octet-string', ...UINT32], octetLengths: [16, 12] },
    positions: [{ position: 0, obis: '0.0.96.1.0.255' }, ...counters(1)],
    serial: SERIAL,
    source: SOURCE,
    vectors: ['wienernetze-im350_pyir_1'],
  },
];
