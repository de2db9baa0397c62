/**
 * The demo takes no meter.json, so what it needs comes as its own flags: off loopback it makes a token (a config
 * that would be refused without one), a start-up failure names the demo's flag as the user started it, and
 * `--meters N` takes 1–16 simulated meters (anything else is refused with what to type, before anything starts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAdvice, demoConfig, demoMeters, parseMeters } from '../../src/cli/demo-command.js';
import { DEMO_KEY } from '../../src/simulator/simulated-meter.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kaifareader');

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

test('--meters: 1–16 as typed, anything else refused with what to type', () => {
  assert.equal(parseMeters('1'), 1);
  assert.equal(parseMeters('3'), 3);
  assert.equal(parseMeters('16'), 16);
  for (const bad of ['0', '17', 'abc', '', '2.5', '-1', '1e1', '0x3', '3 meters'])
    assert.throws(
      () => parseMeters(bad),
      (e: Error) =>
        e.message ===
        `--meters must be a whole number of simulated meters, 1–16, got "${bad}" (e.g. --meters 3)`,
      bad,
    );
});

test('demoMeters: one meter is the demo meter of before (id default, DEMO_KEY); more have their own ids and keys', async () => {
  const [one, ...none] = demoMeters(1, { periodMs: 5000 });
  assert.deepEqual(none, []);
  assert.equal(one!.meter.id, 'default');
  assert.equal(one!.meter.key, DEMO_KEY);
  assert.equal(one!.source.describe(), 'simulated Kaifa MA309 (obis-structures, every 5 s)');
  const three = demoMeters(3, { periodMs: 5000, layout: 'obis-flat' });
  assert.deepEqual(
    three.map((m) => [m.meter.id, m.meter.name, m.meter.layout]),
    [
      ['house', 'House', 'obis-flat'],
      ['heatpump', 'Heat pump', 'obis-flat'],
      ['pv', 'PV system', 'obis-structures'],
    ],
  );
  assert.equal(new Set(three.map((m) => m.meter.key)).size, 3);
  for (const m of [one!, ...three]) await m.source.stop();
});

for (const bad of ['0', '17', 'abc']) {
  test(`kaifareader demo --meters ${bad} exits 64 with the message, before it writes anything`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kaifareader-demo-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    const r = spawnSync(
      process.execPath,
      [BIN, 'demo', '--meters', bad, '--data-dir', data, '--http-port', '0'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(r.status, 64, r.stderr);
    assert.equal(
      r.stderr,
      `kaifareader demo: --meters must be a whole number of simulated meters, 1–16, got "${bad}" (e.g. --meters 3)\n`,
    );
    assert.equal(existsSync(data), false, 'no data dir, no history');
  });
}
