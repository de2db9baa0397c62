#!/usr/bin/env node
// Builds the Debian package dist/kaifareader_<version>_<arch>.deb from the compiled app (run `npm run build` first;
// `npm run package:deb` does both). No compiler, no debhelper: the tree is staged in a temp dir and packed with
// `dpkg-deb --root-owner-group`.
//
// Usage: node scripts/package-deb.mjs [--arch amd64|arm64|armhf] [--out DIR] [--keep]
//   --arch  target architecture (default: this machine's). Foreign arches take libsql's prebuilt binary from its npm
//           package (`npm pack`, i.e. the local npm cache or the npm registry); serialport ships all arches already.
//   --out   where the .deb goes (default: dist/)
//   --keep  keep the staging directory and print its path
//
// Layout (see docs/install.md): /usr/lib/kaifareader (app + production node_modules), /usr/bin/kaifareader (symlink),
// /usr/lib/systemd/system/kaifareader.service, /etc/kaifareader/meter.json (conffile), /usr/share/kaifareader
// (meter.json template), /usr/share/doc/kaifareader, /usr/share/man/man1/kaifareader.1.gz, lintian overrides.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(repo, 'packaging');

/** Debian arch → Node arch, libsql's per-platform package, serialport prebuild dir, what `file` must say. */
const ARCHES = {
  amd64: {
    node: 'x64',
    libsql: '@libsql/linux-x64-gnu',
    prebuilds: 'linux-x64',
    elf: /ELF 64-bit LSB .*x86-64/,
  },
  arm64: {
    node: 'arm64',
    libsql: '@libsql/linux-arm64-gnu',
    prebuilds: 'linux-arm64',
    elf: /ELF 64-bit LSB .*ARM aarch64/,
  },
  armhf: {
    node: 'arm',
    libsql: '@libsql/linux-arm-gnueabihf',
    prebuilds: 'linux-arm',
    elf: /ELF 32-bit LSB .*ARM, EABI5/,
  },
};

/** Packages that only carry TypeScript types or C++ headers: nothing loads them at run time. */
const COMPILE_ONLY = [
  /^node_modules\/@types\//,
  /^node_modules\/undici-types$/,
  /^node_modules\/node-addon-api$/,
];

function die(message) {
  console.error(`package-deb: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) die(`cannot run ${cmd}: ${r.error.message} (run .ci/run to install the packaging tools)`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

function parseArgs(argv) {
  const hostArch = run('dpkg', ['--print-architecture']).trim();
  const opts = { arch: hostArch, out: join(repo, 'dist'), keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--arch') opts.arch = argv[++i];
    else if (a === '--out') opts.out = argv[++i];
    else if (a === '--keep') opts.keep = true;
    else die(`unknown option ${a}; usage: package-deb.mjs [--arch amd64|arm64|armhf] [--out DIR] [--keep]`);
  }
  if (!ARCHES[opts.arch])
    die(`unsupported --arch ${opts.arch}; use one of ${Object.keys(ARCHES).join(', ')}`);
  return opts;
}

/**
 * The Debian version comes from packaging/changelog and must be `1:<package.json version>-<revision>`.
 * Epoch 1 makes it sort above the old Python package of the same name (versions 0.1 … 0.x, no epoch).
 */
function debianVersion(npmVersion) {
  const version = changelogTop();
  const upstream = npmVersion.replace(/-/g, '~');
  if (!new RegExp(`^1:${upstream.replace(/[.+~]/g, (c) => `\\${c}`)}-\\d+$`).test(version)) {
    die(
      `packaging/changelog starts with version ${version}, expected 1:${upstream}-<revision>: add a changelog entry`,
    );
  }
  return version;
}

function changelogTop() {
  const first = fs.readFileSync(join(pkgDir, 'changelog'), 'utf8').split('\n')[0] ?? '';
  const m = /^kaifareader \(([^)]+)\)/.exec(first);
  if (!m) die('packaging/changelog: first line must read "kaifareader (<version>) …"');
  return m[1];
}

function copyFile(from, to, mode) {
  fs.mkdirSync(dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, mode);
}

/** Copies a directory tree; `skip(relPath, isDir)` leaves entries out. */
function copyTree(from, to, skip = () => false) {
  fs.cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(from, src);
      return rel === '' || !skip(rel, fs.statSync(src).isDirectory());
    },
  });
}

function stageApp(app) {
  for (const f of ['package.json', 'LICENSE', 'README.md']) copyFile(join(repo, f), join(app, f), 0o644);
  copyFile(join(repo, 'bin', 'kaifareader'), join(app, 'bin', 'kaifareader'), 0o755);
  if (!fs.existsSync(join(repo, 'dist', 'cli', 'main.js')))
    die('dist/cli/main.js is missing: run `npm run build` first');
  copyTree(join(repo, 'dist'), join(app, 'dist'), (rel) => /\.(deb|map|d\.ts|tsbuildinfo)$/.test(rel));
  if (fs.existsSync(join(repo, 'assets'))) copyTree(join(repo, 'assets'), join(app, 'assets'));
}

/** Production packages from the lockfile that run on linux/<arch> with glibc. */
function productionPackages(target) {
  const lock = JSON.parse(fs.readFileSync(join(repo, 'package-lock.json'), 'utf8'));
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev)
    .filter(([path]) => !COMPILE_ONLY.some((re) => re.test(path)))
    .filter(([, p]) => (!p.os || p.os.includes('linux')) && (!p.cpu || p.cpu.includes(target.node)))
    .filter(([path]) => !/musl/.test(path))
    .map(([path, p]) => ({
      path,
      name: path.replace(/^.*node_modules\//, ''),
      version: p.version,
      optional: !!p.optional,
    }));
}

/** Fetches one package tarball with `npm pack` (npm cache first, then the registry) and unpacks it to `dest`. */
function fetchPackage(name, version, dest, work) {
  const out = run('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', work], {
    cwd: work,
  });
  const tgz = join(work, out.trim().split('\n').pop());
  fs.mkdirSync(dest, { recursive: true });
  run('tar', ['-xzf', tgz, '-C', dest, '--strip-components=1', '--no-same-owner']);
}

function stageNodeModules(app, target, work) {
  for (const p of productionPackages(target)) {
    const src = join(repo, p.path);
    const dest = join(app, p.path);
    if (fs.existsSync(src))
      copyTree(src, dest, (rel, isDir) => isDir && rel.split('/').pop() === 'node_modules');
    else if (p.optional && p.name === target.libsql) fetchPackage(p.name, p.version, dest, work);
    else if (!p.optional) die(`${p.path} is missing: run \`npm ci\` first`);
  }
  if (!fs.existsSync(join(app, 'node_modules', target.libsql, 'index.node'))) {
    die(`${target.libsql} was not staged: check package-lock.json lists it`);
  }
  pruneNodeModules(join(app, 'node_modules'), target);
}

/** Drops other arches' and musl binaries, C++ sources and type declarations. */
function pruneNodeModules(nm, target) {
  const bindings = join(nm, '@serialport', 'bindings-cpp');
  for (const d of fs.readdirSync(join(bindings, 'prebuilds'))) {
    if (d !== target.prebuilds) fs.rmSync(join(bindings, 'prebuilds', d), { recursive: true });
  }
  const keep = join(bindings, 'prebuilds', target.prebuilds);
  for (const f of fs.readdirSync(keep)) if (!f.includes('.glibc.')) fs.rmSync(join(keep, f));
  for (const d of ['src', 'binding.gyp']) fs.rmSync(join(bindings, d), { recursive: true, force: true });
  for (const f of walk(nm)) if (/\.(d\.ts|d\.mts|d\.cts|map|ts)$/.test(f)) fs.rmSync(f);
  // Dotfiles (.eslintrc, .npmignore, .github/, .travis.yml, …) are development leftovers.
  const dots = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) fs.rmSync(join(d, e.name), { recursive: true, force: true });
      else if (e.isDirectory()) dots(join(d, e.name));
    }
  };
  dots(nm);
  // mqtt's browser bundles (its "browser"/"react-native" export conditions); Node loads build/.
  fs.rmSync(join(nm, 'mqtt', 'dist'), { recursive: true, force: true });
  // Read-me files and change logs belong to the npm page, not to the installed package; licenses stay.
  for (const f of walk(nm)) if (/\.(md|markdown)$/i.test(f) && !/licen[cs]e/i.test(f)) fs.rmSync(f);
  removeEmptyDirs(nm);
}

function removeEmptyDirs(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) removeEmptyDirs(join(dir, e.name));
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

/** libstdc++ symbol version → the GCC release whose libstdc++6 provides it. */
const GLIBCXX_GCC = {
  '3.4.21': '5',
  '3.4.22': '6',
  '3.4.24': '7',
  '3.4.25': '8',
  '3.4.28': '10',
  '3.4.29': '11',
  '3.4.30': '12',
};
/** Shared libraries the addons may need → Debian package (libc6 covers libc, libm, libdl, librt, libpthread, ld.so). */
const SHLIB_PACKAGE = [
  [/^(libc|libm|libdl|librt|libpthread)\.so\.|^ld-linux/, 'libc6'],
  [/^libgcc_s\.so\.1$/, 'libgcc-s1'],
  [/^libstdc\+\+\.so\.6$/, 'libstdc++6'],
];

function versionMax(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++)
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0) ? a : b;
  return a;
}

/** What dpkg-shlibdeps would say, from readelf (which reads every arch's ELF): Depends entries for the addons. */
function shlibsDepends(app, addons) {
  const packages = new Set();
  let glibc = '2.17';
  let glibcxx;
  for (const rel of addons) {
    const f = join(app, rel);
    for (const m of run('readelf', ['-d', f]).matchAll(/\(NEEDED\).*\[(.+)\]/g)) {
      const entry = SHLIB_PACKAGE.find(([re]) => re.test(m[1]));
      if (!entry)
        die(`${rel} needs ${m[1]}: add its Debian package to SHLIB_PACKAGE in scripts/package-deb.mjs`);
      packages.add(entry[1]);
    }
    const versions = run('readelf', ['-V', f]);
    for (const m of versions.matchAll(/Name: GLIBC_([\d.]+)/g)) glibc = versionMax(glibc, m[1]);
    for (const m of versions.matchAll(/Name: GLIBCXX_([\d.]+)/g))
      glibcxx = glibcxx ? versionMax(glibcxx, m[1]) : m[1];
  }
  const deps = [];
  for (const p of [...packages].sort()) {
    if (p === 'libc6') deps.push(`libc6 (>= ${glibc})`);
    else if (p === 'libstdc++6' && glibcxx) {
      const gcc = GLIBCXX_GCC[glibcxx];
      if (!gcc) die(`an addon needs GLIBCXX_${glibcxx}: add it to GLIBCXX_GCC in scripts/package-deb.mjs`);
      deps.push(`libstdc++6 (>= ${gcc})`);
    } else deps.push(p);
  }
  return deps.join(', ');
}

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Every native addon must be an ELF object for the target arch, or the service dies at its first require(). */
function checkNativeArch(app, target) {
  const addons = walk(app).filter((f) => f.endsWith('.node'));
  if (addons.length === 0) die('no native addons staged (expected libsql and serialport)');
  for (const f of addons) {
    const what = run('file', ['-b', f]).trim();
    if (!target.elf.test(what)) die(`${relative(app, f)} is "${what}", not a binary for this arch`);
  }
  return addons.map((f) => relative(app, f));
}

/** Regular files 0644, directories 0755, executables (our launcher, scripts with #!) 0755, shared objects 0644. */
function normaliseModes(root) {
  for (const f of walk(root)) {
    const st = fs.lstatSync(f);
    if (st.isSymbolicLink()) continue;
    const head = Buffer.alloc(2);
    const fd = fs.openSync(f, 'r');
    fs.readSync(fd, head, 0, 2, 0);
    fs.closeSync(fd);
    const script = head.toString() === '#!' && (st.mode & 0o111) !== 0;
    fs.chmodSync(f, script ? 0o755 : 0o644);
  }
  const dirs = (d) => {
    fs.chmodSync(d, 0o755);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) dirs(join(d, e.name));
  };
  dirs(root);
}

function stageSystemFiles(root, app) {
  copyFile(
    join(pkgDir, 'kaifareader.service'),
    join(root, 'usr/lib/systemd/system/kaifareader.service'),
    0o644,
  );
  copyFile(join(pkgDir, 'meter.json'), join(root, 'usr/share/kaifareader/meter.json'), 0o644);
  copyFile(join(pkgDir, 'meter.json'), join(root, 'etc/kaifareader/meter.json'), 0o640);
  const doc = join(root, 'usr/share/doc/kaifareader');
  writeCopyright(join(doc, 'copyright'), app);
  writeGz(join(pkgDir, 'changelog'), join(doc, 'changelog.Debian.gz'));
  writeGz(join(repo, 'docs', 'install.md'), join(doc, 'install.md.gz'));
  copyFile(
    join(pkgDir, '99-kaifareader-serial.rules'),
    join(doc, 'examples', '99-kaifareader-serial.rules'),
    0o644,
  );
  writeGz(join(pkgDir, 'kaifareader.1'), join(root, 'usr/share/man/man1/kaifareader.1.gz'));
  copyFile(join(pkgDir, 'lintian-overrides'), join(root, 'usr/share/lintian/overrides/kaifareader'), 0o644);
  fs.mkdirSync(join(root, 'usr/bin'), { recursive: true });
  fs.symlinkSync('../lib/kaifareader/bin/kaifareader', join(root, 'usr/bin/kaifareader'));
}

/** debian/copyright in the machine-readable format: our files, then one stanza per bundled npm package. */
function writeCopyright(to, app) {
  const nm = join(app, 'node_modules');
  const stanzas = [];
  for (const pj of walk(nm).filter((f) => f.endsWith('/package.json'))) {
    const dir = dirname(pj);
    const rel = relative(app, dir);
    if (!/node_modules\/(@[^/]+\/)?[^/@]+$/.test(rel)) continue; // only package roots, not nested package.json files
    const meta = JSON.parse(fs.readFileSync(pj, 'utf8'));
    if (!meta.name || !meta.version) continue;
    const lic = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    const text = lic ? fs.readFileSync(join(dir, lic), 'utf8') : '';
    const line = /^\W*copyright\W+(?:\(c\)\s*)?(.*\d{4}.*)$/im.exec(text);
    const holder = line ? line[1].trim() : `${meta.name} authors`;
    stanzas.push(
      `Files: usr/lib/kaifareader/${rel}/*\nCopyright: ${holder}\nLicense: ${meta.license ?? 'MIT'}`,
    );
  }
  fs.mkdirSync(dirname(to), { recursive: true });
  const body = fs
    .readFileSync(join(pkgDir, 'copyright.in'), 'utf8')
    .replace('@BUNDLED@', stanzas.sort().join('\n\n'));
  fs.writeFileSync(to, body, { mode: 0o644 });
}

/** gzip -9n: no name, no timestamp, so the package is reproducible. */
function writeGz(from, to) {
  fs.mkdirSync(dirname(to), { recursive: true });
  const gz = gzipSync(fs.readFileSync(from), { level: 9 });
  gz[9] = 3; // OS = Unix, as gzip(1) writes it
  fs.writeFileSync(to, gz, { mode: 0o644 });
}

function installedSizeKiB(root) {
  let bytes = 0;
  for (const f of walk(root))
    if (!relative(root, f).startsWith('DEBIAN')) bytes += Math.ceil(fs.lstatSync(f).size / 1024) * 1024;
  return Math.ceil(bytes / 1024);
}

function writeControl(root, version, arch, shlibs) {
  const DEBIAN = join(root, 'DEBIAN');
  fs.mkdirSync(DEBIAN, { recursive: true, mode: 0o755 });
  const control = fs
    .readFileSync(join(pkgDir, 'control.in'), 'utf8')
    .replaceAll('@VERSION@', version)
    .replaceAll('@ARCH@', arch)
    .replaceAll('@SHLIBS_DEPENDS@', shlibs)
    .replaceAll('@INSTALLED_SIZE@', String(installedSizeKiB(root)));
  fs.writeFileSync(join(DEBIAN, 'control'), control, { mode: 0o644 });
  fs.writeFileSync(join(DEBIAN, 'conffiles'), '/etc/kaifareader/meter.json\n', { mode: 0o644 });
  for (const s of ['preinst', 'postinst', 'prerm', 'postrm'])
    copyFile(join(pkgDir, s), join(DEBIAN, s), 0o755);
  // preinst writes the template in place of the Python package's meter.json (see there): the exact bytes.
  const template = fs.readFileSync(join(pkgDir, 'meter.json'), 'utf8');
  if (!template.endsWith('\n') || template.includes('KAIFAREADER_METER_JSON')) {
    die('packaging/meter.json must end with a newline and must not contain KAIFAREADER_METER_JSON');
  }
  const preinst = join(DEBIAN, 'preinst');
  fs.writeFileSync(
    preinst,
    fs.readFileSync(preinst, 'utf8').replace('@METER_TEMPLATE@', () => template.slice(0, -1)),
  );
  const sums = walk(root)
    .filter((f) => !relative(root, f).startsWith('DEBIAN') && !relative(root, f).startsWith('etc/'))
    .filter((f) => fs.lstatSync(f).isFile())
    .map((f) => `${createHash('md5').update(fs.readFileSync(f)).digest('hex')}  ${relative(root, f)}`)
    .sort();
  fs.writeFileSync(join(DEBIAN, 'md5sums'), sums.join('\n') + '\n', { mode: 0o644 });
}

/** The changelog's date, so dpkg-deb clamps every mtime to it (reproducible builds). */
function sourceDateEpoch() {
  const m = /^ -- .*> {2}(.+)$/m.exec(fs.readFileSync(join(pkgDir, 'changelog'), 'utf8'));
  const t = m ? Date.parse(m[1]) : NaN;
  return Number.isNaN(t) ? undefined : String(Math.floor(t / 1000));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const target = ARCHES[opts.arch];
  const npmVersion = JSON.parse(fs.readFileSync(join(repo, 'package.json'), 'utf8')).version;
  const version = debianVersion(npmVersion);
  const work = fs.mkdtempSync(join(tmpdir(), 'kaifareader-deb-'));
  const root = join(work, 'root');
  try {
    const app = join(root, 'usr/lib/kaifareader');
    stageApp(app);
    stageNodeModules(app, target, work);
    removeEmptyDirs(app);
    normaliseModes(root);
    const addons = checkNativeArch(app, target);
    stageSystemFiles(root, app);
    writeControl(root, version, opts.arch, shlibsDepends(app, addons));
    fs.mkdirSync(opts.out, { recursive: true });
    const deb = join(opts.out, `kaifareader_${version.replace(/^\d+:/, '')}_${opts.arch}.deb`);
    const epoch = sourceDateEpoch();
    const env = { ...process.env, ...(epoch ? { SOURCE_DATE_EPOCH: epoch } : {}) };
    run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, deb], { env });
    const size = fs.statSync(deb).size;
    console.log(
      `${relative(process.cwd(), deb)}: ${(size / 1048576).toFixed(2)} MiB, ${opts.arch}, version ${version}`,
    );
    console.log(`native addons: ${addons.join(', ')}`);
  } finally {
    if (opts.keep) console.log(`staging kept in ${root}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
