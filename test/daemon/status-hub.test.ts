/** StatusHub / combineStatus: the per-meter statuses and the one-meter view at the top level. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusHub, combineStatus } from '../../src/daemon/status-hub.js';
import { StatusTracker } from '../../src/daemon/status-tracker.js';

const T0 = 1_700_000_000_000;

test('one meter: the top level is that meter, plus startedAt, meters and sinks', () => {
  const hub = new StatusHub(T0);
  const a = new StatusTracker('/dev/ttyUSB0 2400 8N1', T0);
  hub.setMeters([a]);
  hub.setSinkStatus(() => ({ solarview: { ok: true, state: 'writing /run/kaifa.txt' } }));
  a.sourceOpen(T0);
  a.bytes(T0 + 1, 300);
  a.frame(T0 + 1);
  a.telegram(T0 + 1, '1KFM0200175269');
  const st = hub.get();
  const { meter, name, ...fields } = st.meters[0]!;
  assert.equal(meter, 'default');
  assert.equal(name, undefined);
  assert.deepEqual(
    { ...st, meters: undefined, sinks: undefined, startedAt: undefined },
    { ...fields, meters: undefined, sinks: undefined, startedAt: undefined },
  );
  assert.equal(st.startedAt, T0);
  assert.deepEqual(st.sinks, { solarview: { ok: true, state: 'writing /run/kaifa.txt' } });
});

test('several meters: counters and errors summed, newest error and telegram, first meter not ok', () => {
  const a = new StatusTracker('A', T0, 'a');
  const b = new StatusTracker('B', T0, 'b', 'Wärmepumpe');
  a.sourceOpen(T0);
  b.sourceOpen(T0);
  a.error(T0 + 5, 'mbus.checksum', 'x', false);
  b.error(T0 + 9, 'mbus.checksum', 'y', false);
  b.bytes(T0 + 10, 10);
  a.telegram(T0 + 20, 'A1');
  const st = combineStatus(T0, [a.meterStatus(), b.meterStatus()], {});
  assert.deepEqual(st.errorsByCode, { 'mbus.checksum': 2 });
  assert.deepEqual(st.lastError, { code: 'mbus.checksum', message: 'y', at: T0 + 9 });
  assert.equal(st.lastTelegramAt, T0 + 20);
  assert.equal(st.bytesReceived, 10);
  assert.equal(st.telegramsOk, 1);
  assert.equal(st.source, 'A');
  assert.equal(st.meterId, 'A1');
  assert.equal(st.diagnosis, st.meters[1]!.diagnosis);
  assert.notEqual(st.diagnosis.state, 'ok');
  assert.equal(st.meters[1]!.name, 'Wärmepumpe');
  assert.equal(combineStatus(T0, [], {}).diagnosis.hint, 'no meter configured');
});

test('listeners hear every meter; a meter removed by setMeters is no longer heard', () => {
  const hub = new StatusHub(T0);
  const a = new StatusTracker('A', T0, 'a');
  const b = new StatusTracker('B', T0, 'b');
  hub.setMeters([a, b]);
  const heard: string[] = [];
  hub.subscribe((s) => heard.push(s.meters.map((m) => m.diagnosis.state).join(',')));
  b.sourceError(T0 + 1, 'gone');
  assert.equal(heard.at(-1), 'starting,port-error');
  hub.setMeters([a]);
  const n = heard.length;
  b.sourceOpen(T0 + 2);
  b.sourceError(T0 + 3, 'gone again');
  assert.equal(heard.length, n);
  assert.deepEqual(
    hub.get().meters.map((m) => m.meter),
    ['a'],
  );
});
