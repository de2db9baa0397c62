/**
 * The demo takes no meter.json, so what it needs comes as its own flags: off loopback it makes a token (a config
 * that would be refused without one), and a start-up failure names the demo's flag as the user started it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoAdvice, demoConfig } from '../../src/cli/demo-command.js';

test('demo off loopback: the config carries the token it is given; without one it is refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = demoConfig({
    dataDir: dir,
    httpPort: 0,
    httpHost: '0.0.0.0',
    token: 'made-for-this-run-0123',
  });
  assert.deepEqual(config.http, { host: '0.0.0.0', port: 0, token: 'made-for-this-run-0123' });
  assert.throws(() => demoConfig({ dataDir: dir, httpPort: 0, httpHost: '0.0.0.0' }), /http\.token/);
  assert.equal(demoConfig({ dataDir: dir, httpPort: 0, httpHost: '127.0.0.1' }).http?.token, undefined);
});

test('demo advice names the demo flag, as npm start -- or kaifareader demo', () => {
  const taken = 'http: 127.0.0.1:8080 is already in use: stop the other program or change http.port';
  assert.equal(
    demoAdvice(taken, { npm_lifecycle_event: 'start' }),
    'http: 127.0.0.1:8080 is already in use: stop the other program or start the demo on another port: ' +
      '`npm start -- --http-port 8081` (0 takes any free port)',
  );
  assert.match(demoAdvice(taken, {}), /`kaifareader demo --http-port 8081`/);
  assert.match(
    demoAdvice(
      'http: 10.9.9.9 is not an address of this machine: fix http.host (e.g. 127.0.0.1 or 0.0.0.0)',
      {
        npm_lifecycle_event: 'start',
      },
    ),
    /give another address: `npm start -- --http-host 127\.0\.0\.1` \(or 0\.0\.0\.0 for every interface\)$/,
  );
  assert.equal(demoAdvice('something else', {}), 'something else');
});
