/**
 * A-XDR values → reading values: numbers scaled exactly, text as text, COSEM date-times as the meter's local
 * time text (`2023-07-26 20:05:20`, how the meter displays it; the snapshot's meterTime carries the ISO form).
 */
import type { AxdrValue } from '../axdr/types.js';
import { readDateTimeFields } from '../axdr/date-time-fields.js';
import { applyScaler } from '../cosem/scale.js';
import { formatLocalText } from '../cosem/date-time.js';
import { toHex } from '../util/hex.js';

/** Local text of a COSEM date-time, or undefined when its fields are inconsistent. */
function localText(dt: Parameters<typeof formatLocalText>[0]): string | undefined {
  try {
    return formatLocalText(dt);
  } catch {
    return undefined;
  }
}

/** True for bytes that are printable ASCII (a meter number, a device name). */
function isPrintable(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  for (let i = 0; i < b.length; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) return false;
  return true;
}

/**
 * The last few texts and their bytes: a meter repeats its number and device name in every telegram, so most
 * octet-strings are found here without building a new string.
 */
const recentText: Array<{ bytes: Uint8Array; text: string }> = [];

function cachedText(b: Uint8Array): string | undefined {
  search: for (const e of recentText) {
    if (e.bytes.length !== b.length) continue;
    for (let i = 0; i < b.length; i++) if (e.bytes[i] !== b[i]) continue search;
    return e.text;
  }
  return undefined;
}

function remember(b: Uint8Array, text: string): string {
  if (b.length <= 32) {
    if (recentText.length >= 8) recentText.shift();
    recentText.push({ bytes: b.slice(), text });
  }
  return text;
}

/** A 12-byte octet-string that holds a plausible COSEM date-time. */
export function looksLikeDateTime(b: Uint8Array): boolean {
  if (b.length !== 12) return false;
  const year = (b[0]! << 8) | b[1]!;
  const month = b[2]!;
  const day = b[3]!;
  const hour = b[5]!;
  return (
    (year === 0xffff || (year >= 1990 && year <= 2200)) &&
    (month === 0xff || (month >= 1 && month <= 12) || month === 0xfd || month === 0xfe) &&
    (day === 0xff || (day >= 1 && day <= 31) || day >= 0xfd) &&
    (hour === 0xff || hour <= 23)
  );
}

/** Text of an octet-string: local date-time text, ASCII, or upper-case hex. */
export function octetText(b: Uint8Array): string {
  if (looksLikeDateTime(b)) return localText(readDateTimeFields(b, 0, 'date-time')) ?? toHex(b);
  if (isPrintable(b)) {
    const known = cachedText(b);
    if (known !== undefined) return known;
    // Meter numbers and names are short: build the string directly instead of through a Buffer.
    return b.length <= 64
      ? remember(b, String.fromCharCode.apply(null, b as unknown as number[]))
      : Buffer.from(b).toString('latin1');
  }
  return toHex(b);
}

/** Reading value of an A-XDR element, or undefined for null/structures (not a reading). */
export function toReadingValue(v: AxdrValue, scaler = 0): number | string | undefined {
  switch (v.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'int64':
    case 'uint64':
    case 'bcd':
      return applyScaler(v.value, scaler);
    case 'enum':
      return v.value;
    case 'float32':
    case 'float64':
      return scaler === 0 ? v.value : Number((v.value * 10 ** scaler).toPrecision(15));
    case 'boolean':
      return v.value ? 1 : 0;
    case 'octet-string':
      return octetText(v.value);
    case 'visible-string':
    case 'utf8-string':
      return v.value;
    case 'bit-string':
      return v.bits;
    case 'date-time':
    case 'date':
    case 'time':
      return localText(v.value) ?? toHex(v.raw);
    default:
      return undefined;
  }
}

export function isText(v: AxdrValue): boolean {
  return v.type === 'octet-string' || v.type === 'visible-string' || v.type === 'utf8-string';
}
