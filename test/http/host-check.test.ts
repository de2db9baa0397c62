/**
 * DNS rebinding guard (issue 9 item 2): without auth only loopback names and `http.allowed_hosts` are answered;
 * unit tests of the rule and the real server on 127.0.0.1 asked with forged `Host` headers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { checkHost, hostName, isAllowedHost } from '../../src/http/host-check.js';
import { startHarness } from './harness.js';

/** GET with an explicit Host header (fetch may not set one). */
function get(base: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ hostname, port, path, headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One raw HTTP exchange (for a request without any Host header); returns the status line. */
function raw(base: string, text: string) {
  const { hostname, port } = new URL(base);
  return new Promise<string>((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(text));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (got += c));
    s.on('end', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', reject);
  });
}

test('hostName strips the port and a trailing dot, keeps IPv6 brackets, rejects junk', () => {
  assert.equal(hostName('LocalHost:8080'), 'localhost');
  assert.equal(hostName('localhost.'), 'localhost');
  assert.equal(hostName('[::1]:8080'), '[::1]');
  assert.equal(hostName('127.0.0.1'), '127.0.0.1');
  assert.equal(hostName('meter.home.arpa:80'), 'meter.home.arpa');
  for (const junk of ['localhost:abc', 'localhost:80:80', '[::1', 'localhost@evil.example:80', '']) {
    assert.equal(hostName(junk), '', junk);
  }
});

test('loopback names and addresses pass with or without a port; anything else only when listed', () => {
  for (const h of [
    '127.0.0.1',
    '127.0.0.1:8080',
    '127.4.5.6:1',
    'localhost',
    'localhost:8080',
    '[::1]',
    '[::1]:8080',
  ])
    assert.equal(isAllowedHost(h), true, h);
  for (const h of [
    'evil.example',
    'evil.example:8080',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
    '::1',
    '0.0.0.0',
    '192.168.1.2',
    'localhost:x',
  ])
    assert.equal(isAllowedHost(h), false, h);
  assert.equal(isAllowedHost('Meter.Home.Arpa:8080', ['meter.home.arpa']), true);
  assert.equal(isAllowedHost('other.home.arpa', ['meter.home.arpa']), false);
});

test('checkHost: 421 names the host and http.allowed_hosts, 400 without Host, anything passes with auth', () => {
  const open = { host: '127.0.0.1', port: 8080 };
  const v = checkHost('evil.example:8080', open);
  assert.equal(v.ok, false);
  assert.ok(!v.ok && v.status === 421 && v.host === 'evil.example');
  assert.match(!v.ok ? v.message : '', /add "evil\.example" to http\.allowed_hosts in meter\.json/);
  const none = checkHost(undefined, open);
  assert.ok(!none.ok && none.status === 400);
  assert.match(!none.ok ? none.message : '', /missing Host header/);
  assert.deepEqual(checkHost('localhost:8080', open), { ok: true });
  assert.deepEqual(checkHost('evil.example', { ...open, token: 'x'.repeat(24) }), { ok: true });
  assert.deepEqual(checkHost(undefined, { ...open, basicAuth: { username: 'u', password: 'p' } }), {
    ok: true,
  });
});

test('real server without auth: forged Host → 421, localhost:PORT and listed names → 200, no Host → 400', async () => {
  const h = await startHarness({ config: { host: '127.0.0.1', port: 0, allowedHosts: ['meter.home.arpa'] } });
  const port = new URL(h.base).port;
  try {
    for (const path of ['/', '/api/v1/status', '/events', '/metrics', '/assets/dashboard.css']) {
      const r = await get(h.base, path, { Host: 'evil.example' });
      assert.equal(r.status, 421, path);
      const body = JSON.parse(r.body) as { error: string; message: string };
      assert.equal(body.error, 'misdirected_request');
      assert.match(body.message, /http\.allowed_hosts/);
    }
    assert.equal((await get(h.base, '/api/v1/status', { Host: `evil.example:${port}` })).status, 421);
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      'localhost',
      `[::1]:${port}`,
      `meter.home.arpa:${port}`,
      'METER.home.arpa',
    ])
      assert.equal((await get(h.base, '/api/v1/status', { Host: host })).status, 200, host);
    // HTTP/1.0 may omit Host; HTTP/1.1 requires it (Node answers that one itself)
    assert.match(await raw(h.base, 'GET /api/v1/status HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(
      await raw(h.base, 'GET /api/v1/status HTTP/1.1\r\nConnection: close\r\n\r\n'),
      /^HTTP\/1\.1 400 /,
    );
  } finally {
    await h.close();
  }
});

test('real server with auth: any Host goes on to the auth check (401 without, 200 with the token)', async () => {
  const token = 'host-check-token-0123456789';
  const h = await startHarness({ config: { host: '127.0.0.1', port: 0, token } });
  try {
    assert.equal((await get(h.base, '/api/v1/status', { Host: 'evil.example' })).status, 401);
    const ok = await get(h.base, '/api/v1/status', {
      Host: 'meter.example.org',
      Authorization: `Bearer ${token}`,
    });
    assert.equal(ok.status, 200);
  } finally {
    await h.close();
  }
});
