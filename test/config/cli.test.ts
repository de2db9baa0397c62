// Spawns the built CLI: run `npx tsc -p tsconfig.json` (or `npm test`) first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA } from '../../src/daemon/config-schema.js';
import { readableInstall } from '../helpers/readable-install.js';

const BIN = fileURLToPath(new URL('../../bin/kaifareader', import.meta.url));
const TEMPLATE = new URL('../fixtures/config/meter_template.json', import.meta.url);
const KEY = '36C66639E48A8CA4D6BC8B282A793BBB';

/** Runs the CLI; with a `prefix` that changes user (setpriv), from a copy that user may read (any checkout). */
function run(args: string[], env: Record<string, string> = {}, prefix: string[] = []) {
  const cmd = prefix.length ? prefix[0]! : process.execPath;
  const install = prefix.length ? readableInstall() : undefined;
  const argv = install ? [...prefix.slice(1), process.execPath, install.bin, ...args] : [BIN, ...args];
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 20_000,
    cwd: install?.root,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kr-cli-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('config check accepts the old template: exit 0, effective config redacted, no key anywhere', () => {
  withDir((dir) => {
    const f = join(dir, 'meter.json');
    copyFileSync(TEMPLATE, f);
    chmodSync(f, 0o640);
    const r = run(['config', 'check', '--config', f]);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.startsWith(`config OK: ${f} (old Python kaifareader keys, read as data)\n`), r.out);
    const shown = JSON.parse(r.out.slice(r.out.indexOf('\n{') + 1)) as { key: string; exports: unknown };
    assert.equal(shown.key, '<redacted, 16 bytes>');
    assert.deepEqual(shown.exports, { solarview: { file: '/var/run/kaifareader/kaifa.txt' } });
    assert.equal(r.err, '');
    assert.equal((r.out + r.err).toUpperCase().includes(KEY.slice(0, 8)), false);
  });
});

test('config check lists every problem as path: message and exits 78', () => {
  withDir((dir) => {
    const f = join(dir, 'meter.json');
    writeFileSync(
      f,
      JSON.stringify({
        port: '/dev/ttyUSB0',
        baudrate: 'fast',
        key_hex_string: KEY.slice(0, 30),
        export_format: 'MQTT',
        http: { host: '0.0.0.0' },
        exprots: {},
      }),
      { mode: 0o600 },
    );
    const r = run(['config', 'check'], { KAIFAREADER_CONFIG: f });
    assert.equal(r.code, 78, r.err);
    assert.equal(r.out, '');
    const lines = r.err.split('\n');
    assert.equal(lines[0], `${f}: 4 problems found`);
    assert.ok(
      lines.includes('  baudrate: expected a whole number from 300 to 921600, got the string "fast"'),
      r.err,
    );
    assert.ok(
      lines.includes(
        '  key_hex_string: the key must be 32 hex digits (16 bytes), got 30 digits (the value is not shown)',
      ),
      r.err,
    );
    assert.ok(lines.some((l) => l.startsWith('  export_mqtt_server: required when export_format is "MQTT"')));
    assert.ok(lines.some((l) => l.startsWith('  http.host: "0.0.0.0" makes the dashboard reachable')));
    assert.ok(lines.includes('warning: unknown key "exprots" is ignored — did you mean "exports"?'), r.err);
    assert.equal(r.err.toUpperCase().includes(KEY.slice(0, 8)), false);
  });
});

test('config check on a missing file exits 78 and says how to point at the file', () => {
  const r = run(['config', 'check', '--config', '/nonexistent/meter.json']);
  assert.equal(r.code, 78, r.err);
  assert.match(r.err, /\(file\): \/nonexistent\/meter\.json does not exist — create it/);
});

test('config check on a file the user may not read: run as root or join the group', (t) => {
  withDir((dir) => {
    const f = join(dir, 'meter.json');
    copyFileSync(TEMPLATE, f);
    chmodSync(f, 0o600);
    let prefix: string[] = [];
    if (process.getuid?.() === 0) {
      if (!existsSync('/usr/bin/setpriv')) return t.skip('root without setpriv cannot provoke EACCES');
      chmodSync(dir, 0o755); // nobody may enter the directory but not read the file
      prefix = ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    } else chmodSync(f, 0o000);
    const r = run(['config', 'check', '--config', f], {}, prefix);
    assert.equal(r.code, 78, r.err);
    assert.match(r.err, /permission denied — run as root \(sudo\), or add your user to the file's group/);
  });
});

test('config schema prints every key, as a table and as JSON', () => {
  const table = run(['config', 'schema']);
  assert.equal(table.code, 0, table.err);
  for (const f of CONFIG_SCHEMA) assert.ok(table.out.includes(`\n${f.path} `), f.path);
  const json = run(['config', 'schema', '--json']);
  assert.equal(json.code, 0, json.err);
  assert.deepEqual(
    (JSON.parse(json.out) as Array<{ path: string }>).map((f) => f.path),
    CONFIG_SCHEMA.map((f) => f.path),
  );
});

/** Every dotted key path of a JSON object (sections and leaves). */
function keyPaths(o: unknown, prefix = ''): string[] {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return [];
  return Object.entries(o).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

const shownConfig = (out: string): Record<string, unknown> =>
  JSON.parse(out.slice(out.indexOf('\n{') + 1)) as Record<string, unknown>;

test('config check prints the file keys (snake_case): its output copied back into a file is accepted as is', () => {
  withDir((dir) => {
    const configs = [
      {
        source: { port: '/dev/ttyUSB0', baudrate: 9600, parity: 'even', bytesize: 7, stopbits: 2 },
        profile: 'kaifa-ma309',
        data_dir: dir,
        logging: { level: 'debug', file: join(dir, 'kaifa.log'), max_bytes: 100000, backups: 3 },
        exports: {
          solarview: { file: join(dir, 'kaifa.txt') },
          mqtt: {
            url: 'mqtt://127.0.0.1:1883',
            username: 'kaifa',
            client_id: 'meter-1',
            keepalive: 30,
            base_topic: 'home/meter',
            qos: 2,
            legacy_topics: true,
            per_value_topics: true,
            discovery: { enabled: false, prefix: 'ha' },
            outbox: { max_messages: 1000 },
          },
          history: { path: join(dir, 'h.db'), retention_days: 7, time_zone: 'Europe/Berlin' },
        },
        http: { host: '127.0.0.1', port: 8081 },
      },
      { source: 'tcp://192.168.0.20:8899', data_dir: dir },
      { source: { replay: join(dir, 'capture.txt'), speed: 'fast', loop: true }, data_dir: dir },
    ];
    for (const [i, config] of configs.entries()) {
      const f = join(dir, `meter${i}.json`);
      writeFileSync(f, JSON.stringify(config), { mode: 0o600 });
      const first = run(['config', 'check', '--config', f]);
      assert.equal(first.code, 0, first.err);
      const shown = shownConfig(first.out);
      assert.doesNotMatch(JSON.stringify(shown), /"[a-z]+[A-Z]\w*":/, 'no camelCase key');
      const copied = join(dir, `copied${i}.json`);
      writeFileSync(copied, JSON.stringify(shown), { mode: 0o600 });
      const again = run(['config', 'check', '--config', copied]);
      assert.equal(again.code, 0, again.err);
      assert.equal(again.err, first.err, 'the same warnings, none about an unknown key');
      assert.doesNotMatch(again.err, /unknown key/);
      assert.deepEqual(shownConfig(again.out), shown);
    }
    // The serial settings come back under the file's names.
    const serial = shownConfig(run(['config', 'check', '--config', join(dir, 'meter0.json')]).out);
    assert.deepEqual(serial.source, configs[0]!.source);
    assert.deepEqual((serial.exports as { history: unknown }).history, configs[0]!.exports!.history);
  });
});

test('config check with every secret: each printed key is a schema key; copied back only the redacted keys fail', () => {
  withDir((dir) => {
    const f = join(dir, 'meter.json');
    writeFileSync(
      f,
      JSON.stringify({
        source: '/dev/ttyUSB0',
        key: KEY,
        auth_key: KEY,
        data_dir: dir,
        exports: { mqtt: { url: 'mqtt://u:secretpw@127.0.0.1:1883', password: 'secretpw' } },
        http: {
          host: '0.0.0.0',
          token: 'secret-token-0123456789',
          basic_auth: { username: 'me', password: 'secretpw' },
        },
      }),
      { mode: 0o600 },
    );
    const r = run(['config', 'check', '--config', f]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /secretpw|secret-token|36C66639/);
    const shown = shownConfig(r.out);
    const schemaPaths = new Set(CONFIG_SCHEMA.map((s) => s.path));
    for (const p of keyPaths(shown)) assert.ok(schemaPaths.has(p), `${p} is a meter.json key`);
    assert.deepEqual((shown.http as { basic_auth: unknown }).basic_auth, {
      username: 'me',
      password: '<redacted>',
    });
    const copied = join(dir, 'copied.json');
    writeFileSync(copied, JSON.stringify(shown), { mode: 0o600 });
    const again = run(['config', 'check', '--config', copied]);
    assert.equal(again.code, 78);
    const problems = again.err.split('\n').filter((l) => l.startsWith('  '));
    assert.deepEqual(
      problems.map((l) => l.trim().split(':')[0]),
      ['key', 'auth_key'],
      again.err,
    );
    assert.doesNotMatch(again.err, /unknown key/);
  });
});
