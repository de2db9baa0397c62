/**
 * One log entry → one text line (never more: newlines are escaped so journald and grep see one entry per line).
 *
 *   plain:    `2026-11-24 23:40:01 INFO  [mqtt] broker unreachable code=ECONNREFUSED attempt=3`
 *   journal:  `<4>[mqtt] broker unreachable code=ECONNREFUSED attempt=3`   (sd-daemon priority prefix, journald
 *             adds the time itself)
 *
 * Fields named like a secret (key, auth_key, password, token, …) are printed as `<redacted>` whatever they hold.
 */
import type { LogLevel } from '../config/types.js';

export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** syslog priorities as understood by journald on stderr (`<N>` prefix). */
const PRIORITY: Readonly<Record<LogLevel, number>> = { debug: 7, info: 6, warn: 4, error: 3 };

const LABEL: Readonly<Record<LogLevel, string>> = {
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
};

const SECRET_FIELD = /^(key|auth_?key|key_hex_string|secret|.*password|.*token)$/i;

export interface LogEntry {
  level: LogLevel;
  component?: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** Local time as `YYYY-MM-DD HH:MM:SS`. */
export function formatTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function formatLine(e: LogEntry, style: 'plain' | 'journal', time: Date): string {
  const head = style === 'journal' ? `<${PRIORITY[e.level]}>` : `${formatTimestamp(time)} ${LABEL[e.level]} `;
  const component = e.component ? `[${e.component}] ` : '';
  const fields = formatFields(e.fields);
  return `${head}${component}${oneLine(e.message)}${fields ? ' ' + fields : ''}\n`;
}

/** `key=value …`; values with spaces or quotes are JSON-quoted; errors print their code and message. */
export function formatFields(fields?: Record<string, unknown>): string {
  if (!fields) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    parts.push(`${k}=${SECRET_FIELD.test(k) ? '<redacted>' : formatValue(v)}`);
  }
  return parts.join(' ');
}

function formatValue(v: unknown): string {
  if (v instanceof Error) {
    const code = (v as NodeJS.ErrnoException).code;
    return quote(code ? `${code}: ${v.message}` : v.message);
  }
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null)
    return String(v);
  return oneLine(JSON.stringify(redactDeep(v)) ?? String(v));
}

function quote(s: string): string {
  return s !== '' && /^[^\s"=\\]+$/.test(s) ? s : oneLine(JSON.stringify(s));
}

function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n');
}

function redactDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactDeep);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, SECRET_FIELD.test(k) ? '<redacted>' : redactDeep(x)]),
  );
}
