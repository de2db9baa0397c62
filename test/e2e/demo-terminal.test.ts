/**
 * `kaifareader demo` started from a terminal (issue 9, item 17): under `script` (a real pty as stdin, stdout and
 * stderr) it logs the dashboard URL once with "press Ctrl-C to stop", the first telegram's values at info and not
 * one line per telegram; Ctrl-C (SIGINT) stops it. The other e2e tests run it without a terminal, where the hint
 * is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, assertBuilt, waitUntil } from './helpers/cli-process.js';
import { makeTempDir } from './helpers/daemon-fixtures.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

test(
  'demo from a terminal: the URL once with the Ctrl-C hint, per-telegram lines only at debug',
  { skip: !hasScript && 'script(1) missing' },
  async (t) => {
    assertBuilt();
    const dir = makeTempDir();
    t.after(() => dir.remove());
    const cmd = [process.execPath, BIN, 'demo', '--http-port', '0', '--data-dir', dir.path, '--period', '0.2']
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ');
    // script(1) runs the command through $SHELL -c. dash (Debian's /bin/sh, and what script takes when SHELL is
    // unset, as on CI) keeps itself as the parent and dies of the Ctrl-C, so `script -e` reports 130 whatever
    // the demo does; `exec` makes the demo the terminal's process. SHELL is pinned so every machine runs the same.
    const child = spawn('script', ['-qefc', `exec ${cmd}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, SHELL: '/bin/sh', JOURNAL_STREAM: undefined },
    });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const opts = { context: () => out, timeoutMs: 30_000 };
    await waitUntil(() => /first telegram decoded/.test(out), 'the first telegram', opts);
    await new Promise((r) => setTimeout(r, 1500)); // ~7 more telegrams at 0.2 s
    const urlLines = out.split('\n').filter((l) => /http:\/\/127\.0\.0\.1:\d+\//.test(l));
    assert.equal(urlLines.length, 1, out);
    assert.match(urlLines[0]!, /INFO {2}dashboard on http:\/\/127\.0\.0\.1:\d+\/ — press Ctrl-C to stop/);
    assert.equal(out.match(/1KFM0200004242: 1\.8\.0/g)?.length, 1, out);
    child.stdin.write('\x03'); // Ctrl-C on the terminal → SIGINT to the demo
    assert.equal(await exited, 0, out);
    assert.match(out, /SIGINT: stopping/);
  },
);
