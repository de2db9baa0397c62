/**
 * Builds the Debian package once (scripts/package-deb.mjs, host arch, into a temp dir) and checks what it holds:
 * control fields, conffiles, paths and modes, no dev or foreign-arch files, lintian without errors or warnings,
 * and that the app extracted from it starts and loads its native addons.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUnit, run, runOk } from './tools.js';

const repo = process.cwd();
const npmVersion = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string })
  .version;
let work = '';
let deb = '';
let arch = '';
/** `dpkg-deb -c` lines by path ("./usr/bin/kaifareader") → { mode, owner, target }. */
const entries = new Map<string, { mode: string; owner: string; target?: string }>();

before(() => {
  for (const tool of ['dpkg-deb', 'lintian', 'file', 'readelf']) {
    if (run('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(
        `${tool} is not installed: run .ci/run (it installs dpkg-dev, lintian, fakeroot and systemd)`,
      );
    }
  }
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is not built: run `npm run build` first');
  arch = runOk('dpkg', ['--print-architecture']).trim();
  work = mkdtempSync(join(tmpdir(), 'kaifareader-debtest-'));
  runOk(process.execPath, [join(repo, 'scripts', 'package-deb.mjs'), '--out', work]);
  const built = readdirSync(work).filter((f) => f.endsWith('.deb'));
  assert.equal(built.length, 1, `expected one .deb, got ${built.join(', ')}`);
  deb = join(work, built[0] ?? '');
  for (const line of runOk('dpkg-deb', ['-c', deb]).split('\n')) {
    const m = /^(\S+) (\S+)\s+\d+ \S+ \S+ (\.\/\S*?)(?: -> (\S+))?$/.exec(line);
    if (m && m[1] && m[2] && m[3])
      entries.set(m[3].replace(/\/$/, '') || '.', { mode: m[1], owner: m[2], target: m[4] });
  }
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the file is named kaifareader_<version>-<revision>_<arch>.deb', () => {
  assert.match(deb, new RegExp(`/kaifareader_${npmVersion.replace(/\./g, '\\.')}-\\d+_${arch}\\.deb$`));
});

test('control: version above the Python package, Depends nodejs (>= 20) and the libraries the addons need', () => {
  const field = (name: string) => runOk('dpkg-deb', ['-f', deb, name]).trim();
  assert.equal(field('Package'), 'kaifareader');
  assert.equal(field('Architecture'), arch);
  const version = field('Version');
  assert.match(version, new RegExp(`^1:${npmVersion.replace(/\./g, '\\.')}-\\d+$`));
  // The old Python package was kaifareader 0.1 … 0.3 without an epoch.
  for (const old of ['0.3', '0.9', '99.0']) runOk('dpkg', ['--compare-versions', version, 'gt', old]);
  const depends = field('Depends').split(/,\s*/);
  assert.ok(depends.includes('nodejs (>= 20)'), `Depends: ${depends.join(', ')}`);
  assert.ok(depends.includes('adduser'));
  assert.ok(
    depends.some((d) => /^libc6 \(>= 2\.\d+\)$/.test(d)),
    `no libc6 in Depends: ${depends.join(', ')}`,
  );
  assert.ok(Number(field('Installed-Size')) > 1000);
});

test('conffiles: exactly /etc/kaifareader/meter.json', () => {
  assert.equal(runOk('dpkg-deb', ['-I', deb, 'conffiles']), '/etc/kaifareader/meter.json\n');
});

test('maintainer scripts are executable POSIX shell scripts that parse', () => {
  const ctrl = runOk('sh', ['-c', `dpkg-deb --ctrl-tarfile "$1" | tar -tvf -`, 'sh', deb]);
  for (const s of ['preinst', 'postinst', 'prerm', 'postrm']) {
    assert.match(ctrl, new RegExp(`^-rwxr-xr-x root/root .* \\./${s}$`, 'm'), `${s} missing or not 0755`);
    runOk('sh', ['-n', join(repo, 'packaging', s)]);
    assert.match(readFileSync(join(repo, 'packaging', s), 'utf8'), /^#!\/bin\/sh\n/);
  }
});

test('preinst swaps the Python meter.json for the exact conffile bytes; postinst material is kept aside', () => {
  const dir = join(work, 'scripts');
  runOk('dpkg-deb', ['-e', deb, dir]);
  const shipped = runOk('sh', [
    '-c',
    'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./etc/kaifareader/meter.json',
    'sh',
    deb,
  ]);
  const fakeRoot = join(work, 'dpkg-root');
  const etc = join(fakeRoot, 'etc/kaifareader');
  mkdirSync(etc, { recursive: true });
  const users = '{ "key_hex_string": "00112233445566778899AABBCCDDEEFF", "port": "/dev/ttyUSB1" }\n';
  const env = { ...process.env, DPKG_ROOT: fakeRoot };
  // Upgrade between our own versions: dpkg's normal conffile handling, the script leaves the file alone.
  writeFileSync(join(etc, 'meter.json'), users);
  runOk('sh', [join(dir, 'preinst'), 'upgrade', '1:0.0.9-1'], { env });
  assert.equal(readFileSync(join(etc, 'meter.json'), 'utf8'), users);
  assert.ok(!existsSync(join(etc, 'meter.json.python-upgrade')));
  // Upgrade from the Python package 0.3: the user's file is kept aside, the conffile's bytes take its place,
  // so dpkg has nothing to ask about.
  runOk('sh', [join(dir, 'preinst'), 'upgrade', '0.3'], { env });
  assert.equal(readFileSync(join(etc, 'meter.json.python-upgrade'), 'utf8'), users);
  assert.equal(readFileSync(join(etc, 'meter.json'), 'utf8'), shipped);
  // A failed upgrade puts the user's file back.
  runOk('sh', [join(dir, 'postrm'), 'abort-upgrade', '0.3'], { env });
  assert.equal(readFileSync(join(etc, 'meter.json'), 'utf8'), users);
  assert.ok(!existsSync(join(etc, 'meter.json.python-upgrade')));
});

test('paths, owners and modes of the installed files', () => {
  const expect: [string, string][] = [
    ['./usr/lib/kaifareader/bin/kaifareader', '-rwxr-xr-x'],
    ['./usr/lib/kaifareader/package.json', '-rw-r--r--'],
    ['./usr/lib/kaifareader/dist/cli/main.js', '-rw-r--r--'],
    ['./usr/lib/systemd/system/kaifareader.service', '-rw-r--r--'],
    ['./etc/kaifareader/meter.json', '-rw-r-----'],
    ['./usr/share/kaifareader/meter.json', '-rw-r--r--'],
    ['./usr/share/doc/kaifareader/copyright', '-rw-r--r--'],
    ['./usr/share/doc/kaifareader/changelog.Debian.gz', '-rw-r--r--'],
    ['./usr/share/doc/kaifareader/install.md.gz', '-rw-r--r--'],
    ['./usr/share/doc/kaifareader/examples/99-kaifareader-serial.rules', '-rw-r--r--'],
    ['./usr/share/man/man1/kaifareader.1.gz', '-rw-r--r--'],
    ['./usr/share/lintian/overrides/kaifareader', '-rw-r--r--'],
    ['./usr/lib/kaifareader/node_modules/commander/package.json', '-rw-r--r--'],
  ];
  for (const [path, mode] of expect) assert.equal(entries.get(path)?.mode, mode, path);
  const bin = entries.get('./usr/bin/kaifareader');
  assert.equal(bin?.mode, 'lrwxrwxrwx');
  assert.equal(bin?.target, '../lib/kaifareader/bin/kaifareader');
  for (const [path, e] of entries) assert.equal(e.owner, 'root/root', path);
  for (const [path, e] of entries) {
    if (e.mode.startsWith('d')) assert.equal(e.mode, 'drwxr-xr-x', path);
  }
});

test("only production modules and only this arch's glibc binaries are bundled", () => {
  const paths = [...entries.keys()];
  for (const dev of ['typescript', 'tsx', 'eslint', 'prettier', 'playwright-core', '@types', 'esbuild']) {
    assert.ok(
      !paths.some((p) => p.includes(`/node_modules/${dev}/`)),
      `dev package ${dev} is in the package`,
    );
  }
  for (const dep of [
    'commander',
    '@serialport/stream',
    '@serialport/bindings-cpp',
    'mqtt',
    'libsql',
    'uplot',
  ]) {
    assert.ok(entries.has(`./usr/lib/kaifareader/node_modules/${dep}/package.json`), `${dep} is missing`);
  }
  const addons = paths.filter((p) => p.endsWith('.node'));
  assert.ok(addons.length >= 2, `native addons: ${addons.join(', ')}`);
  assert.deepEqual(
    addons.filter((p) => /musl|darwin|win32|android/.test(p)),
    [],
  );
  const prebuilds = new Set(
    paths.map((p) => /bindings-cpp\/prebuilds\/([^/]+)\//.exec(p)?.[1]).filter(Boolean),
  );
  const nodeArch = { amd64: 'x64', arm64: 'arm64', armhf: 'arm' }[arch];
  assert.deepEqual([...prebuilds], [`linux-${nodeArch}`]);
  assert.ok(!paths.some((p) => p.endsWith('.deb') || p.endsWith('.map') || p.endsWith('.d.ts')));
});

test('the copyright file is machine-readable and lists the bundled modules', () => {
  const text = runOk('sh', [
    '-c',
    'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./usr/share/doc/kaifareader/copyright',
    'sh',
    deb,
  ]);
  assert.match(
    text,
    /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/\n/,
  );
  assert.match(text, /^Files: usr\/lib\/kaifareader\/node_modules\/mqtt\/\*\nCopyright: .+\nLicense: MIT$/m);
  for (const lic of new Set([...text.matchAll(/^License: (\S+)$/gm)].map((m) => m[1]))) {
    assert.match(text, new RegExp(`^License: ${lic}\\n `, 'm'), `no standalone License: ${lic} paragraph`);
  }
});

test('lintian: no errors and no warnings', () => {
  const r = run('lintian', ['--no-tag-display-limit', deb]);
  const findings = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
  assert.deepEqual(findings, []);
});

test('the app extracted from the package starts and loads its native addons', () => {
  const root = join(work, 'root');
  runOk('dpkg-deb', ['-x', deb, root]);
  const app = join(root, 'usr/lib/kaifareader');
  assert.equal(runOk(process.execPath, [join(app, 'bin/kaifareader'), '--version']).trim(), npmVersion);
  const probe = [
    "const Database = require('libsql');",
    "const db = new Database(':memory:');",
    "console.log(db.prepare('select 6 * 7 as v').get().v);",
    "require('node-gyp-build')(require('path').dirname(require.resolve('@serialport/bindings-cpp/package.json')));",
    "console.log('serial ok');",
  ].join('\n');
  assert.equal(runOk(process.execPath, ['-e', probe], { cwd: app }), '42\nserial ok\n');
  const unit = parseUnit(readFileSync(join(root, 'usr/lib/systemd/system/kaifareader.service'), 'utf8'));
  assert.deepEqual(unit.get('Service')?.get('User'), ['kaifareader']);
  assert.equal(
    readFileSync(join(root, 'usr/lib/systemd/system/kaifareader.service'), 'utf8'),
    readFileSync(join(repo, 'packaging/kaifareader.service'), 'utf8'),
  );
  const template = JSON.parse(readFileSync(join(root, 'usr/share/kaifareader/meter.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal(template.key_hex_string, '');
  assert.equal(template.port, '/dev/ttyUSB0');
});
