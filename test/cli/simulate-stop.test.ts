/**
 * `kaifareader simulate` on a pty that nobody reads: once the line is full a write can never finish, and SIGTERM
 * still ends the simulator at once (port closed, the telegram not yet written abandoned), exit 0.
 * A real socat pty pair; the test fills it first so the simulator's very first write meets a full line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { createPtyPair } from '../helpers/pty.js';
import { runCli, waitUntil } from '../e2e/helpers/cli-process.js';

/** Writes to `path` until it stays full (EAGAIN) for 300 ms: socat has moved all it can to the unread end. */
async function fillUp(path: string): Promise<number> {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  const block = Buffer.alloc(4096, 0x55);
  let total = 0;
  let fullSince: number | undefined;
  try {
    while (fullSince === undefined || Date.now() - fullSince < 300) {
      try {
        total += writeSync(fd, block);
        fullSince = undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        fullSince ??= Date.now();
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

test('simulate on a pty nobody reads stops promptly on SIGTERM', async (t) => {
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const filled = await fillUp(pty.a);
  assert.ok(filled > 0);
  const sim = runCli(['simulate', '--port', pty.a, '--period', '0.2']);
  t.after(() => sim.stop('SIGKILL'));
  await waitUntil(() => sim.stderr().includes('simulating a Kaifa MA309'), 'the simulator to start', {
    process: sim,
  });
  await new Promise((r) => setTimeout(r, 1000)); // it is now waiting on the full line
  const asked = Date.now();
  const exit = await sim.stop('SIGTERM', 10_000);
  const took = Date.now() - asked;
  assert.deepEqual(exit, { code: 0, signal: null }, sim.stderr());
  assert.ok(took < 3000, `stopped ${took} ms after SIGTERM`);
  assert.match(sim.stderr(), /sent 0 telegram\(s\)/);
});
