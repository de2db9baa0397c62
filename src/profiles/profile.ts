/**
 * A profile describes one meter × operator body layout as DATA: how to find values (OBIS codes in the telegram,
 * or a position map where the telegram carries bare values), serial defaults, and the fixture vectors that prove
 * it. Adding a meter is a new entry in `meters.ts` plus a capture in test/fixtures/vectors — never a new `if`.
 */
import type { AxdrType } from '../axdr/types.js';

/** One element of a bare value list: which OBIS it is, with scaler and unit (from community documentation). */
export interface PositionRule {
  /** 0-based index in the body's top-level structure; negative counts from the end (-1 = last element). */
  position: number;
  obis: string;
  scaler?: number;
  unit?: string;
}

/** How a position-mapped body is recognised. All given conditions must hold. */
export interface BodyMatch {
  /** Allowed element counts of the top-level structure. */
  counts: number[];
  /** The first element is this OBIS code (6-byte octet-string), e.g. the IM350's push setup `0.6.25.9.0.255`. */
  firstObis?: string;
  /** The first element is text starting with this prefix, e.g. `KFM_` (Kaifa list id). */
  firstTextPrefix?: string;
  /** Types of the leading elements, position by position (alternatives allowed). */
  types?: Array<AxdrType | AxdrType[]>;
  /** Lengths of leading octet-string elements, position by position (null: any), e.g. 12 for a date-time. */
  octetLengths?: Array<number | null>;
}

export interface Profile {
  /** Stable id, used by `--profile` and in MeterSnapshot.profile. */
  id: string;
  name: string;
  manufacturer?: string;
  model?: string;
  operators: string[];
  /** `obis`: self-describing (OBIS triples, pairs, flat lists); `positions`: bare values; `dsmr`: ASCII P1 inside. */
  layout: 'obis' | 'positions' | 'dsmr';
  /** Required for `positions` profiles: detection from the body shape. */
  match?: BodyMatch;
  positions?: PositionRule[];
  /**
   * For `{OBIS, value}` pairs without scaler/unit: manufacturers (system title FLAG ids, e.g. `LGZ`) whose values
   * are known to be in the catalog's base units (scaler 0), so the catalog unit applies.
   */
  impliedUnitsFor?: string[];
  /**
   * For `{OBIS, value}` pairs without scaler/unit whose manufacturer documents them (Kamstrup HAN): scaler and
   * unit by the code's C.D groups (`31.7` = current L1 on any channel). The raw register is kept in `raw`.
   */
  impliedScalers?: Record<string, { scaler: number; unit?: string }>;
  /** For self-describing profiles narrower than a bare shape: a first text or a system title FLAG id names it. */
  claims?: { firstTextPrefix?: string; flags?: string[] };
  /** Documented serial settings of the customer interface. */
  serial?: { baudRate: number; parity: 'none' | 'even'; framing: 'mbus' | 'hdlc' | 'raw' | 'dsmr' };
  /** Where the layout is documented. */
  source: string;
  /** Fixture ids (test/fixtures/vectors, or peer captures in test/fixtures/peer) that this profile decodes. */
  vectors: string[];
}
