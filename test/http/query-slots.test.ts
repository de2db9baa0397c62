/**
 * The query-slot semaphore of the history routes (issue 9 item 1): a bounded number of store queries at once, a
 * short bounded wait for the rest, then 503 `busy` with Retry-After.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createQuerySlots } from '../../src/http/query-slots.js';
import { createFakeHistory } from '../helpers/fake-history.js';
import type { Series } from '../../src/store/history-types.js';
import { startHarness } from './harness.js';

test('slots: at most `slots` run, `queue` wait up to waitMs, the rest are refused at once', async () => {
  const slots = createQuerySlots({ slots: 1, queue: 1, waitMs: 200 });
  const first = await slots.acquire();
  assert.ok(first);
  const second = slots.acquire(); // waits
  assert.equal(await slots.acquire(), undefined, 'a full queue refuses at once');
  first();
  first(); // releasing twice frees one slot only
  const got = await second;
  assert.ok(got);
  assert.equal(slots.running(), 1);
  const t0 = Date.now();
  assert.equal(await slots.acquire(), undefined, 'no slot came free within waitMs');
  assert.ok(Date.now() - t0 >= 190);
  got();
  assert.equal(slots.running(), 0);
});

test('history routes answer 503 busy with Retry-After while every slot is taken', async (t) => {
  const history = createFakeHistory([{ t: 1_632_726_000, values: { power_import_w: 1 } }]);
  let unblock!: () => void;
  const blocked = new Promise<void>((r) => (unblock = r));
  const original = history.series.bind(history);
  history.series = async (meter, from, to, step): Promise<Series> => {
    await blocked;
    return original(meter, from, to, step);
  };
  const h = await startHarness({ history, querySlots: { slots: 1, queue: 0, waitMs: 0 } });
  t.after(() => h.close());
  const slow = fetch(`${h.base}/api/v1/history`);
  await new Promise((r) => setTimeout(r, 100));
  for (const path of ['/api/v1/history', '/api/v1/history.csv', '/api/v1/energy?period=day']) {
    const res = await fetch(h.base + path);
    assert.equal(res.status, 503, path);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.deepEqual(await res.json(), {
      error: 'busy',
      message: 'too many history queries at once (1 run, 0 wait): try again in 2 s',
    });
  }
  // status is never queued behind the history queries
  assert.equal((await fetch(`${h.base}/api/v1/status`)).status, 200);
  unblock();
  assert.equal((await slow).status, 200);
  assert.equal((await fetch(`${h.base}/api/v1/history`)).status, 200, 'the slot was released');
});
