/**
 * Access control for every route.
 *
 * - No token and no basic auth configured: open (allowed only on a loopback host, see `assertSafeBinding`).
 * - Token: `Authorization: Bearer <token>`, `?token=<token>` (EventSource cannot send headers) or the
 *   `kaifareader_token` cookie that the server sets after a successful `?token=` so that the page's own
 *   scripts, styles and API calls work without the token in every URL.
 * - Basic auth: `Authorization: Basic base64(user:password)`; a 401 carries a `WWW-Authenticate` challenge so
 *   browsers ask for the password.
 *
 * Secrets are compared in constant time (both sides hashed to equal length first) and never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { HttpConfig } from '../config/types.js';

export const TOKEN_COOKIE = 'kaifareader_token';

export type AuthResult =
  | { ok: true; /** Set this cookie on the response (token came in the query). */ setCookie?: string }
  | {
      ok: false;
      challenge: string;
      /** The token cookie was present but not valid percent-encoding (a probe, never our own cookie). */
      malformedCookie?: boolean;
    };

/** Constant-time string comparison that does not leak the length either. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/** Throws when the server would listen beyond this machine without any authentication. */
export function assertSafeBinding(config: HttpConfig): void {
  if (isLoopbackHost(config.host) || config.token || config.basicAuth) return;
  throw new Error(
    `http.host "${config.host}" is not a loopback address: set http.token or http.basic_auth in meter.json, ` +
      'or listen on 127.0.0.1 behind a reverse proxy',
  );
}

/**
 * The cookie's value, percent-decoded; `{ malformed: true }` for a value such as `%E0%A4%A` that is not valid
 * percent-encoded UTF-8 (the server set it with encodeURIComponent, so it can only come from someone else).
 */
export function readCookie(
  header: string | undefined,
  name: string,
): { value: string } | { malformed: true } | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return { value: decodeURIComponent(part.slice(eq + 1).trim()) };
    } catch {
      return { malformed: true };
    }
  }
  return undefined;
}

function checkBasic(header: string, expected: NonNullable<HttpConfig['basicAuth']>): boolean {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = safeEqual(decoded.slice(0, colon), expected.username);
  const passOk = safeEqual(decoded.slice(colon + 1), expected.password);
  return userOk && passOk;
}

function checkBasicHeader(header: string, expected: NonNullable<HttpConfig['basicAuth']>): boolean {
  return /^basic /i.test(header) && checkBasic(header, expected);
}

function challengeFor(config: HttpConfig): string {
  return config.basicAuth ? 'Basic realm="kaifareader", charset="UTF-8"' : 'Bearer realm="kaifareader"';
}

/** Decides whether `req` may proceed. `url` is the parsed request URL (for `?token=`). */
export function authorize(req: IncomingMessage, url: URL, config: HttpConfig): AuthResult {
  const { token, basicAuth } = config;
  if (!token && !basicAuth) return { ok: true };
  const header = req.headers.authorization ?? '';
  if (token) {
    if (/^bearer /i.test(header) && safeEqual(header.slice(7).trim(), token)) return { ok: true };
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && safeEqual(queryToken, token)) {
      const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
      return { ok: true, setCookie: cookie };
    }
    const cookie = readCookie(req.headers.cookie, TOKEN_COOKIE);
    if (cookie && 'value' in cookie && safeEqual(cookie.value, token)) return { ok: true };
    if (cookie && 'malformed' in cookie && !(basicAuth && checkBasicHeader(header, basicAuth)))
      return { ok: false, challenge: challengeFor(config), malformedCookie: true };
  }
  if (basicAuth && checkBasicHeader(header, basicAuth)) return { ok: true };
  return { ok: false, challenge: challengeFor(config) };
}
