/**
 * Layout detection: which profile reads this body. Position profiles with a matching shape come first (their
 * bodies may contain a stray OBIS code, like the IM350's push setup id); then self-describing OBIS bodies, told
 * apart by shape (nested structures → `obis-structures`, scaler-units in one flat list → `obis-flat`, bare
 * pairs → `obis-pairs`). `--profile` overrides detection.
 *
 * Tie rule — when two profiles could match, the more specific wins:
 *   1. a position profile whose match fits beats every self-describing reading;
 *   2. among position profiles, the one with more match conditions (first OBIS / first text prefix count 2 each,
 *      each leading type 1, fewer allowed element counts break what remains), then the order in meters.ts;
 *   3. among `{OBIS, value}` pair bodies, a profile that the telegram names (`claims`: its list id text such as
 *      `Kamstrup_V0001` / `KFM_001`, or the system title FLAG id) beats the bare `obis-pairs`; the list id text
 *      is checked before the FLAG id.
 * test/profiles/tie-rule.test.ts pins each tie.
 */
import type { AxdrValue } from '../axdr/types.js';
import type { Reading } from '../model/snapshot.js';
import { DecodeError } from '../errors.js';
import { lookupQuantity, toKeyUnit } from '../cosem/quantities.js';
import { applyScaler } from '../cosem/scale.js';
import type { Profile } from './profile.js';
import { PROFILES, findProfile } from './meters.js';
import { matchesBody, readPositions } from './position-layout.js';
import { readObisLayout } from './obis-layout.js';
import { readObjectList } from './object-list-layout.js';

export interface Interpretation {
  profile: Profile;
  readings: Reading[];
}

export interface InterpretContext {
  /** Profile id to use instead of detection. */
  profile?: string;
  /** System title manufacturer (FLAG id, e.g. `KFM`), for implied units. */
  manufacturer?: string;
  /** Per-OBIS scaler overrides for `{OBIS, value}` pairs (config `scalers`, `decode --scaler`), e.g. CT meters. */
  scalers?: Readonly<Record<string, number>>;
}

function obisShape(body: AxdrValue): 'obis-structures' | 'obis-flat' | 'obis-pairs' {
  if (body.type !== 'structure' && body.type !== 'array') return 'obis-pairs';
  const nested = body.items.some(
    (it) => it.type === 'structure' && it.items[0]?.type === 'octet-string' && it.items[0].value.length === 6,
  );
  if (nested) return 'obis-structures';
  const scalerUnits = body.items.some(
    (it) =>
      it.type === 'structure' &&
      it.items.length === 2 &&
      it.items[0]?.type === 'int8' &&
      it.items[1]?.type === 'enum',
  );
  return scalerUnits ? 'obis-flat' : 'obis-pairs';
}

function withImpliedUnits(profile: Profile, readings: Reading[], manufacturer?: string): Reading[] {
  if (!manufacturer || !profile.impliedUnitsFor?.includes(manufacturer)) return readings;
  return readings.map((r) => {
    const unit = r.unit ?? (typeof r.value === 'number' ? lookupQuantity(r.obis)?.unit : undefined);
    return unit ? { ...r, unit } : r;
  });
}

/** `1.1.31.7.0.255` → `31.7`: the quantity, whatever the channel and tariff (cached: a meter repeats its codes). */
const quantities = new Map<string, string>();
function quantityOf(obis: string): string {
  let q = quantities.get(obis);
  if (q === undefined) {
    const p = obis.split('.');
    q = `${p[2]}.${p[3]}`;
    if (quantities.size < 4096) quantities.set(obis, q);
  }
  return q;
}

const NO_OVERRIDES: Readonly<Record<string, number>> = Object.freeze({});

/**
 * Pairs without scaler: the documented implied scaler and unit of the profile (Kamstrup: 0.01 A, ×10 Wh), or a
 * configured override per OBIS code. The register as sent stays in `raw`. Readings are rebuilt with one fixed
 * shape (no object spread: that was most of the decode time of a pair list).
 */
export function withImpliedScalers(
  profile: Profile,
  readings: Reading[],
  overrides: Readonly<Record<string, number>> = NO_OVERRIDES,
): Reading[] {
  const implied = profile.impliedScalers;
  if (!implied && overrides === NO_OVERRIDES) return readings;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (typeof r.value !== 'number' || r.unit !== undefined) continue;
    const rule = implied?.[quantityOf(r.obis)];
    const scaler = overrides[r.obis] ?? rule?.scaler;
    if (scaler === undefined) continue;
    const q = lookupQuantity(r.obis);
    let unit = rule?.unit ?? q?.unit;
    let value = applyScaler(r.value, scaler);
    // Normalised like every reading (profiles/reading.ts): in the key's unit when the table accepts `unit`.
    const inKeyUnit = q && unit !== q.unit ? toKeyUnit(q, value, unit) : undefined;
    if (inKeyUnit !== undefined) [value, unit] = [inKeyUnit, q!.unit];
    const out: Reading = { obis: r.obis, key: r.key, name: r.name, value };
    if (unit) out.unit = unit;
    out.raw = r.value;
    readings[i] = out;
  }
  return readings;
}

/** The first text element that is no OBIS code: a list id such as `Kamstrup_V0001` or `KFM_001`. */
function firstText(body: AxdrValue): string | undefined {
  if (body.type !== 'structure' && body.type !== 'array') return undefined;
  for (const it of body.items) {
    if (it.type === 'visible-string' || it.type === 'utf8-string') return it.value;
    if (it.type === 'octet-string' && it.value.length !== 6) return Buffer.from(it.value).toString('latin1');
  }
  return undefined;
}

/** Rule 3 of the tie rule: the pair profile that the telegram names, by list id text first, then FLAG id. */
function claimingProfile(body: AxdrValue, manufacturer?: string): Profile | undefined {
  const claimers = PROFILES.filter((p) => p.claims);
  const text = firstText(body);
  const byText = claimers.find(
    (p) => p.claims!.firstTextPrefix && text?.startsWith(p.claims!.firstTextPrefix),
  );
  if (byText) return byText;
  return manufacturer ? claimers.find((p) => p.claims!.flags?.includes(manufacturer)) : undefined;
}

/** Rule 2 of the tie rule: how many conditions a position profile's match states. */
export function specificity(p: Profile): number {
  const m = p.match;
  if (!m) return 0;
  return (m.firstObis ? 2 : 0) + (m.firstTextPrefix ? 2 : 0) + (m.types?.length ?? 0) - m.counts.length / 100;
}

/** Position profiles, most specific first (stable: meters.ts order among equals). */
const POSITION_PROFILES = PROFILES.filter((p) => p.layout === 'positions' && p.match)
  .map((p, i) => ({ p, i }))
  .sort((a, b) => specificity(b.p) - specificity(a.p) || a.i - b.i)
  .map((x) => x.p);

/**
 * The position profiles by element count, in POSITION_PROFILES order: a profile matches only a structure with one
 * of its counts (matchesBody checks that first), so a body is tried only against the profiles that allow its
 * count — not against every profile, one interpreted call each under --jitless.
 */
const POSITION_BY_COUNT = new Map<number, Profile[]>();
for (const p of POSITION_PROFILES) {
  for (const n of new Set(p.match!.counts)) {
    const list = POSITION_BY_COUNT.get(n) ?? [];
    list.push(p);
    POSITION_BY_COUNT.set(n, list);
  }
}
const NONE: readonly Profile[] = [];

/** The profile detection picks for a body (no override), and the readings. */
function detect(body: AxdrValue, ctx: InterpretContext): Interpretation | undefined {
  const candidates = body.type === 'structure' ? (POSITION_BY_COUNT.get(body.items.length) ?? NONE) : NONE;
  for (const profile of candidates) {
    if (!matchesBody(profile.match!, body)) continue;
    const readings = readPositions(profile, body);
    if (readings) return { profile, readings };
  }
  const listed = readObjectList(body);
  if (listed) {
    const profile = findProfile('object-list')!;
    return { profile, readings: obisReadings(profile, listed, ctx) };
  }
  const readings = readObisLayout(body);
  if (!readings) return undefined;
  const shape = obisShape(body);
  const profile =
    (shape === 'obis-pairs' ? claimingProfile(body, ctx.manufacturer) : undefined) ?? findProfile(shape)!;
  return { profile, readings: obisReadings(profile, readings, ctx) };
}

function obisReadings(profile: Profile, readings: Reading[], ctx: InterpretContext): Reading[] {
  const overrides = ctx.scalers && Object.keys(ctx.scalers).length > 0 ? ctx.scalers : undefined;
  return withImpliedScalers(profile, withImpliedUnits(profile, readings, ctx.manufacturer), overrides);
}

function countOf(body: AxdrValue): number {
  return body.type === 'structure' || body.type === 'array' ? body.items.length : -1;
}

/** `layout.unknown`, with the body kept for `decode --explain`. */
export class UnknownLayoutError extends DecodeError {
  constructor(
    why: string,
    readonly body: AxdrValue,
  ) {
    super(
      'layout.unknown',
      `unknown telegram layout (${why}): please share the output of kaifareader decode --explain on a capture (kaifareader capture) so a profile can be added`,
      'profile',
    );
  }
}

/** Reads the body with the given or detected profile. Throws `layout.unknown` / `profile.unknown`. */
export function interpretBody(body: AxdrValue, ctx: InterpretContext = {}): Interpretation {
  if (ctx.profile) {
    const profile = findProfile(ctx.profile);
    if (!profile) {
      throw new DecodeError(
        'profile.unknown',
        `unknown profile "${ctx.profile}" (known: ${PROFILES.map((p) => p.id).join(', ')})`,
        'profile',
      );
    }
    // A forced position profile must still fit the body's element types (any element count: firmware variants).
    const fits =
      profile.layout !== 'positions' ||
      !profile.match ||
      matchesBody({ ...profile.match, counts: [countOf(body)] }, body);
    const readings = !fits
      ? undefined
      : profile.layout === 'positions'
        ? readPositions(profile, body)
        : profile.id === 'object-list'
          ? readObjectList(body)
          : readObisLayout(body);
    if (!readings) throw new UnknownLayoutError(`the body does not fit profile ${profile.id}`, body);
    return {
      profile,
      readings: profile.layout === 'positions' ? readings : obisReadings(profile, readings, ctx),
    };
  }
  const found = detect(body, ctx);
  if (found) return found;
  const shape =
    body.type === 'structure' || body.type === 'array' ? `${body.type} of ${body.items.length}` : body.type;
  throw new UnknownLayoutError(`${shape} without OBIS codes that no profile matches`, body);
}
