/**
 * The one documented schema of meter.json, assembled from the generic rows (config/schema.ts) and each
 * component's own rows (meter, source, logging, every sink of the registry, http), and the parser built on it:
 * what `kaifareader run|demo|config check|config schema` use.
 *
 * Two forms of the meter part: the single-meter file (the old Python tool's flat keys, or the nested `source`,
 * `key`, … at the top level: one meter, id `default`) or `meters: [{ id, source, key, … }, …]`. Never both.
 * Checks that involve several meters are here: unique ids, one port per meter, `meters[].exports` names, the
 * Solarview `{meter}` placeholder. Every problem is collected, never only the first.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig, MeterConfig } from '../config/types.js';
import type { ConfigIssue } from '../config/issues.js';
import { makeSchema, Values, type Walked } from '../config/spec.js';
import { EXPORTS_ROW, GENERIC_ROWS } from '../config/schema.js';
import { walkConfig } from '../config/walk.js';
import { mergeOverrides, parseWith, type ConfigResult, type ParseContext } from '../config/parse.js';
import { loadWith, type LoadOptions, type LoadResult } from '../config/load.js';
import type { Lifted } from '../config/legacy.js';
import { suggestKey } from '../config/suggest.js';
import { describeValue } from '../config/values.js';
import { LOGGING_OPTIONS } from '../log/options.js';
import { HTTP_OPTIONS } from '../http/options.js';
import { SINKS, SINK_NAMES } from '../sinks/registry.js';
import {
  FLAT_METER_KEYS,
  FLAT_METER_ROWS,
  METER_ELEMENT_ROWS,
  METER_LIST_ROWS,
  buildMeter,
} from './meter-options.js';

export const DEFAULT_DATA_DIR = '/var/lib/kaifareader';

/** Every row, in the order `config schema` prints them. */
export const CONFIG_SCHEMA = [
  ...FLAT_METER_ROWS,
  ...GENERIC_ROWS,
  ...LOGGING_OPTIONS.rows,
  EXPORTS_ROW,
  ...SINKS.flatMap((s) => s.options.rows),
  ...HTTP_OPTIONS.rows,
  ...METER_LIST_ROWS,
] as const;

/** The top level as walked (the `meters[]…` rows are walked per element with METER_SCHEMA). */
const TOP_SCHEMA = makeSchema(CONFIG_SCHEMA.filter((r) => !r.path.startsWith('meters[]')));
const METER_SCHEMA = makeSchema(METER_ELEMENT_ROWS);
export const SCHEMA_BY_PATH = makeSchema(CONFIG_SCHEMA).byPath;

/** Environment variables that carry a secret, → the key they set (single-meter file only). */
const ENV_KEYS: ReadonlyArray<[string, string]> = [
  ['KAIFAREADER_KEY', 'key'],
  ['KAIFAREADER_AUTH_KEY', 'auth_key'],
];

type Tree = Record<string, unknown>;
const isObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseConfig(json: unknown, ctx: ParseContext = {}): ConfigResult<AppConfig> {
  return parseWith(json, ctx, assemble);
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult<AppConfig> {
  return loadWith(path, opts, {
    parse: parseConfig,
    secretInConfig: (c) => (c.exports.mqtt?.url ?? '').includes('@'),
  });
}

function assemble(lifted: Lifted, ctx: ParseContext) {
  const origin = new Map(lifted.origin);
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const listForm = 'meters' in lifted.tree;
  if (listForm) bothForms(lifted.tree, origin, issues);
  const overrides: Tree = { ...(ctx.overrides ?? {}) };
  for (const [name, key] of ENV_KEYS) {
    const value = ctx.env?.[name];
    if (value === undefined || value === '') continue;
    if (listForm) {
      warnings.push(
        `${name} is set but ignored: it applies to the single-meter file only; with "meters" set each meter's "${key}" in meter.json (meters[].${key})`,
      );
      continue;
    }
    overrides[key] = value;
    origin.set(key, name);
  }
  const tree = mergeOverrides(lifted.tree, overrides, origin);
  const baseDir = ctx.baseDir ?? '/';
  const walked = walkConfig(tree, TOP_SCHEMA, (p) => origin.get(p) ?? p, baseDir);
  const v = new Values(walked, TOP_SCHEMA, (p) => origin.get(p) ?? p);
  const dataDir = v.def<string>('data_dir');
  const meterValues: { v: Values; at: string }[] = [];
  const meters: MeterConfig[] = [];
  if (!listForm) {
    meters.push(buildMeter(v, 'default'));
    meterValues.push({ v, at: '' });
  } else if (Array.isArray(tree.meters)) {
    if (tree.meters.length === 0)
      v.issue(
        'meters',
        'needs at least one meter, e.g. [{"id": "home", "source": "/dev/ttyUSB0", "key": "…"}]',
      );
    for (const [i, element] of (tree.meters as unknown[]).entries()) {
      const one = walkMeter(element, i, baseDir);
      if (one) {
        meters.push(one.meter);
        meterValues.push({ v: one.v, at: `meters[${i}]` });
      } else
        issues.push({
          path: `meters[${i}]`,
          message: `expected an object {"id": …, "source": …}, got ${describeValue(element)}`,
        });
    }
  }
  const bctx = { dataDir };
  const config: AppConfig = {
    meters,
    dataDir,
    logging: LOGGING_OPTIONS.build(v, bctx),
    exports: {},
  };
  const exports = config.exports as Record<string, unknown>;
  for (const sink of SINKS) {
    const c = sink.build(v, bctx);
    if (c !== undefined) exports[sink.name] = c;
  }
  const http = HTTP_OPTIONS.build(v, bctx);
  if (http !== undefined) config.http = http;
  const enabled = SINK_NAMES.filter((n) => exports[n] !== undefined);
  checkIds(meters, meterValues, issues);
  checkPorts(meters, meterValues, issues);
  checkExports(meters, meterValues, enabled, warnings);
  checkSolarview(config, v);
  checkProfiles(meters, meterValues, ctx.knownProfiles);
  addHints(config, meterValues, warnings);
  const all = [
    ...issues,
    ...walked.issues,
    ...v.issues,
    ...meterValues.flatMap((m) => (m.v === v ? [] : [...m.v.walked.issues, ...m.v.issues])),
  ];
  const allWarnings = [
    ...walked.warnings,
    ...v.warnings,
    ...meterValues.flatMap((m) => (m.v === v ? [] : [...m.v.walked.warnings, ...m.v.warnings])),
    ...warnings,
  ];
  return { config: all.length === 0 ? config : undefined, issues: all, warnings: allWarnings };
}

/** `meters[1].key (meter "heatpump")`: the position always, the id when it has a valid one. */
function meterPath(i: number, id: unknown) {
  const named = typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? ` (meter "${id}")` : '';
  return (p: string) => `meters[${i}]${p === '' ? '' : '.' + p}${named}`;
}

function walkMeter(
  element: unknown,
  i: number,
  baseDir: string,
): { meter: MeterConfig; v: Values } | undefined {
  if (!isObject(element)) return undefined;
  const shown = meterPath(i, element.id);
  const walked: Walked = walkConfig(element, METER_SCHEMA, shown, baseDir, false);
  const v = new Values(walked, METER_SCHEMA, shown);
  const id = v.need<string>('id', 'a unique id of 1 to 64 letters, digits, _ or -, e.g. "home"');
  return { meter: buildMeter(v, id ?? `(meter ${i})`), v };
}

/** Both forms in one file: name the top-level meter keys (as the user wrote them) to move into `meters`. */
function bothForms(tree: Tree, origin: ReadonlyMap<string, string>, issues: ConfigIssue[]): void {
  const flat = FLAT_METER_KEYS.filter((k) => k in tree);
  if (flat.length === 0) return;
  const written = [
    ...new Set(
      flat.flatMap((k) => {
        const old = [...origin.entries()].filter(([p]) => p === k || p.startsWith(k + '.')).map(([, o]) => o);
        return old.length > 0 ? old : [k];
      }),
    ),
  ];
  issues.push({
    path: 'meters',
    message: `"meters" and the single-meter keys ${written.map((k) => `"${k}"`).join(', ')} are both set: move ${written.join(', ')} into each meter of "meters" (as "source", "key", …), or remove "meters" for one meter`,
  });
}

function checkIds(meters: MeterConfig[], at: { at: string; v: Values }[], issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  meters.forEach((m, i) => {
    if (at[i]!.at === '' || m.id.startsWith('(meter ')) return;
    const first = seen.get(m.id);
    if (first === undefined) seen.set(m.id, i);
    else
      issues.push({
        path: at[i]!.v.name('id'),
        message: `${at[first]!.at}.id and ${at[i]!.at}.id are both "${m.id}": every meter needs its own id`,
      });
  });
}

/** One port feeds one meter: the same serial device (after symlinks), tcp host:port or replay file twice. */
function checkPorts(meters: MeterConfig[], at: { at: string; v: Values }[], issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  meters.forEach((m, i) => {
    const s = m.source;
    if (s.type === 'serial' && s.port === '') return; // missing source, reported already
    // A broker topic may carry several meters' telegrams (a wildcard) and is not a port: no clash check.
    if (s.type === 'mqtt') return;
    const key =
      s.type === 'serial'
        ? `serial ${realDevice(s.port)}`
        : s.type === 'tcp'
          ? `tcp ${s.host.toLowerCase()}:${s.port}`
          : `replay ${resolve(s.file)}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const what =
      s.type === 'serial'
        ? s.port + (key.slice(7) !== s.port ? ` (${key.slice(7)})` : '')
        : s.type === 'tcp'
          ? `tcp://${s.host}:${s.port}`
          : s.file;
    issues.push({
      path: at[i]!.v.name('source'),
      message: `${at[first]!.at}.source and ${at[i]!.at}.source are both ${what}: one port carries one meter's telegrams — give each meter its own source`,
    });
  });
}

/** /dev/serial/by-id/… → /dev/ttyUSB0 when the link exists (cheap); the path as written otherwise. */
function realDevice(port: string): string {
  try {
    return realpathSync(port);
  } catch {
    return port;
  }
}

function checkExports(
  meters: MeterConfig[],
  at: { v: Values }[],
  enabled: readonly string[],
  warnings: string[],
): void {
  meters.forEach((m, i) => {
    const v = at[i]!.v;
    for (const name of m.exports ?? []) {
      if (!(SINK_NAMES as readonly string[]).includes(name)) {
        const hint = suggestKey(name, SINK_NAMES);
        v.issue(
          'exports',
          `unknown sink "${name}"${hint ? ` — did you mean "${hint}"?` : ''}; known: ${SINK_NAMES.join(', ')}`,
        );
      } else if (!enabled.includes(name)) {
        warnings.push(
          `${v.name('exports')}: "${name}" is not enabled (no "exports.${name}" section), so this meter feeds it nothing — add the section or remove "${name}"`,
        );
      }
    }
  });
}

/** Several meters feeding one Solarview file would overwrite each other: the path needs `{meter}`. */
function checkSolarview(config: AppConfig, v: Values): void {
  const sv = config.exports.solarview;
  if (!sv || sv.file.includes('{meter}')) return;
  const feeding = config.meters.filter((m) => m.exports === undefined || m.exports.includes('solarview'));
  if (feeding.length > 1)
    v.issue(
      'exports.solarview.file',
      `two meters would overwrite one file: put {meter} in exports.solarview.file, e.g. "/run/kaifareader/kaifa-{meter}.txt" (${feeding.length} meters feed it)`,
    );
}

function checkProfiles(
  meters: MeterConfig[],
  at: { v: Values }[],
  known: readonly string[] | undefined,
): void {
  if (!known) return;
  meters.forEach((m, i) => {
    if (m.profile === undefined || known.includes(m.profile)) return;
    const hint = suggestKey(m.profile, known);
    at[i]!.v.issue(
      'profile',
      `unknown profile ${JSON.stringify(m.profile)}${hint ? ` — did you mean "${hint}"?` : ''}; known: ${known.join(', ')} (or leave it out to detect the layout)`,
    );
  });
}

function addHints(c: AppConfig, at: { v: Values; at: string }[], warnings: string[]): void {
  c.meters.forEach((m, i) => {
    const v = at[i]!.v;
    if (m.key || v.failedAt('key')) return;
    const who = at[i]!.at === '' ? '' : `${v.name('key')}: `;
    warnings.push(
      `${who}no key set ("key", old "key_hex_string"): encrypted telegrams cannot be decoded — ask your grid operator for the 32-hex-digit key of the customer interface`,
    );
  });
  if (!c.exports.solarview && !c.exports.mqtt && !c.exports.history && !c.http) {
    warnings.push(
      'no export configured: readings are decoded but go nowhere — add "exports" (solarview, mqtt, history) or "http"',
    );
  }
}
