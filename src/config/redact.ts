/**
 * AppConfig → a copy safe to print (`config check`, logs, status page): passwords and tokens become
 * `"<redacted>"`, a password inside a broker URL too. The meters' keys are `Key` objects, which redact themselves
 * in JSON, text and `util.inspect`; the copy keeps them as they are (structuredClone would turn a Key into a plain
 * object with its bytes).
 */
import type { AppConfig } from './types.js';
import { redactUrl } from './values.js';

export const REDACTED = '<redacted>';

/** Keys whose values are secrets wherever they appear in a section (`password`, `token`, …). */
const SECRET_KEY = /^(password|token|secret|api_?key)$/i;

/** A deep copy of a section with every secret key redacted and a password inside any URL removed. */
function redactSection(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactSection);
  if (v === null || typeof v !== 'object')
    return typeof v === 'string' && v.includes('://') ? redactUrl(v) : v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    out[k] = SECRET_KEY.test(k) && x !== undefined ? REDACTED : redactSection(x);
  return out;
}

/**
 * Every section but the meters is walked the same way, so a new sink's `password` or `token` (and a password in
 * its URL) is redacted without a line here.
 */
export function redactConfig(config: AppConfig): AppConfig {
  const { meters, ...rest } = config;
  // A meter's keys are Key objects (they redact themselves); its source may hold a password in a URL (mqtt://).
  return {
    ...(redactSection(rest) as Omit<AppConfig, 'meters'>),
    meters: meters.map((m) => ({ ...m, source: redactSection(m.source) as typeof m.source })),
  };
}
