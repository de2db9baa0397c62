/**
 * A copy of the built program that any user may read, for tests that run a child as another user (`setpriv
 * --reuid=65534`, user nobody): a checkout in a private directory (0700, e.g. under /root or a `mktemp -d`) cannot
 * be read by that user, so `node <checkout>/bin/kaifareader` would fail with "Cannot find module". A symlinked
 * node_modules does not help either: the link's target is as private as the checkout.
 *
 * `readableInstall()` copies bin/, dist/, assets/, package.json and the runtime npm packages (or only `packages`
 * when given; with everything they depend on, nested node_modules included) into a world-readable temp directory
 * (dirs 0755, files 0644, executables 0755), once per test process and package set; the copy is removed when the
 * process exits. Children launched from it should also use it as their cwd (a private cwd is not enterable).
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ReadableInstall {
  /** The copy's root directory (world-readable). */
  root: string;
  /** Its bin/kaifareader. */
  bin: string;
  /** `file://` URL of a built module in the copy, e.g. `dist('sinks/solarview/solarview-sink.js')`. */
  dist(relative: string): string;
}

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Finds `name` as Node would from inside `fromDir` (nested node_modules first, then up to the root's). */
function locate(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === ROOT || dir === dirname(dir)) return undefined;
  }
}

/** The root-level node_modules packages `names` need, their dependencies included (optional ones if installed). */
function closure(names: string[]): Set<string> {
  const top = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string, fromDir: string, optional: boolean): void => {
    const dir = locate(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(`readable-install: package ${name} is not installed (run npm ci)`);
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    const rootDir = join(ROOT, 'node_modules', name);
    if (dir === rootDir) top.add(name); // nested ones come along with the package that holds them
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of names) visit(name, ROOT, false);
  return top;
}

/** chmod -R a+rX, keeping the owner's execute bits as everyone's. */
function makeReadable(path: string): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) makeReadable(join(path, entry));
  } else chmodSync(path, st.mode & 0o100 ? 0o755 : 0o644);
}

const made = new Map<string, ReadableInstall>();

/** The package's own runtime dependencies: what `npm ci --omit=dev` installs (about 1 s to copy). */
function runtimeDependencies(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  return Object.keys(pkg.dependencies ?? {});
}

/** The world-readable copy holding `packages` (default: every runtime dependency, like an installed package). */
export function readableInstall(packages: string[] = runtimeDependencies()): ReadableInstall {
  const key = [...packages].sort().join(' ');
  const existing = made.get(key);
  if (existing) return existing;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` first');
  const root = mkdtempSync(join(tmpdir(), 'kaifareader-readable-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  for (const part of ['bin', 'dist', 'assets', 'package.json']) {
    if (existsSync(join(ROOT, part))) cpSync(join(ROOT, part), join(root, part), { recursive: true });
  }
  for (const name of closure(packages)) {
    // dereference: node_modules (or a package in it) may be a symlink into another private tree.
    cpSync(join(ROOT, 'node_modules', name), join(root, 'node_modules', name), {
      recursive: true,
      dereference: true,
    });
  }
  makeReadable(root);
  const install: ReadableInstall = {
    root,
    bin: join(root, 'bin', 'kaifareader'),
    dist: (relative) => new URL(`file://${join(root, 'dist', relative)}`).href,
  };
  made.set(key, install);
  return install;
}
