/**
 * DLMS data tags (Blue Book, "Data" CHOICE) ↔ A-XDR type names, and the fixed content size of each simple type
 * (bytes after the tag; -1 = length-prefixed, 0 = no content).
 */
import type { AxdrType } from './types.js';

/** [tag, type, fixed content size]. */
const TAG_TABLE: readonly (readonly [number, AxdrType, number])[] = [
  [0x00, 'null', 0],
  [0x01, 'array', -1],
  [0x02, 'structure', -1],
  [0x03, 'boolean', 1],
  [0x04, 'bit-string', -1],
  [0x05, 'int32', 4],
  [0x06, 'uint32', 4],
  [0x09, 'octet-string', -1],
  [0x0a, 'visible-string', -1],
  [0x0c, 'utf8-string', -1],
  [0x0d, 'bcd', 1],
  [0x0f, 'int8', 1],
  [0x10, 'int16', 2],
  [0x11, 'uint8', 1],
  [0x12, 'uint16', 2],
  [0x13, 'compact-array', -1],
  [0x14, 'int64', 8],
  [0x15, 'uint64', 8],
  [0x16, 'enum', 1],
  [0x17, 'float32', 4],
  [0x18, 'float64', 8],
  [0x19, 'date-time', 12],
  [0x1a, 'date', 5],
  [0x1b, 'time', 4],
];

/** Type name by tag (undefined = tag not supported). */
export const TYPE_BY_TAG: readonly (AxdrType | undefined)[] = (() => {
  const t: (AxdrType | undefined)[] = new Array<AxdrType | undefined>(256).fill(undefined);
  for (const [tag, type] of TAG_TABLE) t[tag] = type;
  return t;
})();

export const TAG_BY_TYPE: Readonly<Record<AxdrType, number>> = Object.fromEntries(
  TAG_TABLE.map(([tag, type]) => [type, tag]),
) as Record<AxdrType, number>;

/** Fixed content size by type (-1 = length-prefixed). */
export const SIZE_BY_TYPE: Readonly<Record<AxdrType, number>> = Object.fromEntries(
  TAG_TABLE.map(([, type, size]) => [type, size]),
) as Record<AxdrType, number>;
