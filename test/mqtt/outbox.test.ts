/** The durable outbox on a real SQLite file: order, acknowledgement, bound, reopen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { COMMIT_MS, createOutbox } from '../../src/sinks/mqtt/outbox.js';
import { tempDir } from './fixtures/support.js';

const msg = (n: number) => ({ topic: `t/${n}`, payload: `{"n":${n}}`, retain: n % 2 === 0 });

test('rows come back in id order with topic, payload, qos, retain and created_at', (t) => {
  const box = createOutbox(join(tempDir(t, 'outbox'), 'o.db'), 100);
  t.after(() => box.close());
  assert.equal(box.push([msg(1), msg(2)], 1, 1000), 0);
  assert.equal(box.push([msg(3)], 2, 2000), 0);
  const rows = box.after(0, 10);
  assert.deepEqual(
    rows.map((r) => [r.topic, r.payload, r.qos, r.retain, r.createdAt]),
    [
      ['t/1', '{"n":1}', 1, false, 1000],
      ['t/2', '{"n":2}', 1, true, 1000],
      ['t/3', '{"n":3}', 2, false, 2000],
    ],
  );
  assert.ok(rows[0]!.id < rows[1]!.id && rows[1]!.id < rows[2]!.id);
  assert.deepEqual(
    box.after(rows[0]!.id, 1).map((r) => r.topic),
    ['t/2'],
  );
  box.remove(rows[1]!.id);
  assert.deepEqual(
    box.after(0, 10).map((r) => r.topic),
    ['t/1', 't/3'],
  );
  assert.equal(box.size(), 2);
  box.remove(rows[1]!.id); // already gone: no-op
  assert.equal(box.size(), 2);
});

test('the bound drops the oldest rows and reports how many', (t) => {
  const box = createOutbox(join(tempDir(t, 'outbox'), 'o.db'), 5);
  t.after(() => box.close());
  assert.equal(box.push([1, 2, 3, 4].map(msg), 1, 0), 0);
  assert.equal(box.push([5, 6, 7].map(msg), 1, 0), 2);
  assert.equal(box.size(), 5);
  assert.deepEqual(
    box.after(0, 10).map((r) => r.topic),
    ['t/3', 't/4', 't/5', 't/6', 't/7'],
  );
  assert.equal(box.push([8, 9, 10, 11, 12, 13].map(msg), 1, 0), 6);
  assert.deepEqual(
    box.after(0, 10).map((r) => r.topic),
    ['t/9', 't/10', 't/11', 't/12', 't/13'],
  );
});

test('rows survive closing and reopening; ids keep increasing after the table was emptied', (t) => {
  const path = join(tempDir(t, 'outbox'), 'sub', 'o.db');
  const a = createOutbox(path, 100);
  a.push([msg(1), msg(2)], 1, 5);
  const lastId = a.after(0, 10)[1]!.id;
  a.close();
  const b = createOutbox(path, 100);
  assert.equal(b.size(), 2);
  assert.deepEqual(
    b.after(0, 10).map((r) => r.topic),
    ['t/1', 't/2'],
  );
  for (const r of b.after(0, 10)) b.remove(r.id);
  assert.equal(b.size(), 0);
  b.push([msg(3)], 1, 6);
  assert.ok(b.after(0, 10)[0]!.id > lastId);
  b.close();
});

test('a delivered row leaves size() and after() at once; its DELETE reaches the file with the next tick (the kill -9 bound: sent again)', (t) => {
  const path = join(tempDir(t, 'outbox'), 'outbox.db');
  const box = createOutbox(path, 100);
  t.after(() => box.close());
  box.push([msg(1), msg(2)], 1, 0);
  box.flush(); // the tick
  const [first, second] = box.after(0, 10);
  box.remove(first!.id);
  assert.equal(box.size(), 1);
  assert.deepEqual(
    box.after(0, 10).map((r) => r.topic),
    ['t/2'],
  );
  // another process opening the file now (a kill -9 before the DELETE was written) still finds the row
  const crashed = createOutbox(path, 100);
  assert.equal(crashed.size(), 2);
  crashed.close();
  box.push([msg(3)], 1, 0);
  box.flush(); // the next tick writes the pending DELETE with the new row
  const afterPush = createOutbox(path, 100);
  assert.deepEqual(
    afterPush.after(0, 10).map((r) => r.topic),
    ['t/2', 't/3'],
  );
  afterPush.close();
  box.remove(second!.id);
  box.flush();
  const afterFlush = createOutbox(path, 100);
  assert.deepEqual(
    afterFlush.after(0, 10).map((r) => r.topic),
    ['t/3'],
  );
  afterFlush.close();
});

test('pushed rows reach the file with the tick (COMMIT_MS), in one transaction; one delivered before its tick is never written', async (t) => {
  const path = join(tempDir(t, 'outbox'), 'outbox.db');
  const box = createOutbox(path, 100);
  t.after(() => box.close());
  box.push([msg(1), msg(2)], 1, 0);
  const peek = () => {
    const other = createOutbox(path, 100);
    try {
      return other.after(0, 10).map((r) => r.topic);
    } finally {
      other.close();
    }
  };
  assert.deepEqual(peek(), [], 'a kill -9 now loses this tick');
  box.remove(box.after(0, 1)[0]!.id); // t/1 acknowledged before its tick
  await new Promise((r) => setTimeout(r, COMMIT_MS + 200));
  assert.deepEqual(peek(), ['t/2']);
  assert.equal(box.size(), 1);
});

test('durable(): the pushed rows are in the file when it resolves, long before the tick; one commit for a burst', async (t) => {
  const path = join(tempDir(t, 'outbox'), 'outbox.db');
  const box = createOutbox(path, 100);
  t.after(() => box.close());
  const inFile = () => {
    const other = createOutbox(path, 100);
    try {
      return other.after(0, 10).map((r) => r.topic);
    } finally {
      other.close();
    }
  };
  await box.durable(); // nothing pushed: at once
  box.push([msg(1)], 1, 0);
  const w1 = box.durable();
  box.push([msg(2)], 1, 0);
  const w2 = box.durable();
  assert.deepEqual(inFile(), [], 'not yet: the commit runs at the next turn of the event loop');
  const started = Date.now();
  await Promise.all([w1, w2]);
  assert.ok(Date.now() - started < COMMIT_MS / 2, 'durable() waited for the tick');
  assert.deepEqual(inFile(), ['t/1', 't/2']);
  // a waiter pending at close() is released, and the rows are committed by close
  box.push([msg(3)], 1, 0);
  const w3 = box.durable();
  box.close();
  await w3;
  assert.deepEqual(inFile(), ['t/1', 't/2', 't/3']);
});
