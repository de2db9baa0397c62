/**
 * DNS rebinding guard for a server without authentication.
 *
 * A hostile web page can point its own name (`evil.example`) at 127.0.0.1 after the page has loaded; the
 * browser then sends the page's requests to this server with `Host: evil.example` and lets the page read the
 * answers (same origin as far as the browser knows). Without a token or password the only thing that tells
 * such a request from the user's own is the `Host` header, so without auth only these are answered:
 *
 *   127.0.0.1, 127.x.y.z, localhost, [::1], [::ffff:127.x.y.z]   with or without :port
 *   names listed in `http.allowed_hosts`                           with or without :port
 *
 * Anything else is 421 Misdirected Request. A request without `Host` (HTTP/1.0; HTTP/1.1 requires one) is 400.
 * With a token or basic auth configured every request goes on to the auth check: a rebound page does not know
 * the secret, and a reverse proxy may forward any name.
 */
import type { HttpConfig } from '../config/types.js';
import { isLoopbackHost } from './auth.js';

export type HostVerdict =
  | { ok: true }
  | { ok: false; status: 400 | 421; message: string; /** The host name as sent (trimmed). */ host?: string };

/**
 * `Host` header → lower-case name without the port (`[::1]:8080` → `[::1]`, `Localhost.:80` → `localhost`);
 * '' when the header is not `name[:digits]`.
 */
export function hostName(header: string): string {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/.exec(header.trim().toLowerCase());
  if (!m) return '';
  const name = m[1]!;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Whether the `Host` header names this server: a loopback name/address or one of `allowed`. */
export function isAllowedHost(header: string, allowed: readonly string[] = []): boolean {
  const name = hostName(header);
  if (name === '') return false;
  return isLoopbackHost(name) || allowed.includes(name);
}

/** The decision for one request's `Host` header (`undefined`: no header). */
export function checkHost(header: string | undefined, config: HttpConfig): HostVerdict {
  if (config.token || config.basicAuth) return { ok: true };
  if (header === undefined || header.trim() === '') {
    return { ok: false, status: 400, message: 'missing Host header: HTTP/1.1 requires one' };
  }
  if (isAllowedHost(header, config.allowedHosts)) return { ok: true };
  const name = (hostName(header) || header.trim()).slice(0, 100);
  return {
    ok: false,
    status: 421,
    host: name,
    message:
      `this server does not answer to the name "${name}" (DNS rebinding guard): open it as 127.0.0.1 or ` +
      `localhost, or add "${name}" to http.allowed_hosts in meter.json and restart`,
  };
}
