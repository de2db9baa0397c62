/**
 * A second Ctrl-C while the daemon flushes must not kill it (CI saw `demo` end with status 130: the SIGINT
 * handler was a once-handler, so the repeat fell through to Node's default action). Driven in this process:
 * with the old handler the second signal kills the test file itself, which fails it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUntilSignal } from '../../src/cli/run-command.js';
import type { App } from '../../src/daemon/app.js';

test('SIGINT twice while stopping: one stop, exit code 0, the handlers removed afterwards', async () => {
  let stops = 0;
  const app = {
    start: async () => undefined,
    stop: async () => {
      stops++;
      await new Promise((r) => setTimeout(r, 300)); // a slow flush
    },
  } as unknown as App;
  const signals: string[] = [];
  const before = process.listenerCount('SIGINT');
  const code = runUntilSignal(
    app,
    () => undefined,
    async () => undefined,
    (s) => signals.push(s),
  );
  process.kill(process.pid, 'SIGINT');
  await new Promise((r) => setTimeout(r, 50));
  process.kill(process.pid, 'SIGINT');
  process.kill(process.pid, 'SIGTERM');
  assert.equal(await code, 0);
  assert.equal(stops, 1);
  assert.deepEqual(signals, ['SIGINT']);
  assert.equal(process.listenerCount('SIGINT'), before);
});
