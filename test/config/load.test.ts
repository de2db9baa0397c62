import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG_PATH, fileErrorMessage, resolveConfigPath } from '../../src/config/load.js';
import { loadConfig } from '../../src/daemon/config-schema.js';

const TEMPLATE = new URL('../fixtures/config/meter_template.json', import.meta.url);

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kr-config-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function onlyError(r: ReturnType<typeof loadConfig>): string {
  assert.equal(r.ok, false);
  if (r.ok) return '';
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.path, '(file)');
  return r.errors[0]!.message;
}

test('config path: --config, else KAIFAREADER_CONFIG, else /etc/kaifareader/meter.json', () => {
  assert.equal(resolveConfigPath('/a/b.json', { KAIFAREADER_CONFIG: '/c.json' }), '/a/b.json');
  assert.equal(resolveConfigPath(undefined, { KAIFAREADER_CONFIG: '/c.json' }), '/c.json');
  assert.equal(resolveConfigPath(undefined, {}), DEFAULT_CONFIG_PATH);
  assert.equal(DEFAULT_CONFIG_PATH, '/etc/kaifareader/meter.json');
});

test('a missing file, a directory and a path under a file get specific messages', () => {
  withDir((dir) => {
    assert.match(
      onlyError(loadConfig(join(dir, 'nope.json'))),
      /nope\.json does not exist — create it .*--config PATH or set KAIFAREADER_CONFIG/,
    );
    assert.match(onlyError(loadConfig(dir)), /is a directory — pass the path of the JSON file/);
    writeFileSync(join(dir, 'f'), 'x');
    assert.match(onlyError(loadConfig(join(dir, 'f', 'meter.json'))), /a part of the path is a file/);
  });
});

test('permission denied says to run as root or join the group', () => {
  // Provoked for real in cli.test.ts (as user nobody); here the mapping for both errno codes.
  for (const code of ['EACCES', 'EPERM']) {
    assert.match(
      fileErrorMessage('/etc/kaifareader/meter.json', code, ''),
      /permission denied — run as root \(sudo\), or add your user to the file's group/,
    );
  }
});

test('invalid JSON reports line and column and the usual causes', () => {
  withDir((dir) => {
    const f = join(dir, 'meter.json');
    writeFileSync(f, '{\n  "port": "/dev/ttyUSB0",\n}\n');
    const m = onlyError(loadConfig(f));
    assert.match(m, /^invalid JSON at line 3, column 1: /);
    assert.match(m, /no trailing commas/);
    writeFileSync(f, '{\n  "port": "/dev/ttyUSB0"\n  "baudrate": 2400\n}');
    assert.match(
      onlyError(loadConfig(f)),
      /^invalid JSON at line 3, column 3: Expected ',' or '}' after property value/,
    );
    writeFileSync(f, '  \n');
    assert.match(onlyError(loadConfig(f)), /the file is empty/);
    writeFileSync(f, '\uFEFF{"port": "/dev/ttyUSB0"}');
    assert.equal(loadConfig(f).ok, true);
  });
});

test('a world-readable file holding a key gets the chmod 640 hint; 640 or no secret does not', () => {
  withDir((dir) => {
    const f = join(dir, 'meter.json');
    copyFileSync(TEMPLATE, f);
    chmodSync(f, 0o644);
    const open = loadConfig(f);
    assert.equal(open.ok, true);
    assert.ok(
      open.warnings.some(
        (w) => w.includes('every user can read it (mode 644)') && w.includes(`sudo chmod 640 ${f}`),
      ),
    );
    chmodSync(f, 0o640);
    assert.deepEqual(loadConfig(f).warnings, []);
    const g = join(dir, 'nokey.json');
    writeFileSync(
      g,
      JSON.stringify({ port: '/dev/ttyUSB0', export_format: 'SOLARVIEW', export_file_abspath: '/run/k.txt' }),
    );
    chmodSync(g, 0o644);
    assert.equal(
      loadConfig(g).warnings.some((w) => w.includes('chmod')),
      false,
    );
  });
});

test('relative paths are resolved against the config file directory; allowMissing uses overrides only', () => {
  withDir((dir) => {
    const f = join(dir, 'meter.json');
    writeFileSync(
      f,
      JSON.stringify({ source: '/dev/ttyUSB0', exports: { solarview: { file: 'out/kaifa.txt' } } }),
    );
    const r = loadConfig(f);
    assert.equal(r.ok && r.config.exports.solarview?.file, join(dir, 'out/kaifa.txt'));
    const m = loadConfig(join(dir, 'missing.json'), {
      allowMissing: true,
      overrides: { source: 'tcp://127.0.0.1:2000' },
    });
    assert.deepEqual(m.ok && m.config.meters[0]?.source, { type: 'tcp', host: '127.0.0.1', port: 2000 });
  });
});
