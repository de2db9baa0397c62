/**
 * Walks a meter.json tree (already in the new shape) along a schema (the assembled one, or the rows of one list
 * element such as a meter): every leaf is parsed by the value parser for its kind, every problem is collected
 * (never the first one only), unknown keys become warnings with a "did you mean". The result is a flat map
 * path → normalised value plus the set of sections present; a `list` is kept as the raw array for its owner.
 */
import type { FieldSpec, Schema, Walked } from './spec.js';
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

export type { Walked } from './spec.js';

type Tree = Record<string, unknown>;
const isObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

type LeafParser = (v: unknown, spec: FieldSpec, baseDir: string) => Parsed<unknown>;

/** Value parser per kind (sections are handled by the walker). */
const LEAF: Readonly<Record<Exclude<FieldSpec['kind'], 'section' | 'source' | 'list'>, LeafParser>> = {
  string: (v, s) => parseString(v, s.example),
  id: (v) =>
    typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v)
      ? { ok: true, value: v }
      : {
          ok: false,
          message: `expected an id of 1 to 64 letters A-Z a-z, digits, "_" or "-" such as "home", got ${describeValue(v)}`,
        },
  'string-list': (v, s) => {
    const items = Array.isArray(v) ? (v as unknown[]) : undefined;
    if (!items || items.some((x) => typeof x !== 'string' || x.trim() === ''))
      return {
        ok: false,
        message: `expected a list of names such as ${s.example ?? '["mqtt"]'}, got ${describeValue(v)}`,
      };
    return { ok: true, value: items.map((x) => (x as string).trim()) };
  },
  device: (v, s) =>
    typeof v === 'number'
      ? {
          ok: false,
          message: `expected the serial device such as "/dev/ttyUSB0", got ${v}; for a serial-to-TCP bridge write "source": "tcp://host:${v}"`,
        }
      : parseString(v, s.example),
  secret: (v) => parseSecret(v),
  'aes-key': (v, s) => parseAesKey(v, s.path.endsWith('auth_key') ? 'authentication key' : 'key'),
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

interface Walk {
  schema: Schema;
  /** Path → the key as the user wrote it. */
  shown: (path: string) => string;
  baseDir: string;
  /** Top-level keys of the old tool, for "did you mean" at the root ('' for a list element). */
  legacyAtRoot: boolean;
  out: Walked;
}

/**
 * Validates `tree` against `schema`. `shown` names a path as the user wrote it (old key, env variable, list
 * position); `legacyAtRoot` offers the old Python keys as "did you mean" at the top level.
 */
export function walkConfig(
  tree: Tree,
  schema: Schema,
  shown: (path: string) => string,
  baseDir: string,
  legacyAtRoot = true,
): Walked {
  const out: Walked = { values: new Map(), present: new Set(), failed: new Set(), issues: [], warnings: [] };
  walkNode(tree, '', { schema, shown, baseDir, legacyAtRoot, out });
  return out;
}

function walkNode(node: Tree, parent: string, w: Walk): void {
  const { out } = w;
  for (const [key, v] of Object.entries(node)) {
    const path = parent === '' ? key : `${parent}.${key}`;
    const spec = w.schema.byPath.get(path);
    const shown = w.shown(path);
    if (!spec) {
      out.warnings.push(unknownKeyWarning(key, parent, w));
      continue;
    }
    if (v === null || v === undefined) continue;
    if (spec.kind === 'list') {
      if (Array.isArray(v)) out.values.set(path, v);
      else {
        out.failed.add(path);
        out.issues.push({ path: shown, message: `expected a list [ {…}, … ], got ${describeValue(v)}` });
      }
      continue;
    }
    if (spec.kind === 'section' || spec.kind === 'source') {
      walkSection(spec, v, shown, w);
      continue;
    }
    const r = LEAF[spec.kind](v, spec, w.baseDir);
    if (r.ok) out.values.set(path, r.value);
    else {
      out.failed.add(path);
      out.issues.push({ path: shown, message: r.message });
    }
  }
}

function walkSection(spec: FieldSpec, v: unknown, shown: string, w: Walk): void {
  const { out } = w;
  if (isObject(v)) {
    out.present.add(spec.path);
    walkNode(v, spec.path, w);
  } else if (spec.kind === 'source' && typeof v === 'string') {
    out.present.add(spec.path);
    out.values.set(spec.path, v.trim());
  } else if (spec.toggle && typeof v === 'boolean') {
    if (v) out.present.add(spec.path);
  } else {
    out.failed.add(spec.path);
    const keys = w.schema.childKeys(spec.path).slice(0, 3).join(', ');
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

function unknownKeyWarning(key: string, parent: string, w: Walk): string {
  const known = w.schema.childKeys(parent);
  const hint = suggestKey(key, parent === '' && w.legacyAtRoot ? [...known, ...LEGACY_KEYS] : known);
  const path = parent === '' ? key : `${parent}.${key}`;
  const shown = w.shown(path);
  // A list element names itself (`meters[1].foo (meter "x")`): no quotes around that.
  const where = shown === path ? `"${path}"` : shown;
  const mean = hint ? `did you mean "${hint}"?` : `known keys here: ${known.join(', ')}`;
  return `unknown key ${where} is ignored — ${mean}`;
}
