/**
 * Scoreboard of the peer captures: runs `kaifareader decode --json` on every capture in a folder (default
 * test/fixtures/peer; e.g. ../shared/vectors/peer) and judges it by its `check` kind (test/helpers/peer-judge.ts).
 * Usage: npm run build && node --import tsx scripts/peer-score.ts [dir] [--verbose]
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgePeer, loadPeerCaptures, peerDecodeArgs, type DecodeRun } from '../test/helpers/peer-judge.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const dir = args.find((a) => !a.startsWith('--')) ?? join(ROOT, 'test', 'fixtures', 'peer');

function decode(argv: string[]): Promise<DecodeRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kaifareader'), 'decode', ...argv]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const captures = loadPeerCaptures(dir);
const byKind = new Map<string, { pass: number; all: number }>();
let next = 0;
const results: Array<{ id: string; check: string; problems: string[] }> = [];
async function worker(): Promise<void> {
  while (next < captures.length) {
    const c = captures[next++]!;
    const problems = judgePeer(c, await decode(peerDecodeArgs(c)));
    results.push({ id: c.id, check: c.check, problems });
  }
}
await Promise.all([worker(), worker()]);
results.sort((a, b) => a.id.localeCompare(b.id));
for (const r of results) {
  const k = byKind.get(r.check) ?? { pass: 0, all: 0 };
  k.all++;
  if (r.problems.length === 0) k.pass++;
  byKind.set(r.check, k);
  if (r.problems.length > 0 || verbose)
    console.log(
      `${r.problems.length ? 'FAIL' : 'ok  '} ${r.check.padEnd(15)} ${r.id}${r.problems.length ? ': ' + r.problems.slice(0, 4).join('; ') : ''}`,
    );
}
const total = results.filter((r) => r.problems.length === 0).length;
for (const [k, v] of byKind) console.log(`${k}: ${v.pass}/${v.all}`);
console.log(`${total} passed, ${results.length - total} failed`);
process.exit(total === results.length ? 0 : 1);
