import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSafeBinding, isLoopbackHost, safeEqual } from '../../src/http/auth.js';
import { createHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import { fixtureStatus } from './fixtures.js';
import { startHarness } from './harness.js';
import { openEvents } from './sse-reader.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

test('loopback detection', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.org', '128.0.0.1'])
    assert.equal(isLoopbackHost(h), false, h);
});

test('safeEqual compares whole strings', () => {
  assert.equal(safeEqual('secret', 'secret'), true);
  assert.equal(safeEqual('secret', 'secreT'), false);
  assert.equal(safeEqual('secret', 'secret2'), false);
  assert.equal(safeEqual('', 'x'), false);
});

test('a non-loopback host without token or basic auth is refused with what to set, and never listens', async () => {
  assert.throws(
    () => assertSafeBinding({ host: '0.0.0.0', port: 0 }),
    /not a loopback address: set http\.token or http\.basic_auth/,
  );
  assert.doesNotThrow(() => assertSafeBinding({ host: '0.0.0.0', port: 0, token: 't' }));
  const server = createHttpServer({
    config: { host: '0.0.0.0', port: 0 },
    status: { get: fixtureStatus },
    latest: () => undefined,
    subscribe: () => () => {},
    logger: silentLogger,
    version: '0.1.0',
  });
  await assert.rejects(server.start(), /http\.host "0\.0\.0\.0" is not a loopback address/);
  await server.stop();
});

test('listen errors say what to change', async () => {
  const first = await startHarness();
  const port = Number(new URL(first.base).port);
  const second = createHttpServer({
    config: { host: '127.0.0.1', port },
    status: { get: fixtureStatus },
    latest: () => undefined,
    subscribe: () => () => {},
    logger: silentLogger,
    version: '0.1.0',
  });
  try {
    await assert.rejects(
      second.start(),
      new RegExp(`127\\.0\\.0\\.1:${port} is already in use: .*change http\\.port`),
    );
  } finally {
    await second.stop();
    await first.close();
  }
});

test('no auth configured on loopback: everything is open', async () => {
  const h = await startHarness();
  try {
    assert.equal((await fetch(`${h.base}/api/v1/status`)).status, 200);
  } finally {
    await h.close();
  }
});

test('token: 401 with a Bearer challenge on every route; Bearer header, ?token= and its cookie are accepted', async () => {
  const h = await startHarness({ config: { host: '127.0.0.1', port: 0, token: 's3cret-token' } });
  try {
    for (const path of [
      '/',
      '/api/v1/status',
      '/metrics',
      '/events',
      '/assets/dashboard.css',
      '/vendor/uplot.esm.js',
      '/nope',
    ]) {
      const res = await fetch(h.base + path);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="kaifareader"');
      const body = (await res.json()) as { error: string };
      assert.equal(body.error, 'unauthorized');
      assert.doesNotMatch(JSON.stringify(body), /s3cret/);
    }
    const wrong = await fetch(`${h.base}/metrics`, { headers: { Authorization: 'Bearer s3cret-tokeN' } });
    assert.equal(wrong.status, 401);
    const ok = await fetch(`${h.base}/metrics`, { headers: { Authorization: 'Bearer s3cret-token' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('set-cookie'), null);

    const viaQuery = await fetch(`${h.base}/api/v1/status?token=s3cret-token`);
    assert.equal(viaQuery.status, 200);
    const cookie = viaQuery.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^kaifareader_token=s3cret-token; Path=\/; HttpOnly; SameSite=Strict$/);
    const viaCookie = await fetch(`${h.base}/api/v1/status`, { headers: { Cookie: cookie.split(';')[0]! } });
    assert.equal(viaCookie.status, 200);
    const badCookie = await fetch(`${h.base}/api/v1/status`, {
      headers: { Cookie: 'kaifareader_token=guess' },
    });
    assert.equal(badCookie.status, 401);

    const es = await openEvents(`${h.base}/events?token=s3cret-token`);
    assert.equal(es.response.status, 200);
    await es.next('status');
    es.close();
  } finally {
    await h.close();
  }
});

test('basic auth: 401 with a Basic challenge, right user and password pass, anything else fails', async () => {
  const h = await startHarness({
    config: { host: '127.0.0.1', port: 0, basicAuth: { username: 'meter', password: 'pä:ss' } },
  });
  try {
    const none = await fetch(`${h.base}/api/v1/status`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="kaifareader", charset="UTF-8"');
    const cases: [string, number][] = [
      [basic('meter', 'pä:ss'), 200],
      [basic('meter', 'pä:s'), 401],
      [basic('Meter', 'pä:ss'), 401],
      [basic('meter', ''), 401],
      ['Basic !!!', 401],
      ['Bearer pä:ss', 401],
    ];
    for (const [authorization, status] of cases) {
      const res = await fetch(`${h.base}/api/v1/status`, { headers: { Authorization: authorization } });
      assert.equal(res.status, status, authorization);
    }
    assert.equal((await fetch(`${h.base}/api/v1/status?token=pä:ss`)).status, 401);
  } finally {
    await h.close();
  }
});
