/**
 * meter.json content (already JSON-parsed) → AppConfig. Pure: no file system, the environment is passed in.
 *
 *   old flat keys ──liftLegacy──▶ new nested tree ◀── overrides (CLI) ◀── env KAIFAREADER_KEY / _AUTH_KEY
 *                                      │ walkConfig (schema table: every key parsed, all issues collected)
 *                                      ▼ buildConfig (defaults, source variant, cross-key checks)
 *                                   AppConfig
 */
import type { AppConfig } from './types.js';
import type { ConfigIssue } from './issues.js';
import { liftLegacy } from './legacy.js';
import { walkConfig } from './walk.js';
import { buildConfig } from './build.js';
import { suggestKey } from './suggest.js';
import { describeValue } from './values.js';

export type { ConfigIssue } from './issues.js';

export interface ParseContext {
  /** Directory that relative paths are resolved against (the config file's directory); default `/`. */
  baseDir?: string;
  /** Environment: `KAIFAREADER_KEY` / `KAIFAREADER_AUTH_KEY` replace the file's keys (systemd credentials). */
  env?: Record<string, string | undefined>;
  /** Values in the file's nested snake_case form that win over the file, e.g. `{ logging: { level: 'debug' } }`. */
  overrides?: Record<string, unknown>;
  /** When given, `profile` must be one of these. */
  knownProfiles?: readonly string[];
}

export type ConfigResult =
  | { ok: true; config: AppConfig; warnings: string[]; /** old flat keys were used */ legacy: boolean }
  | { ok: false; errors: ConfigIssue[]; warnings: string[] };

type Tree = Record<string, unknown>;
const isObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Environment variables that carry a secret, → the key they set. */
const ENV_KEYS: ReadonlyArray<[string, string]> = [
  ['KAIFAREADER_KEY', 'key'],
  ['KAIFAREADER_AUTH_KEY', 'auth_key'],
];

export function parseConfig(json: unknown, ctx: ParseContext = {}): ConfigResult {
  if (!isObject(json)) {
    return {
      ok: false,
      errors: [
        { path: '(file)', message: `expected a JSON object { … } at the top, got ${describeValue(json)}` },
      ],
      warnings: [],
    };
  }
  const lifted = liftLegacy(json);
  const origin = new Map(lifted.origin);
  const overrides: Tree = { ...(ctx.overrides ?? {}) };
  for (const [name, key] of ENV_KEYS) {
    const value = ctx.env?.[name];
    if (value !== undefined && value !== '') {
      overrides[key] = value;
      origin.set(key, name);
    }
  }
  const tree = mergeOverrides(lifted.tree, overrides, '', origin);
  const walked = walkConfig(tree, origin, ctx.baseDir ?? '/');
  const built = buildConfig(walked, origin);
  const errors = [...lifted.issues, ...built.issues];
  checkProfile(built.config?.profile, ctx.knownProfiles, errors);
  const warnings = [...lifted.warnings, ...built.warnings];
  if (errors.length > 0 || !built.config) return { ok: false, errors, warnings };
  return { ok: true, config: built.config, warnings, legacy: lifted.legacy };
}

/** Deep-merges `over` into a copy of `base`; an overridden path no longer reports under its old key. */
function mergeOverrides(base: Tree, over: Tree, prefix: string, origin: Map<string, string>): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const path = prefix + k;
    if (isObject(v) && isObject(out[k])) {
      out[k] = mergeOverrides(out[k] as Tree, v, path + '.', origin);
      continue;
    }
    out[k] = v;
    const envName = origin.get(path);
    for (const p of [...origin.keys()]) if (p === path || p.startsWith(path + '.')) origin.delete(p);
    if (envName?.startsWith('KAIFAREADER_')) origin.set(path, envName);
  }
  return out;
}

function checkProfile(
  profile: string | undefined,
  known: readonly string[] | undefined,
  errors: ConfigIssue[],
): void {
  if (profile === undefined || !known || known.includes(profile)) return;
  const hint = suggestKey(profile, known);
  errors.push({
    path: 'profile',
    message: `unknown profile ${JSON.stringify(profile)}${hint ? ` — did you mean "${hint}"?` : ''}; known: ${known.join(', ')} (or leave it out to detect the layout)`,
  });
}
