/**
 * Test helper for children that drop root (`setpriv --reuid=nobody`): the checkout may sit in a directory that
 * user may not enter (cloned under /root, or in a `mktemp -d`), so the child runs from a copy of what it needs —
 * the built `dist/` and the named packages from node_modules — in a world-readable temp dir. Build first.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ReadableCopy {
  /** The copy's root: `<dir>/dist/…`, `<dir>/node_modules/…`. */
  dir: string;
  /** A file:// URL of `dist/<rel>` in the copy, for a child's `import()`. */
  dist(rel: string): string;
  remove(): void;
}

export function readableCopy(packages: string[] = []): ReadableCopy {
  const dir = mkdtempSync(join(tmpdir(), 'kr-readable-'));
  chmodSync(dir, 0o755);
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true, dereference: true });
  for (const p of packages) {
    cpSync(join(ROOT, 'node_modules', p), join(dir, 'node_modules', p), {
      recursive: true,
      dereference: true,
    });
  }
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  spawnSync('chmod', ['-R', 'a+rX', dir]);
  return {
    dir,
    dist: (rel) => new URL(`file://${join(dir, 'dist', rel)}`).href,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether this process may run a child as `nobody` (root with setpriv). */
export const canDropToNobody =
  process.getuid?.() === 0 &&
  spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'true']).status === 0;

/** argv prefix that runs a command as nobody:nogroup without supplementary groups. */
export const AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];

/** The packages the SQLite store needs at run time (libsql and its loader). */
export const SQLITE_PACKAGES = ['libsql', '@libsql', '@neon-rs', 'detect-libc'];
