/**
 * The keys of one meter, stated once: where its telegrams come from (transport/options.ts), its keys, layout and
 * scalers. The same rows serve both forms of meter.json: at the top level (the single-meter file, id `default`)
 * and as the elements of `meters` (`meters[].key`). `MeterConfig` is this builder's return type.
 *
 * It lives in daemon/ (not config/) because a meter combines components: config/ is the generic kit and may not
 * import transport/, and the daemon is the one that runs one pipeline per meter.
 */
import { defineOptions, prefixRows, type FieldSpec, type Values } from '../config/spec.js';
import { parseHex } from '../util/hex.js';
import { Key } from '../util/key.js';
import { SOURCE_OPTIONS, SOURCE_ROWS, type SourceConfig } from '../transport/options.js';

/** The meter's own keys besides `source` (descriptions without the env note: see FLAT_METER_ROWS). */
const METER_KEY_ROWS: readonly FieldSpec[] = [
  {
    path: 'key',
    kind: 'aes-key',
    example: '36C66639E48A8CA4D6BC8B282A793BBB',
    description:
      'AES-128 encryption key (global unicast key) from the grid operator, 32 hex digits; spaces and case do not matter. Never printed. Old key: key_hex_string.',
  },
  {
    path: 'auth_key',
    kind: 'aes-key',
    description:
      'Authentication key (only meters with security control 0x30 send a tag to verify). Never printed.',
  },
  {
    path: 'signature_public_key',
    kind: 'p256-point',
    example:
      '04CF711F82714BE5EC70F17F35C77A57A735F30D48914D7A479B77427922A9EACB17215D6A895BBBBE09EE109D83B079A39AE0B285E8A23B5487C5B944BC19CC7F',
    description:
      'Meter public key for frame signatures (Wiener Netze publishes one per meter): the uncompressed P-256 point, 04 followed by x and y, 130 hex digits. When set, a frame whose 96-byte signature trailer does not verify gives signature.invalid and no readings.',
  },
  {
    path: 'profile',
    kind: 'string',
    description: 'Force a meter layout (profile id); by default it is detected from the telegram.',
  },
  {
    path: 'scalers',
    kind: 'obis-scalers',
    example: '{"1.1.31.7.0.255": -2}',
    description:
      "Scaler (power of ten) per OBIS code for registers the meter sends without one, overriding the documented implied scaler (Kamstrup CT meters). The register as sent stays in each reading's raw.",
  },
  {
    path: 'supplier',
    kind: 'string',
    description:
      'Old key: grid operator (TINETZ, EVN, KSMWest, …). Only a hint now: the layout is detected from the telegram.',
  },
];

const ENV_NOTE: Readonly<Record<string, string>> = {
  key: ' Env: KAIFAREADER_KEY.',
  auth_key: ' Env: KAIFAREADER_AUTH_KEY.',
};
const ENV_FLAT_ONLY =
  ' The env variable applies to the single-meter file only (not to "meters", where it is ignored with a warning).';

/** The single-meter file's top-level meter keys (the rows as they always were, plus where env keys apply). */
export const FLAT_METER_ROWS: readonly FieldSpec[] = [
  ...SOURCE_ROWS,
  ...METER_KEY_ROWS.map((r) =>
    ENV_NOTE[r.path] ? { ...r, description: r.description + ENV_NOTE[r.path] + ENV_FLAT_ONLY } : r,
  ),
];

/** The keys only an element of `meters` has. */
const LIST_ONLY_ROWS: readonly FieldSpec[] = [
  {
    path: 'id',
    kind: 'id',
    example: 'home',
    description:
      'Meter id (required, unique): 1 to 64 letters, digits, _ or -. Names the meter in status, MQTT topics, history and {meter} in exports.solarview.file.',
  },
  { path: 'name', kind: 'string', example: 'Haus', description: 'Display name for the dashboard.' },
];

const EXPORTS_ROW: FieldSpec = {
  path: 'exports',
  kind: 'string-list',
  example: '["mqtt", "history"]',
  description: 'The sinks this meter feeds: solarview, mqtt, history (default: every enabled sink).',
};

/** The rows of one element of `meters`, relative to it (walked per element). */
export const METER_ELEMENT_ROWS: readonly FieldSpec[] = [
  ...LIST_ONLY_ROWS,
  ...SOURCE_ROWS,
  ...METER_KEY_ROWS,
  EXPORTS_ROW,
];

/** The `meters` rows as `config schema` prints them. */
export const METER_LIST_ROWS: readonly FieldSpec[] = [
  {
    path: 'meters',
    kind: 'list',
    description:
      'Several meters: a list of objects with id, name, source, key, auth_key, profile, signature_public_key, scalers, exports. Instead of the single-meter keys (source, key, …) at the top level, never both.',
  },
  ...prefixRows('meters[]', METER_ELEMENT_ROWS),
];

/** The top-level keys that belong to the single meter (both forms in one file is an error naming them). */
export const FLAT_METER_KEYS: readonly string[] = [
  ...new Set(FLAT_METER_ROWS.map((r) => r.path.split('.')[0]!)),
];

/** Builds one meter; `id` is `default` for the single-meter file. Reports through `v` (paths name the meter). */
export function buildMeter(v: Values, id: string) {
  const source: SourceConfig | undefined = SOURCE_OPTIONS.build(v, { dataDir: '' });
  const key = v.get<string>('key');
  const authKey = v.get<string>('auth_key');
  const point = v.get<string>('signature_public_key');
  const meter: {
    /** `default` for the single-meter file. */
    id: string;
    name?: string;
    source: SourceConfig;
    /** AES-128 encryption key (global unicast key) as bytes; redacted wherever it is printed. */
    key?: Key;
    /** Authentication key for SC 0x30 tag verification. */
    authKey?: Key;
    /** Meter public key (uncompressed P-256 point, 65 bytes) to verify frame signature trailers. */
    signaturePublicKey?: Uint8Array;
    /** Profile id override; by default the layout is detected from the telegram. */
    profile?: string;
    /** Scaler per OBIS code for registers sent without one, e.g. `{"1.1.31.7.0.255": -2}`. */
    scalers?: Record<string, number>;
    /** Sink names this meter feeds; undefined = every enabled sink. */
    exports?: string[];
    /** Old `supplier` key ("TINETZ", "EVN", …): only a hint now. */
    supplier?: string;
  } = {
    id,
    name: v.get('name'),
    source: source ?? { type: 'serial', port: '', baudRate: 2400, parity: 'none', dataBits: 8, stopBits: 1 },
    // The walk has validated the digits; Key.parse only turns them into bytes (once, here).
    key: key === undefined ? undefined : Key.parse(key),
    authKey: authKey === undefined ? undefined : Key.parse(authKey, 'authentication key'),
    signaturePublicKey: point === undefined ? undefined : parseHex(point),
    profile: v.get('profile'),
    scalers: v.get('scalers'),
    exports: v.get('exports'),
    supplier: v.get('supplier'),
  };
  for (const k of Object.keys(meter) as (keyof typeof meter)[]) if (meter[k] === undefined) delete meter[k];
  return meter;
}

/** The flat form's meter builder as a component (rows + builder), id `default`. */
export const METER_OPTIONS = defineOptions(FLAT_METER_ROWS, (v) => buildMeter(v, 'default'));

export type MeterConfig = ReturnType<typeof buildMeter>;
