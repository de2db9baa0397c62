/**
 * The hardened unit packaging/kaifareader.service: `systemd-analyze verify` is clean, `systemd-analyze security`
 * scores ≤ 3.0, and the settings the service depends on (serial devices, network, state) are there.
 * verify needs ExecStart's binary and the targets the unit names: it runs against a small --root tree.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExposure, parseUnit, run, runOk } from './tools.js';

const UNIT_FILE = join(process.cwd(), 'packaging', 'kaifareader.service');
const unitText = readFileSync(UNIT_FILE, 'utf8');
let root = '';

/** A root with the unit, a stand-in /usr/bin/kaifareader, /bin/kill and the host's targets and slices. */
function makeRoot(unit: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-unit-'));
  const units = join(dir, 'usr/lib/systemd/system');
  mkdirSync(units, { recursive: true });
  mkdirSync(join(dir, 'usr/bin'), { recursive: true });
  symlinkSync('usr/bin', join(dir, 'bin'));
  for (const f of readdirSync('/usr/lib/systemd/system')) {
    if (/\.(target|slice)$/.test(f))
      cpSync(join('/usr/lib/systemd/system', f), join(units, f), { dereference: true });
  }
  cpSync('/usr/bin/kill', join(dir, 'usr/bin/kill'));
  writeFileSync(join(dir, 'usr/bin/kaifareader'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(units, 'kaifareader.service'), unit);
  return dir;
}

function verify(dir: string) {
  return run('systemd-analyze', ['verify', '--man=no', `--root=${dir}`, 'kaifareader.service']);
}

before(() => {
  runOk('systemd-analyze', ['--version']);
  root = makeRoot(unitText);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('systemd-analyze verify reports nothing for the unit', () => {
  const r = verify(root);
  assert.equal(r.stderr.trim(), '');
  assert.equal(r.status, 0);
});

test('systemd-analyze verify does report a broken unit in the same setup (the check can fail)', () => {
  const broken = makeRoot(unitText.replace('ProtectSystem=strict', 'ProtectSystem=strictly'));
  try {
    const r = verify(broken);
    assert.match(r.stderr, /kaifareader\.service:\d+: .*strictly/);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});

test('systemd-analyze security --offline scores the unit at most 1.6 (as before Type=notify)', () => {
  const out = runOk('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT_FILE]);
  const score = parseExposure(out);
  console.log(`systemd-analyze security: exposure ${score}`);
  // 1.6 with Type=exec; NotifyAccess=all (+0.2, needed for systemd-notify) is paid for by PrivateMounts=yes.
  assert.ok(score <= 1.6, `exposure ${score} > 1.6:\n${out}`);
});

test("the unit is Type=notify with a watchdog and accepts systemd-notify from the daemon's child", () => {
  const service = parseUnit(unitText).get('Service');
  assert.ok(service, 'no [Service] section');
  assert.deepEqual(service.get('Type'), ['notify']);
  assert.deepEqual(service.get('NotifyAccess'), ['all']);
  assert.deepEqual(service.get('WatchdogSec'), ['60']);
  assert.deepEqual(service.get('PrivateMounts'), ['yes']);
});

test('a unit without hardening scores far above 3.0 with the same parser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-plain-'));
  try {
    const plain = join(dir, 'plain.service');
    writeFileSync(plain, '[Service]\nExecStart=/usr/bin/kaifareader run\n');
    const score = parseExposure(
      runOk('systemd-analyze', ['security', '--offline=true', '--no-pager', plain]),
    );
    assert.ok(score > 9, `plain unit scored ${score}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the unit runs the daemon as kaifareader with serial, network and state access', () => {
  const unit = parseUnit(unitText);
  const service = unit.get('Service');
  assert.ok(service, 'no [Service] section');
  const one = (key: string) => service.get(key)?.join(' | ');
  assert.equal(one('ExecStart'), '/usr/bin/kaifareader run --config /etc/kaifareader/meter.json');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one('User'), 'kaifareader');
  assert.equal(one('Group'), 'kaifareader');
  assert.equal(one('SupplementaryGroups'), 'dialout');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('RestartSec'), '5');
  assert.equal(one('StateDirectory'), 'kaifareader');
  assert.equal(one('LogsDirectory'), 'kaifareader');
  assert.equal(one('DevicePolicy'), 'closed');
  assert.deepEqual(service.get('DeviceAllow'), [
    'char-ttyUSB rw',
    'char-ttyACM rw',
    'char-ttyAMA rw',
    'char-ttyS rw',
  ]);
  assert.equal(one('RestrictAddressFamilies'), 'AF_INET AF_INET6 AF_UNIX');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('CapabilityBoundingSet'), '');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('UMask'), '0027');
  // W^X memory only works because V8 runs without its JIT; serial access needs the real dialout group and /dev.
  assert.equal(one('MemoryDenyWriteExecute'), 'yes');
  assert.deepEqual(service.get('Environment'), [
    '"NODE_OPTIONS=--jitless --max-semi-space-size=1"',
    'MALLOC_ARENA_MAX=2',
  ]);
  assert.equal(service.get('PrivateUsers'), undefined);
  assert.equal(service.get('PrivateDevices'), undefined);
  assert.equal(service.get('IPAddressDeny'), undefined);
  assert.deepEqual(unit.get('Install')?.get('WantedBy'), ['multi-user.target']);
});
