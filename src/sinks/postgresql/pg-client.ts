/**
 * The one owner of the PostgreSQL client library (`pg`, pure JavaScript; `pg-native` is not used). Connects,
 * runs statements, ends; and turns the library's errors into one sentence that says what to do — never the
 * password (pg's own messages do not contain it; the URL we print has it removed).
 */
import { createRequire } from 'node:module';
import type PgModule from 'pg';

const pg = loadPg();

/**
 * `pg` (8.x) asks at load whether it runs in a Cloudflare Worker by constructing a `Response` when there is no
 * `navigator` (node 20 has none). On node 20 that loads undici, whose HTTP parser is WebAssembly — and under the
 * systemd unit's `--jitless` there is no WebAssembly, so the load ends the process with an unhandled
 * `ReferenceError: WebAssembly is not defined`. Without WebAssembly, `Response` is hidden for the synchronous
 * require and put back at once (nothing else runs in between); with it, pg loads as it is.
 */
function loadPg(): typeof PgModule {
  const require = createRequire(import.meta.url);
  if ((globalThis as { WebAssembly?: unknown }).WebAssembly !== undefined)
    return require('pg') as typeof PgModule;
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });
  try {
    return require('pg') as typeof PgModule;
  } finally {
    if (desc) Object.defineProperty(globalThis, 'Response', desc);
    else delete (globalThis as { Response?: unknown }).Response;
  }
}

export interface PgConnection {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  end(): Promise<void>;
  /** Called once when the connection breaks after it was made. */
  onError(listener: (e: Error) => void): void;
}

export async function connectPostgres(url: string, password: string | undefined): Promise<PgConnection> {
  // pg lets the connection string's fields override the separate ones (a URL without a password would unset
  // it), so the password goes into the URL here, in memory only.
  const withPassword = new URL(url);
  if (password !== undefined) withPassword.password = encodeURIComponent(password);
  const client = new pg.Client({
    connectionString: withPassword.toString(),
    connectionTimeoutMillis: 5000,
    // A statement that hangs (a locked table) must not hold the outbox for ever.
    query_timeout: 30_000,
  });
  let listener: ((e: Error) => void) | undefined;
  client.on('error', (e) => listener?.(e));
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return {
    query: (text, values) => client.query(text, values),
    end: () => client.end(),
    onError: (l) => (listener = l),
  };
}

/** `postgresql://user@host:5432/db` without a password, for messages. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/** A library or network error → what happened and what to do. */
export function explainPostgresError(e: unknown, url: string): { kind: string; message: string } {
  const err = e as { code?: string; message?: string };
  const where = describePostgresUrl(url);
  const user = (() => {
    try {
      return decodeURIComponent(new URL(url).username) || 'the configured user';
    } catch {
      return 'the configured user';
    }
  })();
  switch (err.code) {
    case 'ECONNREFUSED':
      return {
        kind: 'refused',
        message: `PostgreSQL at ${where} refuses connections: is it running and listening there?`,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        kind: 'dns',
        message: `the database host of ${where} is not known: check exports.postgresql.url`,
      };
    case 'ETIMEDOUT':
      return {
        kind: 'timeout',
        message: `PostgreSQL at ${where} does not answer: check the network and firewall`,
      };
    case '28P01':
    case '28000':
      return {
        kind: 'auth',
        message: `PostgreSQL at ${where} refused the login of ${user}: check exports.postgresql.password and pg_hba.conf`,
      };
    case '3D000':
      return {
        kind: 'no-database',
        message: `the database in ${where} does not exist: create it (createdb) or fix exports.postgresql.url`,
      };
    case '42501':
      return {
        kind: 'permission',
        message: `${user} may not create or write the table on ${where}: GRANT CREATE, INSERT (see docs/postgresql.md)`,
      };
    default:
      if (/timeout/i.test(err.message ?? ''))
        return { kind: 'timeout', message: `PostgreSQL at ${where} does not answer in time: ${err.message}` };
      return { kind: err.code ?? 'error', message: `PostgreSQL at ${where}: ${err.message ?? String(e)}` };
  }
}
