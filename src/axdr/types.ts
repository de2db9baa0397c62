/**
 * The typed value tree of A-XDR (IEC 62056-6-2 / DLMS Blue Book "Data" CHOICE). Tags are the DLMS data tags.
 */

/** COSEM date-time (12 bytes), date (5) or time (4) broken out; `undefined` fields were "not specified" (0xFF…). */
export interface CosemDateTime {
  year?: number;
  month?: number;
  day?: number;
  /** 1 = Monday … 7 = Sunday */
  dayOfWeek?: number;
  hour?: number;
  minute?: number;
  second?: number;
  hundredths?: number;
  /** Minutes *behind* local time as DLMS defines it (-120 for CEST); undefined when 0x8000 (not specified). */
  deviation?: number;
  /** Clock status byte (0x80 = daylight saving active); undefined when 0xFF. */
  clockStatus?: number;
}

export type AxdrValue =
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  | { type: 'bit-string'; /** e.g. "10110" */ bits: string }
  | { type: 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'enum'; value: number }
  | { type: 'int64' | 'uint64'; value: bigint }
  | { type: 'float32' | 'float64'; value: number }
  | { type: 'octet-string'; value: Uint8Array }
  | { type: 'visible-string' | 'utf8-string'; value: string }
  | { type: 'bcd'; value: number }
  | { type: 'array' | 'structure'; items: AxdrValue[] }
  | {
      type: 'compact-array';
      items: AxdrValue[];
      /** element type; the encoder derives it from items[0] if absent */ description?: TypeDescription;
    }
  | { type: 'date-time' | 'date' | 'time'; value: CosemDateTime; raw: Uint8Array };

export type AxdrType = AxdrValue['type'];

/** Simple (non-constructed) A-XDR types. */
export type SimpleAxdrType = Exclude<AxdrType, 'array' | 'structure' | 'compact-array'>;

/**
 * The type description of a compact-array (Blue Book "TypeDescription"): a simple type, an array of `count`
 * elements of one type, or a structure of fields.
 */
export type TypeDescription =
  | { type: SimpleAxdrType }
  | { type: 'array'; count: number; element: TypeDescription }
  | { type: 'structure'; fields: TypeDescription[] };
