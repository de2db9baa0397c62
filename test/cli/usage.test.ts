/**
 * Bad usage exits 64 (sysexits EX_USAGE) with Commander's or our own message, never 1: a missing required
 * option, a value that does not parse, an unknown option, an unknown command. --help and --version exit 0.
 * Spawns the built bin/kaifareader (`npx tsc -p tsconfig.json` first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kaifareader');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cases: Array<[string, string[], RegExp]> = [
  ['simulate without --port', ['simulate', '--count', '1'], /required option '--port <path>' not specified/],
  [
    'capture --baud abc',
    ['capture', '--port', '/dev/null', '--out', '/dev/null', '--baud', 'abc'],
    /--baud must be a positive whole number/,
  ],
  ['config check --json (unknown option)', ['config', 'check', '--json'], /unknown option '--json'/],
  ['config frobnicate (unknown sub-command)', ['config', 'frobnicate'], /unknown command 'frobnicate'/],
  ['decode --frobnicate', ['decode', '--frobnicate'], /unknown option '--frobnicate'/],
];

for (const [what, args, message] of cases) {
  test(`bad usage exits 64: ${what}`, () => {
    const r = run(args);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  });
}

test("kaifareader frobnicate: unknown command 'frobnicate', not an argument of the default command", () => {
  const r = run(['frobnicate']);
  assert.equal(r.code, 64, r.stderr);
  assert.match(r.stderr, /^error: unknown command 'frobnicate'; the commands are run, demo, decode, /);
  assert.doesNotMatch(r.stderr, /too many arguments/);
  const typo = run(['decod', '--key', '00']);
  assert.equal(typo.code, 64, typo.stderr);
  assert.match(typo.stderr, /unknown command 'decod' \(did you mean decode\?\)/);
});

test('--help and --version are no errors: exit 0', () => {
  const help = run(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Commands:/);
  const sub = run(['decode', '--help']);
  assert.equal(sub.code, 0, sub.stderr);
  assert.match(sub.stdout, /--key <hex>/);
  const version = run(['--version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});
