/**
 * The 8-byte system title: 3 bytes manufacturer FLAG id (ASCII, e.g. `KFM` Kaifa), then 5 bytes the manufacturer
 * fills (usually type and serial number).  e.g. 4B 46 4D 10 20 00 78 40 → "KFM" + 1020007840
 */
import { toHex } from '../util/hex.js';

/** FLAG ids of manufacturers met on customer interfaces (DLMS UA FLAG list; Aidon Oy is ADN). */
const MANUFACTURERS: Record<string, string> = {
  KFM: 'Kaifa',
  LGZ: 'Landis+Gyr',
  SMS: 'Siemens',
  ISK: 'Iskraemeco',
  KAM: 'Kamstrup',
  SAG: 'Sagemcom',
  ELS: 'Elster',
  EMH: 'EMH',
  ADN: 'Aidon',
  EBZ: 'EBZ',
  ITF: 'Itron',
  ZPA: 'ZPA',
  HLY: 'Holley',
  NES: 'Echelon',
};

export interface SystemTitleInfo {
  /** FLAG id, e.g. `KFM`, when the first three bytes are upper-case letters. */
  flag?: string;
  manufacturer?: string;
  /** FLAG id + hex of the other five bytes, e.g. `KFM1020007840`: a fallback meter id. */
  id: string;
  /** All 8 bytes as upper-case hex, e.g. `4B464D1020007840`. */
  hex: string;
}

function describe(st: Uint8Array): SystemTitleInfo {
  const isLetter = (c: number | undefined) => c !== undefined && c >= 0x41 && c <= 0x5a;
  const flag =
    isLetter(st[0]) && isLetter(st[1]) && isLetter(st[2])
      ? String.fromCharCode(st[0]!, st[1]!, st[2]!)
      : undefined;
  const hex = toHex(st);
  return flag ? { flag, manufacturer: MANUFACTURERS[flag], id: flag + hex.slice(6), hex } : { id: hex, hex };
}

/** The last title seen and its description: a meter sends the same title in every telegram. */
let lastTitle = new Uint8Array(0);
let lastInfo: SystemTitleInfo | undefined;

function sameAsLast(st: Uint8Array): boolean {
  if (st.length !== lastTitle.length) return false;
  for (let i = 0; i < st.length; i++) if (st[i] !== lastTitle[i]) return false;
  return true;
}

export function describeSystemTitle(st: Uint8Array): SystemTitleInfo {
  if (lastInfo && sameAsLast(st)) return lastInfo;
  lastInfo = describe(st);
  lastTitle = st.slice();
  return lastInfo;
}
