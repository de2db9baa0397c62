/**
 * Reads meter.json from disk and hands it to the pure `parseConfig`. Everything the user can get wrong about the
 * file itself (missing, unreadable, a directory, invalid JSON with line/column, world-readable with a key inside)
 * gets a message saying what to do.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigIssue } from './issues.js';
import type { ConfigResult, ParseContext } from './parse.js';

export type { ConfigIssue } from './issues.js';
export { formatIssue } from './issues.js';
export type { ParseContext, ConfigResult } from './parse.js';

export const DEFAULT_CONFIG_PATH = '/etc/kaifareader/meter.json';

export interface LoadOptions {
  /** Default process.env (KAIFAREADER_KEY / KAIFAREADER_AUTH_KEY). */
  env?: Record<string, string | undefined>;
  overrides?: Record<string, unknown>;
  knownProfiles?: readonly string[];
  /** Treat a missing file as `{}` (everything from overrides/env), e.g. `kaifareader run --port … --key …`. */
  allowMissing?: boolean;
}

export type LoadResult<C> =
  | { ok: true; config: C; warnings: string[]; legacy: boolean; path: string }
  | { ok: false; errors: ConfigIssue[]; warnings: string[]; path: string };

/** `--config PATH`, else `$KAIFAREADER_CONFIG`, else /etc/kaifareader/meter.json. */
export function resolveConfigPath(
  cliPath?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const p = cliPath || env.KAIFAREADER_CONFIG || DEFAULT_CONFIG_PATH;
  return resolve(p);
}

/** What the generic loader needs from the assembly: the parser, and whether a parsed value hides a secret. */
export interface Loader<C> {
  parse(json: unknown, ctx: ParseContext): ConfigResult<C>;
  /** A secret the raw keys do not show (a password inside a broker URL). */
  secretInConfig?(config: C): boolean;
}

export function loadWith<C>(path: string, opts: LoadOptions, loader: Loader<C>): LoadResult<C> {
  const file = resolve(path);
  const read = readText(file, opts.allowMissing ?? false);
  if (!read.ok) return { ok: false, errors: [read.issue], warnings: [], path: file };
  const json: Json = read.text === undefined ? { ok: true, value: {} } : parseJson(read.text);
  if (!json.ok) return { ok: false, errors: [json.issue], warnings: [], path: file };
  const ctx: ParseContext = {
    baseDir: dirname(file),
    env: opts.env ?? process.env,
    overrides: opts.overrides,
    knownProfiles: opts.knownProfiles,
  };
  const r = loader.parse(json.value, ctx);
  if (!r.ok) return { ...r, path: file };
  const warnings = [...r.warnings];
  if (read.text !== undefined) {
    const w = worldReadableWarning(file, loader.secretInConfig?.(r.config) ?? false, json.value);
    if (w) warnings.push(w);
  }
  return { ...r, warnings, path: file };
}

type Read = { ok: true; text?: string } | { ok: false; issue: ConfigIssue };

function readText(file: string, allowMissing: boolean): Read {
  try {
    return { ok: true, text: readFileSync(file, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' && allowMissing) return { ok: true };
    return {
      ok: false,
      issue: { path: '(file)', message: fileErrorMessage(file, code, (e as Error).message) },
    };
  }
}

/** What to do about a config file that cannot be read. */
export function fileErrorMessage(file: string, code: string, fallback: string): string {
  switch (code) {
    case 'ENOENT':
      return `${file} does not exist — create it (copy the example, see \`kaifareader config schema\`), or pass --config PATH or set KAIFAREADER_CONFIG`;
    case 'EACCES':
    case 'EPERM':
      return `${file}: permission denied — run as root (sudo), or add your user to the file's group (e.g. \`sudo usermod -aG kaifareader $USER\`, then log in again)`;
    case 'EISDIR':
      return `${file} is a directory — pass the path of the JSON file, e.g. ${DEFAULT_CONFIG_PATH}`;
    case 'ENOTDIR':
      return `${file}: a part of the path is a file, not a directory — check the path`;
    default:
      return `${file} cannot be read: ${fallback}`;
  }
}

type Json = { ok: true; value: unknown } | { ok: false; issue: ConfigIssue };

/** JSON.parse with line/column and hints for what people usually get wrong in hand-written JSON. */
export function parseJson(text: string): Json {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '')
    return {
      ok: false,
      issue: { path: '(file)', message: 'the file is empty — it must hold a JSON object { … }' },
    };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (e) {
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    const pos = at ? Number(at[1]) : undefined;
    const where = pos === undefined ? '' : ` at ${lineColumn(body, pos)}`;
    const reason = msg.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    return {
      ok: false,
      issue: {
        path: '(file)',
        message: `invalid JSON${where}: ${reason} — JSON allows no comments and no trailing commas; texts need "double quotes"`,
      },
    };
  }
}

function lineColumn(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

const SECRET_KEYS =
  /^(key|auth_key|key_hex_string|password|token|export_mqtt_password|mqtt_password|influxdb_token)$/;

/** Does the raw JSON hold any secret value (at any depth, also inside the `meters` list)? */
function holdsSecret(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  return Object.entries(v).some(
    ([k, x]) => (SECRET_KEYS.test(k) && typeof x === 'string' && x !== '') || holdsSecret(x),
  );
}

function worldReadableWarning(file: string, secretInConfig: boolean, json: unknown): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o004) === 0 || !(holdsSecret(json) || secretInConfig)) return undefined;
  const octal = (mode & 0o777).toString(8);
  return `${file} holds a key or password and every user can read it (mode ${octal}): run \`sudo chmod 640 ${file}\``;
}
