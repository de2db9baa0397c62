/** The `http` keys, stated once: rows and the builder whose return type is `HttpConfig`. */
import { defineOptions, dropUndefined, type ConfigOf, type FieldSpec, type Values } from '../config/spec.js';
import { isLoopbackHost } from '../config/values.js';

export const HTTP_ROWS: readonly FieldSpec[] = [
  {
    path: 'http',
    kind: 'section',
    toggle: true,
    description: 'HTTP dashboard, JSON API and /metrics; off when absent, true for all defaults.',
  },
  {
    path: 'http.host',
    kind: 'host',
    default: '127.0.0.1',
    example: '127.0.0.1',
    description: 'Listen address; anything but loopback requires token or basic_auth.',
  },
  {
    path: 'http.port',
    kind: 'integer',
    min: 0,
    max: 65535,
    default: 8080,
    description: 'Listen port (0: any free port, logged at start).',
  },
  {
    path: 'http.token',
    kind: 'secret',
    description: 'Bearer token required by the API and dashboard. Never printed.',
  },
  {
    path: 'http.allowed_hosts',
    kind: 'host-list',
    example: 'meter.home.arpa',
    description:
      'Without token or basic_auth only requests whose Host header is a loopback name or address are answered (DNS rebinding guard); list further names that reach this server, e.g. ["meter.home.arpa"].',
  },
  { path: 'http.basic_auth', kind: 'section', description: 'HTTP basic authentication.' },
  { path: 'http.basic_auth.username', kind: 'string', description: 'User name (required in basic_auth).' },
  {
    path: 'http.basic_auth.password',
    kind: 'secret',
    description: 'Password (required in basic_auth). Never printed.',
  },
];

export const HTTP_OPTIONS = defineOptions(HTTP_ROWS, (v) => buildHttp(v));

export type HttpConfig = ConfigOf<typeof HTTP_OPTIONS>;

function buildHttp(v: Values) {
  if (!v.present('http')) return undefined;
  const http: {
    host: string;
    port: number;
    /** Required (one of token / basicAuth) when host is not a loopback address. */
    token?: string;
    basicAuth?: { username: string; password: string };
    /**
     * Host names (lower case, no port) answered without auth besides loopback names and addresses
     * (`http.allowed_hosts`); any other `Host` header gets 421 (DNS rebinding guard, see http/host-check.ts).
     */
    allowedHosts?: string[];
  } = { host: v.def('http.host'), port: v.def('http.port'), token: v.get('http.token') };
  if (v.present('http.basic_auth')) {
    const username = v.need<string>('http.basic_auth.username', 'the user name for basic authentication');
    const password = v.need<string>('http.basic_auth.password', 'the password for basic authentication');
    if (username !== undefined && password !== undefined) http.basicAuth = { username, password };
  }
  const allowed = v.get<string[]>('http.allowed_hosts');
  if (allowed?.length) http.allowedHosts = allowed;
  if (!isLoopbackHost(http.host) && !http.token && !http.basicAuth && !v.present('http.basic_auth')) {
    v.issue(
      'http.host',
      `"${http.host}" makes the dashboard reachable from the network: set "http.token" or "http.basic_auth", or keep "host": "127.0.0.1"`,
    );
  }
  if (http.allowedHosts && (http.token !== undefined || v.present('http.basic_auth')))
    v.warn(
      'http.allowed_hosts: has no effect while "http.token" or "http.basic_auth" is set (with auth every Host name is answered, after the credentials are checked); remove it, or remove the auth to rely on it',
    );
  if (http.token !== undefined && http.token.length < 16)
    v.warn('http.token: shorter than 16 characters; use a long random token (e.g. `openssl rand -hex 24`)');
  return dropUndefined(http);
}
