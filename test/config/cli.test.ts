// Spawns the built CLI: run `npx tsc -p tsconfig.json` (or `npm test`) first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';

const BIN = fileURLToPath(new URL('../../bin/kaifareader', import.meta.url));
const TEMPLATE = new URL('../fixtures/config/meter_template.json', import.meta.url);
const KEY = '36C66639E48A8CA4D6BC8B282A793BBB';

function run(args: string[], env: Record<string, string> = {}, prefix: string[] = []) {
  const cmd = prefix.length ? prefix[0]! : process.execPath;
  const argv = prefix.length ? [...prefix.slice(1), process.execPath, BIN, ...args] : [BIN, ...args];
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 20_000,
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
    const shown = JSON.parse(r.out.slice(r.out.indexOf('\n') + 1)) as { key: string; exports: unknown };
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
