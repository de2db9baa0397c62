/**
 * One whole APDU → MeterSnapshot, the full path after framing:
 *
 *   DB/DC general-glo/ded-ciphering → decipher (keys) → plaintext
 *   0F data-notification → A-XDR body → profile (detected or given) → readings
 *   '/' DSMR ASCII (Luxembourg Smarty) → readings
 *
 * Pure: time is passed in. Returns a value, never throws for bad input.
 */
import { DecodeError, type Result } from '../errors.js';
import type { Framing, MeterSnapshot, Reading, SecurityInfo } from '../model/snapshot.js';
import { decodeGeneralCipher, GENERAL_DED_CIPHERING, GENERAL_GLO_CIPHERING } from '../dlms/general-cipher.js';
import { decipherApdu, securityMode, type CipherKeys } from '../dlms/decipher.js';
import { decodeDataNotification, DATA_NOTIFICATION } from '../dlms/data-notification.js';
import { describeSystemTitle, type SystemTitleInfo } from '../dlms/system-title.js';
import { formatCosemDateTime } from '../cosem/date-time.js';
import { interpretBody } from '../profiles/detect.js';
import { dsmrTimeToIso, isDsmr, readDsmr } from '../profiles/dsmr.js';
import { findProfile } from '../profiles/meters.js';
import type { Profile } from '../profiles/profile.js';

export interface ApduContext {
  keys: CipherKeys;
  /** Profile id override. */
  profile?: string;
  /** Per-OBIS scaler overrides for registers sent without scaler. */
  scalers?: Readonly<Record<string, number>>;
  /** Receive time, ms since epoch. */
  receivedAt: number;
  framing: Framing;
  /** The configured meter id the snapshot is for (default `default`). */
  meter?: string;
}

export interface DecodedTelegram {
  snapshot: MeterSnapshot;
  /** The deciphered APDU (or the APDU itself when it was plaintext). */
  plaintext: Uint8Array;
  longInvokeId?: number;
}

const WRONG_KEY =
  'the decrypted telegram does not parse: the key is probably wrong or belongs to another meter (check key_hex_string)';

interface Plain {
  plaintext: Uint8Array;
  security: SecurityInfo;
  systemTitle?: SystemTitleInfo;
  /** True when the plaintext's correctness rests only on its structure (tag-less ciphering). */
  unproven: boolean;
}

function decipher(apdu: Uint8Array, keys: CipherKeys): Plain {
  const tag = apdu[0];
  if (tag !== GENERAL_GLO_CIPHERING && tag !== GENERAL_DED_CIPHERING) {
    return { plaintext: apdu, security: { mode: 'none' }, unproven: false };
  }
  const c = decodeGeneralCipher(apdu);
  const { plaintext, tagVerified } = decipherApdu(c, keys);
  const systemTitle = describeSystemTitle(c.systemTitle);
  const security: SecurityInfo = {
    mode: securityMode(c.securityControl),
    securityControl: c.securityControl,
    systemTitle: systemTitle.hex,
    invocationCounter: c.invocationCounter,
    tagVerified,
  };
  return { plaintext, security, systemTitle, unproven: security.mode !== 'none' && !tagVerified };
}

interface Body {
  profile: Profile;
  readings: Reading[];
  meterTime?: string;
  longInvokeId?: number;
}

function readBody(p: Plain, ctx: ApduContext): Body {
  const pt = p.plaintext;
  if (isDsmr(pt)) {
    const readings = readDsmr(pt);
    const clock = readings.find((r) => r.key === 'meter_time');
    const meterTime = typeof clock?.value === 'string' ? dsmrTimeToIso(clock.value) : undefined;
    return {
      profile: findProfile(ctx.framing === 'dsmr' ? 'dsmr-p1-text' : 'dsmr-p1')!,
      readings,
      meterTime,
    };
  }
  if (pt[0] !== DATA_NOTIFICATION) {
    throw new DecodeError(
      'apdu.unknown-tag',
      `APDU tag 0x${(pt[0] ?? 0).toString(16).padStart(2, '0')} is no push telegram (expected DB, 0F or DSMR text)`,
      'apdu',
      0,
    );
  }
  const dn = decodeDataNotification(pt);
  const { profile, readings } = interpretBody(dn.body, {
    profile: ctx.profile,
    manufacturer: p.systemTitle?.flag,
    scalers: ctx.scalers,
  });
  const meterTime = dn.dateTime ? safeDateTime(dn.dateTime) : undefined;
  return { profile, readings, meterTime, longInvokeId: dn.longInvokeId };
}

/** A meter clock that is partly "not specified" must not cost the telegram its readings. */
function safeDateTime(dt: Parameters<typeof formatCosemDateTime>[0]): string | undefined {
  try {
    return formatCosemDateTime(dt) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Device ID 3..7 (0.0.96.1.2.255 … 0.0.96.1.6.255): the meter number of meters that send no 96.1.0 (Iskra).
 * Compared as text, not by regex: the regex ran for every text reading of every telegram, interpreted under
 * --jitless.
 */
function isDeviceId(obis: string): boolean {
  if (obis.length !== 14 || !obis.startsWith('0.0.96.1.') || !obis.endsWith('.255')) return false;
  const c = obis.charCodeAt(9);
  return c >= 0x32 && c <= 0x36;
}

const LOCAL_CLOCK = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/**
 * The meter number (x.x.96.1.0.255, else a device id 0.0.96.1.2…6.255, else Kamstrup's meter id x.x.0.0.5.255), the
 * clock reading as text, the meter type the telegram states (x.x.96.1.7.255 Kaifa, x.x.96.1.1.255 Kamstrup) and the
 * logical device name (0.0.42.0.0.255, the last resort for the meter id), in one pass over the readings.
 */
function identity(
  readings: Reading[],
): [string | undefined, string | undefined, string | undefined, string | undefined] {
  let number: string | undefined;
  let meterId: string | undefined;
  let clock: string | undefined;
  let type: string | undefined;
  let deviceId: string | undefined;
  let deviceName: string | undefined;
  for (const r of readings) {
    if (typeof r.value !== 'string') continue;
    if (number === undefined && r.obis.endsWith('.96.1.0.255')) number = r.value;
    else if (deviceId === undefined && isDeviceId(r.obis)) deviceId = r.value;
    else if (deviceName === undefined && r.obis === '0.0.42.0.0.255') deviceName = r.value;
    else if (clock === undefined && r.key === 'meter_time') clock = r.value;
    else if (meterId === undefined && r.obis.endsWith('.0.0.5.255')) meterId = r.value;
    else if (type === undefined && (r.obis.endsWith('.96.1.7.255') || r.obis === '1.1.96.1.1.255'))
      type = r.value;
  }
  return [number ?? deviceId ?? meterId, clock, type, deviceName];
}

/** Printable ASCII only (`/^[\x20-\x7e]+$/` without the regex). */
function isPrintableText(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return t.length > 0;
}

function snapshotOf(p: Plain, body: Body, ctx: ApduContext): MeterSnapshot {
  const [number, clock, type, deviceName] = identity(body.readings);
  const snapshot: MeterSnapshot = {
    meter: ctx.meter ?? 'default',
    meterId: number ?? p.systemTitle?.id ?? deviceName ?? 'unknown',
    profile: body.profile.id,
    receivedAt: ctx.receivedAt,
    framing: ctx.framing,
    security: p.security,
    readings: body.readings,
  };
  // A shape (obis-structures, obis-flat) names no manufacturer: its Kaifa/MA309 holds only when the system title
  // says KFM — an Aidon or Iskra in the same shape is never called a Kaifa MA309.
  const identifies = body.profile.layout !== 'obis' || body.profile.claims !== undefined;
  const titled = p.systemTitle?.manufacturer;
  const manufacturer = titled ?? (identifies ? body.profile.manufacturer : undefined);
  if (manufacturer) snapshot.manufacturer = manufacturer;
  if (body.profile.model && (titled ? titled === body.profile.manufacturer : identifies)) {
    snapshot.model = body.profile.model;
  }
  if (type && isPrintableText(type)) snapshot.model = type;
  const meterTime =
    body.meterTime ?? (clock !== undefined && LOCAL_CLOCK.test(clock) ? clock.replace(' ', 'T') : undefined);
  if (meterTime) snapshot.meterTime = meterTime;
  return snapshot;
}

/** Decodes one assembled APDU. */
export function decodeApdu(apdu: Uint8Array, ctx: ApduContext): Result<DecodedTelegram> {
  let p: Plain;
  try {
    p = decipher(apdu, ctx.keys);
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, error: e };
    throw e;
  }
  try {
    const body = readBody(p, ctx);
    return {
      ok: true,
      value: { snapshot: snapshotOf(p, body, ctx), plaintext: p.plaintext, longInvokeId: body.longInvokeId },
    };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const structural =
      e.layer === 'apdu' || e.layer === 'axdr' || e.code === 'dsmr.crc' || e.code === 'dsmr.invalid';
    if (p.unproven && structural) {
      return { ok: false, error: new DecodeError('plaintext.invalid', WRONG_KEY, 'security', e.offset) };
    }
    return { ok: false, error: e };
  }
}
