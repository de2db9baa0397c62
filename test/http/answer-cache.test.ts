/**
 * The answer cache of the history routes (issue 12): identical requests in flight share ONE store query, a kept
 * answer is never stale (a new row, even within the same second, or a retention pass gives the next request the
 * new data), meters never share an answer, waiting for a shared answer is bounded like waiting for a slot, and
 * the cache itself is bounded (entries, bytes, largest answer kept).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AnswerCache } from '../../src/http/answer-cache.js';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import { silentLogger } from '../../src/log/logger.js';
import type { HistoryReader, Series } from '../../src/store/history-types.js';
import type { HistoryStore } from '../../src/store/history-store.js';
import { row, tempDir } from '../store/helpers.js';
import { startHarness } from './harness.js';

const NOW_S = 1_632_728_840; // the harness clock
const LAST_MS = (NOW_S - 30) * 1000 + 100;
/** The dashboard's day view. */
const DAY = `/api/v1/history?from=${NOW_S - 86_400}&to=${NOW_S}&fields=power_import_w,power_export_w`;

/** A real file with a day of rows every 5 s for `home` and `flat` (same times, different values). */
async function realHistory(t: { after(fn: () => unknown): void }): Promise<{
  reader: HistoryReader;
  store: HistoryStore;
}> {
  const sink = createHistorySink(
    { path: join(tempDir(t), 'h.db'), retentionDays: 0 },
    { logger: silentLogger },
  );
  await sink.start?.();
  t.after(() => sink.stop?.());
  const rows = [];
  for (let k = 0, ts = LAST_MS - 86_400_000; ts <= LAST_MS; k++, ts += 5000) {
    rows.push(row(ts, { meter: 'home', power_import_w: 300 + (k % 50), energy_import_wh: 1000 + k }, 'A'));
    rows.push(row(ts, { meter: 'flat', power_import_w: 2000 + (k % 70), energy_import_wh: 9000 + k }, 'B'));
  }
  sink.store()!.insert(rows);
  return { reader: sink.history, store: sink.store()! };
}

/** The reader with its `series` calls counted and optionally held until `gate` resolves. */
function counted(reader: HistoryReader, gate?: Promise<void>): HistoryReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    ...reader,
    calls,
    async series(meter, from, to, step): Promise<Series> {
      calls.push(`${meter} ${from} ${to} ${step}`);
      await gate;
      return reader.series(meter, from, to, step);
    },
  };
}

const text = async (url: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};

test('50 concurrent identical requests run the store query once and get the same answer', async (t) => {
  const { reader } = await realHistory(t);
  let open!: () => void;
  const history = counted(reader, new Promise<void>((r) => (open = r)));
  const h = await startHarness({ history, meters: () => ['home', 'flat'] });
  t.after(() => h.close());
  const answers = Array.from({ length: 50 }, () => text(h.base + DAY));
  await new Promise((r) => setTimeout(r, 300)); // all 50 are in flight, waiting for the one query
  open();
  const got = await Promise.all(answers);
  assert.deepEqual(history.calls, [`home ${NOW_S - 86_400} ${NOW_S - 29} 120`]);
  assert.ok(got.every((a) => a.status === 200 && a.body === got[0]!.body));
  const body = JSON.parse(got[0]!.body) as { t: number[]; series: { power_import_w: number[] } };
  assert.equal(body.t.length, 720);
  // and the next one is answered from the cache: still one query
  assert.equal((await text(h.base + DAY)).body, got[0]!.body);
  assert.equal(history.calls.length, 1);
});

test('a new row (even in the same second as the last) or a retention pass: the next request sees it', async (t) => {
  const { reader, store } = await realHistory(t);
  const history = counted(reader);
  const h = await startHarness({ history, meters: () => ['home', 'flat'] });
  t.after(() => h.close());
  // a fresh reader over the same store has a cache of its own: what an uncached server answers now
  const fresh = async (path: string) => {
    const other = await startHarness({ history: { ...reader }, meters: () => ['home', 'flat'] });
    try {
      return await text(other.base + path);
    } finally {
      await other.close();
    }
  };
  const before = await text(h.base + DAY);
  assert.equal((await text(h.base + DAY)).body, before.body);
  assert.equal(history.calls.length, 1, 'answered from the cache while nothing changed');

  // 700 ms after the last row: the same second, so the clamped range (and the URL) stay the same
  store.insert([
    row(LAST_MS + 700, { meter: 'home', power_import_w: 90_000, energy_import_wh: 99_999 }, 'A'),
  ]);
  const after = await text(h.base + DAY);
  assert.notEqual(after.body, before.body, 'the new row is in the answer');
  assert.equal(after.body, (await fresh(DAY)).body);
  const last = (JSON.parse(after.body) as { series: { power_import_w: number[] } }).series.power_import_w.at(
    -1,
  );
  assert.ok(last! > 1000, `the last bucket averages the new 90 kW row in: ${last}`);
  assert.equal(history.calls.length, 2);

  // retention removes the oldest raw rows (the rollups stay): the next answer reflects it
  const wide = `/api/v1/history?from=${NOW_S - 172_800}&to=${NOW_S}&step=3600&fields=power_import_w`;
  const wideBefore = await text(h.base + wide);
  assert.ok(store.deleteRawBefore(LAST_MS - 80_000_000, 1_000_000) > 0);
  const wideAfter = await text(h.base + wide);
  assert.equal(wideAfter.body, (await fresh(wide)).body);
  assert.equal(history.calls.length, 4, 'the query ran again after the retention pass');
  assert.equal(wideAfter.status, wideBefore.status);
});

test('different meters never share an answer, even with the same times and row counts', async (t) => {
  const { reader } = await realHistory(t);
  const history = counted(reader);
  const h = await startHarness({ history, meters: () => ['home', 'flat'] });
  t.after(() => h.close());
  const home = await text(`${h.base}${DAY}&meter=home`);
  const flat = await text(`${h.base}${DAY}&meter=flat`);
  assert.equal(reader.count('home'), reader.count('flat'));
  assert.deepEqual(reader.extent('home'), reader.extent('flat'));
  assert.notEqual(home.body, flat.body);
  const power = (b: string) =>
    (JSON.parse(b) as { series: { power_import_w: number[] } }).series.power_import_w;
  assert.ok(power(home.body).every((v) => v < 400));
  assert.ok(power(flat.body).every((v) => v >= 2000));
  assert.equal((await text(h.base + DAY)).body, home.body, 'absent = the first meter, from the cache');
  assert.equal(history.calls.length, 2);
});

test('waiting for a shared answer is bounded by waitMs: 503 busy, and no query of its own', async (t) => {
  const { reader } = await realHistory(t);
  let release!: () => void;
  const history = counted(reader, new Promise<void>((r) => (release = r)));
  const h = await startHarness({
    history,
    meters: () => ['home', 'flat'],
    querySlots: { slots: 1, queue: 1, waitMs: 200 },
  });
  t.after(() => h.close());
  const first = text(h.base + DAY);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  const follower = await text(h.base + DAY);
  const waited = Date.now() - t0;
  assert.equal(follower.status, 503, 'the shared answer took longer than waitMs');
  assert.ok(waited >= 190, `answered after ${waited} ms`);
  assert.match(follower.body, /too many history queries at once \(1 run, 1 wait\)/);
  release();
  assert.equal((await first).status, 200);
  assert.equal(history.calls.length, 1, 'the follower ran no query of its own');
});

test('a kept answer is sent without a query slot while every slot is taken', async (t) => {
  const { reader } = await realHistory(t);
  const history = counted(reader);
  const h = await startHarness({
    history,
    meters: () => ['home', 'flat'],
    querySlots: { slots: 1, queue: 0, waitMs: 0 },
  });
  t.after(() => h.close());
  const kept = await text(h.base + DAY);
  assert.equal(kept.status, 200);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  history.series = async (m, a, b, c) => {
    await held;
    return reader.series(m, a, b, c);
  };
  const hour = `/api/v1/history?from=${NOW_S - 3600}&to=${NOW_S}`;
  const blocking = text(h.base + hour);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await text(`${h.base}${hour}&step=60`)).status, 503, 'the only slot is taken');
  assert.deepEqual(await text(h.base + DAY), kept, 'the kept answer needs no slot');
  // the CSV download: its file name on the 200 answer only, never on a 503
  const csvBusy = await fetch(`${h.base}/api/v1/history.csv?from=${NOW_S - 7200}&to=${NOW_S}`);
  assert.equal(csvBusy.status, 503);
  assert.equal(csvBusy.headers.get('content-disposition'), null);
  release();
  assert.equal((await blocking).status, 200);
  for (const round of ['computed', 'kept']) {
    const csv = await fetch(`${h.base}/api/v1/history.csv?from=${NOW_S - 7200}&to=${NOW_S + 60}`);
    assert.equal(csv.status, 200, round);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(csv.headers.get('cache-control'), 'no-store');
    const name = `attachment; filename="kaifareader-${NOW_S - 7200}-${NOW_S + 60}.csv"`;
    assert.equal(csv.headers.get('content-disposition'), name, round);
    assert.match(await csv.text(), /^time_unix,time_utc,power_import_w,/);
  }
  const json = await fetch(h.base + DAY);
  assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(json.headers.get('cache-control'), 'no-store');
  await json.text();
});

test('an answer too large to keep (> 1 MB) is streamed to each request; identical ones still share the query', async (t) => {
  const { reader } = await realHistory(t);
  let open!: () => void;
  const history = counted(reader, new Promise<void>((r) => (open = r)));
  const h = await startHarness({ history, meters: () => ['home', 'flat'] });
  t.after(() => h.close());
  const fine = `/api/v1/history?from=${NOW_S - 86_400}&to=${NOW_S}&step=5`;
  const answers = Array.from({ length: 3 }, async () => {
    const res = await fetch(h.base + fine);
    return { status: res.status, chunked: res.headers.get('transfer-encoding'), body: await res.text() };
  });
  await new Promise((r) => setTimeout(r, 200));
  open();
  const got = await Promise.all(answers);
  assert.equal(history.calls.length, 1, 'one store query for the three');
  assert.ok(got.every((a) => a.status === 200 && a.body === got[0]!.body && a.chunked === 'chunked'));
  assert.ok(got[0]!.body.length > 1024 * 1024, `${got[0]!.body.length} bytes`);
  // clamped to just after the last row (NOW_S − 29): ceil((86 400 − 29) / 5) buckets
  assert.equal((JSON.parse(got[0]!.body) as { t: number[] }).t.length, 17_275);
  assert.equal((await text(h.base + fine)).body, got[0]!.body);
  assert.equal(history.calls.length, 2, 'not kept: the next request queries again');
});

test('AnswerCache: bounded by entries, bytes and the largest kept answer; failures are not kept', async () => {
  const cache = new AnswerCache({ maxEntries: 3, maxBytes: 100, maxEntryBytes: 60 });
  let computed = 0;
  const body = (n: number) => async () => {
    computed++;
    return { body: Buffer.alloc(n) };
  };
  for (const k of ['a', 'b', 'c']) await cache.get(k, body(10)).answer;
  assert.deepEqual(cache.size(), { entries: 3, bytes: 30 });
  assert.equal(cache.get('a', body(10)).how, 'kept'); // a is now the most recently used
  await cache.get('d', body(10)).answer; // evicts b, the least recently used
  assert.equal(cache.get('b', body(10)).how, 'computed');
  await cache.get('big', body(61)).answer;
  assert.equal(cache.get('big', body(61)).how, 'computed', 'over maxEntryBytes: shared, not kept');
  await cache.get('e', body(50)).answer;
  await cache.get('f', body(50)).answer;
  assert.ok(cache.size().bytes <= 100 && cache.size().entries <= 3, JSON.stringify(cache.size()));
  const failing = cache.get('x', async () => {
    throw new Error('disk I/O error');
  });
  const shared = cache.get('x', body(1));
  assert.equal(shared.how, 'shared');
  await assert.rejects(failing.answer, /disk I\/O/);
  await assert.rejects(shared.answer, /disk I\/O/);
  assert.equal(cache.get('x', body(1)).how, 'computed', 'a failure is not kept');
  assert.ok(computed > 0);
});
