/**
 * Response helpers shared by every route: JSON bodies, JSON errors (`{ error, message }`, never a stack trace)
 * and the security headers every response carries.
 */
import type { ServerResponse } from 'node:http';

/** Headers sent on every response, API or page. No inline scripts or styles in the page: `default-src 'self'`. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function applySecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** Sends `body` with its content type; `cache` is a Cache-Control value (API answers are never cached). */
export function sendBody(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  cache = 'no-store',
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', cache);
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, 'application/json; charset=utf-8', JSON.stringify(value) + '\n');
}

/** Stable machine-readable error codes of the API (snake_case, documented in docs/http-api.md). */
export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'misdirected_request'
  | 'no_data'
  | 'history_disabled'
  | 'too_many_clients'
  | 'busy'
  | 'internal';

export function sendError(res: ServerResponse, status: number, error: ApiErrorCode, message: string): void {
  sendJson(res, status, { error, message });
}

/** Thrown by a route for a bad query; the server turns it into `400 { error: 'bad_request', message }`. */
export class BadRequest extends Error {
  override readonly name = 'BadRequest';
}
