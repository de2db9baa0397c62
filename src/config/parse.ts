/**
 * meter.json content (already JSON-parsed) → a config, with the assembly (the schema rows and builders of all
 * components, src/daemon/config-schema.ts) passed in. Pure: no file system, the environment is passed in.
 *
 *   old flat keys ──liftLegacy──▶ new nested tree ◀── overrides (CLI) ◀── env (assembly-specific)
 *                                      │ assemble: walkConfig per schema (every key parsed, all issues collected)
 *                                      ▼           and the components' builders (defaults, cross-key checks)
 *                                   config
 */
import type { ConfigIssue } from './issues.js';
import { liftLegacy, type Lifted } from './legacy.js';
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

export type ConfigResult<C> =
  | { ok: true; config: C; warnings: string[]; /** old flat keys were used */ legacy: boolean }
  | { ok: false; errors: ConfigIssue[]; warnings: string[] };

export interface Assembled<C> {
  config?: C;
  issues: ConfigIssue[];
  warnings: string[];
}

/** Turns the lifted tree (new shape) into the config; `origin` maps new paths to the old keys (for messages). */
export type Assemble<C> = (lifted: Lifted, ctx: ParseContext) => Assembled<C>;

type Tree = Record<string, unknown>;
const isObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseWith<C>(json: unknown, ctx: ParseContext, assemble: Assemble<C>): ConfigResult<C> {
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
  const built = assemble(lifted, ctx);
  const errors = [...lifted.issues, ...built.issues];
  const warnings = [...lifted.warnings, ...built.warnings];
  if (errors.length > 0 || !built.config) return { ok: false, errors, warnings };
  return { ok: true, config: built.config, warnings, legacy: lifted.legacy };
}

/** Deep-merges `over` into a copy of `base`; an overridden path no longer reports under its old key. */
export function mergeOverrides(base: Tree, over: Tree, origin: Map<string, string>, prefix = ''): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const path = prefix + k;
    if (isObject(v) && isObject(out[k])) {
      out[k] = mergeOverrides(out[k] as Tree, v, origin, path + '.');
      continue;
    }
    out[k] = v;
    const envName = origin.get(path);
    for (const p of [...origin.keys()]) if (p === path || p.startsWith(path + '.')) origin.delete(p);
    if (envName?.startsWith('KAIFAREADER_')) origin.set(path, envName);
  }
  return out;
}
