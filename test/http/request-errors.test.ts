/**
 * Request-parsing errors (issue 9 item 3): with token auth, a malformed cookie is 401 (it was a 500 with a stack
 * per request); bad URLs, bad percent-encoding in a query and request lines Node's parser rejects are 400; all of
 * them are logged at warn without a stack, one line per kind per minute, through the daemon's real logger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log/create-logger.js';
import { createFakeHistory } from '../helpers/fake-history.js';
import { startHarness } from './harness.js';

const TOKEN = 'request-errors-token-0123456789';

/** One raw HTTP exchange; returns the status line. */
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

test('200 malformed requests: 401/400 each, no stack, the log grows by one line per kind', async () => {
  const out = new PassThrough();
  let log = '';
  out.setEncoding('utf8');
  out.on('data', (c: string) => (log += c));
  const logger = createLogger({ level: 'info' }, { stream: out, journal: false });
  const h = await startHarness({
    config: { host: '127.0.0.1', port: 0, token: TOKEN },
    history: createFakeHistory([]),
    logger,
  });
  const auth = { Authorization: `Bearer ${TOKEN}` };
  try {
    const afterStart = log.length;
    const statuses = new Map<string, number>();
    const count = (what: string, status: number) => {
      const key = `${what} ${status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    };
    for (let i = 0; i < 50; i++) {
      const cookie = await fetch(`${h.base}/api/v1/status`, {
        headers: { Cookie: 'kaifareader_token=%E0%A4%A' },
      });
      const body = (await cookie.json()) as { error: string };
      assert.equal(body.error, 'unauthorized');
      count('cookie', cookie.status);
      const query = await fetch(`${h.base}/api/v1/energy?period=%E0%A4%A&from=%ZZ`, { headers: auth });
      await query.body?.cancel();
      count('query', query.status);
      count(
        'url',
        Number(
          (await raw(h.base, `GET http://[ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`)).split(' ')[1],
        ),
      );
      count('line', Number((await raw(h.base, `GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n`)).split(' ')[1]));
    }
    assert.deepEqual(Object.fromEntries(statuses), {
      'cookie 401': 50,
      'query 400': 50,
      'url 400': 50,
      'line 400': 50,
    });
    // the right token still passes
    assert.equal((await fetch(`${h.base}/api/v1/status`, { headers: auth })).status, 200);

    const lines = log.slice(afterStart).split('\n').filter(Boolean);
    assert.ok(lines.length <= 4, `at most one line per kind, got ${lines.length}:\n${lines.join('\n')}`);
    assert.ok(
      lines.every((l) => / WARN {2}\[http\] request refused: /.test(l)),
      lines.join('\n'),
    );
    assert.match(lines.join('\n'), /malformed kaifareader_token cookie \(answered 401\)/);
    assert.doesNotMatch(log, /ERROR|\n\s+at |URIError/);
  } finally {
    await h.close();
    await logger.close();
  }
  // on stop the repeats are summed up in one line per kind
  assert.match(log, /malformed kaifareader_token cookie \(answered 401\) … repeated 49 times/);
  assert.ok(log.length < 4000, `log stays small: ${log.length} bytes`);
});

test('basic auth plus a malformed token cookie: the password still works', async () => {
  const h = await startHarness({
    config: { host: '127.0.0.1', port: 0, token: TOKEN, basicAuth: { username: 'u', password: 'p' } },
  });
  try {
    const headers = {
      Cookie: 'kaifareader_token=%E0%A4%A',
      Authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    };
    assert.equal((await fetch(`${h.base}/api/v1/status`, { headers })).status, 200);
  } finally {
    await h.close();
  }
});

test('headers beyond the limit are still 431 (the default answers of Node kept), logged once', async () => {
  const lines: string[] = [];
  const logger = {
    debug() {},
    info() {},
    warn: (m: string) => lines.push(m),
    error: (m: string) => lines.push(`ERROR ${m}`),
    child: () => logger,
  };
  const h = await startHarness({ logger });
  try {
    const big = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    for (let i = 0; i < 5; i++) assert.match(await raw(h.base, big), /^HTTP\/1\.1 431 /);
    assert.deepEqual(lines, ['request refused: unparsable request (answered 431)']);
  } finally {
    await h.close();
  }
});
