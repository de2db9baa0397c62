/**
 * Walks a meter.json tree (already in the new shape) along CONFIG_SCHEMA: every leaf is parsed by the value parser
 * for its kind, every problem is collected (never the first one only), unknown keys become warnings with a
 * "did you mean". The result is a flat map path → normalised value plus the set of sections present.
 */
import { CONFIG_SCHEMA, SCHEMA_BY_PATH, childKeys, type FieldSpec } from './schema.js';
import type { ConfigIssue } from './issues.js';
import { LEGACY_KEYS } from './legacy.js';
import { suggestKey } from './suggest.js';
import {
  describeValue,
  parseAesKey,
  parseBoolean,
  parseByteSize,
  parseEnum,
  parseHost,
  parseHostList,
  parseInteger,
  parseLogLevel,
  parseMqttUrl,
  parseParity,
  parsePath,
  parseSecret,
  parseStopBits,
  parseObisScalers,
  parseString,
  type Parsed,
} from './values.js';

export interface Walked {
  values: Map<string, unknown>;
  /** Sections present (written as an object, or `true` for toggles). */
  present: Set<string>;
  /** Paths whose value was rejected (so that "required" is not reported twice). */
  failed: Set<string>;
  issues: ConfigIssue[];
  warnings: string[];
}

type Tree = Record<string, unknown>;
const isObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

type LeafParser = (v: unknown, spec: FieldSpec, baseDir: string) => Parsed<unknown>;

/** Value parser per kind (sections are handled by the walker). */
const LEAF: Readonly<Record<Exclude<FieldSpec['kind'], 'section' | 'source'>, LeafParser>> = {
  string: (v, s) => parseString(v, s.example),
  device: (v, s) =>
    typeof v === 'number'
      ? {
          ok: false,
          message: `expected the serial device such as "/dev/ttyUSB0", got ${v}; for a serial-to-TCP bridge write "source": "tcp://host:${v}"`,
        }
      : parseString(v, s.example),
  secret: (v) => parseSecret(v),
  'aes-key': (v, s) => parseAesKey(v, s.path === 'auth_key' ? 'authentication key' : 'key'),
  'p256-point': (v) => {
    const hex = typeof v === 'string' ? v.replace(/\s+/g, '').toUpperCase() : '';
    return /^04[0-9A-F]{128}$/.test(hex)
      ? { ok: true, value: hex }
      : {
          ok: false,
          message: `expected the meter public key as 130 hex digits starting with 04 (the uncompressed P-256 point), got ${describeValue(v)}`,
        };
  },
  path: (v, s, baseDir) => parsePath(v, baseDir, s.example ?? '/var/lib/kaifareader'),
  integer: (v, s) => parseInteger(v, s.min ?? 0, s.max ?? Number.MAX_SAFE_INTEGER),
  number: (v, s) =>
    typeof v === 'number' && Number.isFinite(v) && v >= (s.min ?? -Infinity) && v <= (s.max ?? Infinity)
      ? { ok: true, value: v }
      : { ok: false, message: `expected a number from ${s.min} to ${s.max}, got ${describeValue(v)}` },
  boolean: (v) => parseBoolean(v),
  enum: (v, s) => parseEnum(v, s.values ?? []),
  parity: (v) => parseParity(v),
  stopbits: (v) => parseStopBits(v),
  bytesize: (v) => parseByteSize(v),
  level: (v) => parseLogLevel(v),
  'mqtt-url': (v) => parseMqttUrl(v),
  host: (v, s) => parseHost(v, s.example ?? '127.0.0.1'),
  'host-list': (v, s) => parseHostList(v, s.example ?? 'meter.home.arpa'),
  'obis-scalers': (v) => parseObisScalers(v),
};

/** Validates `tree` against the schema. `origin` maps new paths to the old keys they came from (for messages). */
export function walkConfig(tree: Tree, origin: ReadonlyMap<string, string>, baseDir: string): Walked {
  const out: Walked = { values: new Map(), present: new Set(), failed: new Set(), issues: [], warnings: [] };
  walkNode(tree, '', origin, baseDir, out);
  return out;
}

function walkNode(
  node: Tree,
  parent: string,
  origin: ReadonlyMap<string, string>,
  baseDir: string,
  out: Walked,
): void {
  for (const [key, v] of Object.entries(node)) {
    const path = parent === '' ? key : `${parent}.${key}`;
    const spec = SCHEMA_BY_PATH.get(path);
    const shown = origin.get(path) ?? path;
    if (!spec) {
      out.warnings.push(unknownKeyWarning(key, parent));
      continue;
    }
    if (v === null || v === undefined) continue;
    if (spec.kind === 'section' || spec.kind === 'source') {
      walkSection(spec, v, shown, origin, baseDir, out);
      continue;
    }
    const r = LEAF[spec.kind](v, spec, baseDir);
    if (r.ok) out.values.set(path, r.value);
    else {
      out.failed.add(path);
      out.issues.push({ path: shown, message: r.message });
    }
  }
}

function walkSection(
  spec: FieldSpec,
  v: unknown,
  shown: string,
  origin: ReadonlyMap<string, string>,
  baseDir: string,
  out: Walked,
): void {
  if (isObject(v)) {
    out.present.add(spec.path);
    walkNode(v, spec.path, origin, baseDir, out);
  } else if (spec.kind === 'source' && typeof v === 'string') {
    out.present.add(spec.path);
    out.values.set(spec.path, v.trim());
  } else if (spec.toggle && typeof v === 'boolean') {
    if (v) out.present.add(spec.path);
  } else {
    out.failed.add(spec.path);
    const keys = childKeys(spec.path).slice(0, 3).join(', ');
    const alt =
      spec.kind === 'source'
        ? ' or a string such as "/dev/ttyUSB0" or "tcp://host:port"'
        : spec.toggle
          ? ' or true/false'
          : '';
    out.issues.push({
      path: shown,
      message: `expected an object with keys such as ${keys}${alt}, got ${describeValue(v)}`,
    });
  }
}

function unknownKeyWarning(key: string, parent: string): string {
  const known = childKeys(parent);
  const hint = suggestKey(key, parent === '' ? [...known, ...LEGACY_KEYS] : known);
  const where = parent === '' ? `"${key}"` : `"${parent}.${key}"`;
  const mean = hint ? `did you mean "${hint}"?` : `known keys here: ${known.join(', ')}`;
  return `unknown key ${where} is ignored — ${mean}`;
}

/** All schema paths (for docs/tests). */
export const SCHEMA_PATHS: readonly string[] = CONFIG_SCHEMA.map((f) => f.path);
