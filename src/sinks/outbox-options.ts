/** Keys and checks shared by the sinks that deliver through a durable outbox (PostgreSQL, line protocol). */
import type { FieldSpec, Values } from '../config/spec.js';

/** `<section>.outbox` and its `max_rows` bound (what the peer being away may cost on disk). */
export function outboxRows(section: string, peer: string): FieldSpec[] {
  return [
    {
      path: `${section}.outbox`,
      kind: 'section',
      description: `Telegrams kept while the ${peer} is unreachable.`,
    },
    {
      path: `${section}.outbox.max_rows`,
      kind: 'integer',
      min: 100,
      max: 100_000_000,
      default: 500_000,
      description: 'Bound on undelivered telegrams; the oldest are dropped beyond it (counted and warned).',
    },
  ];
}

/** The URL at `path` when it parses and has one of `protocols` (`http:` …) and a host; else an issue with `example`. */
export function urlAt(v: Values, path: string, protocols: RegExp, example: string): URL | undefined {
  const text = v.get<string>(path);
  if (text === undefined) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (u && protocols.test(u.protocol) && u.hostname) return u;
  v.issue(path, `must be ${example}`);
  return undefined;
}
