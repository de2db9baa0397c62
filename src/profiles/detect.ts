/**
 * Layout detection: which profile reads this body. Position profiles with a matching shape come first (their
 * bodies may contain a stray OBIS code, like the IM350's push setup id); then self-describing OBIS bodies, told
 * apart by shape (nested structures → `obis-structures`, scaler-units in one flat list → `obis-flat`, bare
 * pairs → `obis-pairs`). `--profile` overrides detection.
 */
import type { AxdrValue } from '../axdr/types.js';
import type { Reading } from '../model/snapshot.js';
import { DecodeError } from '../errors.js';
import { lookupObis } from '../cosem/catalog.js';
import type { Profile } from './profile.js';
import { PROFILES, findProfile } from './meters.js';
import { matchesBody, readPositions } from './position-layout.js';
import { readObisLayout } from './obis-layout.js';

export interface Interpretation {
  profile: Profile;
  readings: Reading[];
}

export interface InterpretContext {
  /** Profile id to use instead of detection. */
  profile?: string;
  /** System title manufacturer (FLAG id, e.g. `KFM`), for implied units. */
  manufacturer?: string;
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
    const unit = r.unit ?? (typeof r.value === 'number' ? lookupObis(r.obis)?.unit : undefined);
    return unit ? { ...r, unit } : r;
  });
}

function countOf(body: AxdrValue): number {
  return body.type === 'structure' || body.type === 'array' ? body.items.length : -1;
}

function unknownLayout(why: string): DecodeError {
  return new DecodeError(
    'layout.unknown',
    `unknown telegram layout (${why}): please share a capture (kaifareader capture) so a profile can be added`,
    'profile',
  );
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
        : readObisLayout(body);
    if (!readings) throw unknownLayout(`the body does not fit profile ${profile.id}`);
    return { profile, readings: withImpliedUnits(profile, readings, ctx.manufacturer) };
  }
  for (const profile of PROFILES) {
    if (profile.layout !== 'positions' || !profile.match || !matchesBody(profile.match, body)) continue;
    const readings = readPositions(profile, body);
    if (readings) return { profile, readings };
  }
  const readings = readObisLayout(body);
  if (readings) {
    const profile = findProfile(obisShape(body))!;
    return { profile, readings: withImpliedUnits(profile, readings, ctx.manufacturer) };
  }
  const shape =
    body.type === 'structure' || body.type === 'array' ? `${body.type} of ${body.items.length}` : body.type;
  throw unknownLayout(`${shape} without OBIS codes that no profile matches`);
}
