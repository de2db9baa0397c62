/**
 * The README's decode example is pasteable: its command (the ```sh block under "### decode") runs in a shell as
 * written, with the built bin/kaifareader on PATH, and prints exactly the output the README shows under it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function decodeExample(): { command: string; output: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n### decode\n'));
  const m = /```sh\n([\s\S]*?)```\s*\n+prints\s*\n+```text\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README: "### decode" has a ```sh command block followed by "prints" and a ```text block');
  return { command: m[1]!, output: m[2]! };
}

test('README decode example: no "…" in the command, and run in a shell it prints what the README shows', () => {
  const { command, output } = decodeExample();
  assert.match(command, /^kaifareader decode /);
  assert.doesNotMatch(command, /…|\.\.\./, 'nothing left out');
  const PATH = [join(ROOT, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(':');
  const r = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', env: { PATH }, timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, output);
  assert.match(r.stdout, /^1\.0\.1\.8\.0\.255 +Active energy import \(A\+\) +3744082 +Wh$/m);
});
