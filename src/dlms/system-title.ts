/**
 * The 8-byte system title: 3 bytes manufacturer FLAG id (ASCII, e.g. `KFM` Kaifa), then 5 bytes the manufacturer
 * fills (usually type and serial number).  e.g. 4B 46 4D 10 20 00 78 40 → "KFM" + 1020007840
 */
import { toHex } from '../util/hex.js';

/** FLAG ids of manufacturers met on customer interfaces (DLMS UA FLAG list). */
const MANUFACTURERS: Record<string, string> = {
  KFM: 'Kaifa',
  LGZ: 'Landis+Gyr',
  SMS: 'Siemens',
  ISK: 'Iskra',
  KAM: 'Kamstrup',
  SAG: 'Sagemcom',
  ELS: 'Elster',
  EMH: 'EMH',
  AIDON: 'Aidon',
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
}

export function describeSystemTitle(st: Uint8Array): SystemTitleInfo {
  const head = st.subarray(0, 3);
  const flag =
    head.length === 3 && head.every((c) => c >= 0x41 && c <= 0x5a)
      ? Buffer.from(head).toString('latin1')
      : undefined;
  return flag
    ? { flag, manufacturer: MANUFACTURERS[flag], id: flag + toHex(st.subarray(3)) }
    : { id: toHex(st) };
}
