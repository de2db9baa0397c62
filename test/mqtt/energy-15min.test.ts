/**
 * Quarter-hour energy over MQTT against a real mosquitto: each closed quarter hour of a meter on
 * `<base>/<meter id>/energy_15min` (queued in the outbox with QoS 1, not retained) and the last one retained on
 * `…/energy_15min/last`; the interval running at start (no start reading) is not published.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { COMMIT_MS } from '../../src/sinks/mqtt/outbox.js';
import { createMqttSink, OUTBOX_FILE } from '../../src/sinks/mqtt/mqtt-sink.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { VORARLBERG, daemonStatus, meterSnapshot, meterStatus } from './fixtures/meters.js';
import { mqttConfig, recordingLogger, subscribe, waitFor } from './fixtures/support.js';

const HOUSE = '1KFM0200175269';
const T0 = Date.UTC(2026, 5, 1, 8, 7); // 10:07 Vienna

/** The vorarlberg telegram at `at`, its counters set to `imp`/`exp` Wh and its clock to `at` (+02:00). */
function at(ms: number, imp: number, exp: number): MeterSnapshot {
  const s = meterSnapshot(VORARLBERG, 'house', ms);
  const local = new Date(ms + 7_200_000).toISOString().slice(0, 19);
  return {
    ...s,
    meterTime: `${local}+02:00`,
    readings: s.readings.map((r) =>
      r.key === 'energy_import_wh'
        ? { ...r, value: imp }
        : r.key === 'energy_export_wh'
          ? { ...r, value: exp }
          : r,
    ),
  };
}

test('closed quarter hours through the outbox (QoS 1, not retained) and the last one retained', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-mqtt-15min-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const clock = { now: T0 };
  const sink = createMqttSink(mqttConfig(broker.url, { qos: 0 }), {
    logger: recordingLogger(),
    dataDir: dir,
    backoff: { minMs: 100, maxMs: 400 },
    status: daemonStatus([meterStatus('house', 'House')]),
    now: () => clock.now,
  });
  t.after(() => sink.stop?.());
  // state messages at QoS 0 (the config), the quarter hours at QoS 1 all the same;
  // one telegram a minute from 10:07 to 10:46 (+2 Wh import, +1 Wh export each), before the sink connects
  for (let i = 0; i <= 39; i++) {
    clock.now = T0 + i * 60_000;
    await sink.handle(at(clock.now, 1000 + 2 * i, 50 + i));
  }
  const topic = `kaifareader/${HOUSE}/energy_15min`;
  // the outbox commits once per tick (outbox.ts COMMIT_MS): wait for it before reading the file
  await new Promise((r) => setTimeout(r, COMMIT_MS + 200));
  const db = openDatabase(join(dir, OUTBOX_FILE), []);
  const queued = db
    .prepare('SELECT topic, qos, retain FROM outbox WHERE topic LIKE ? ORDER BY id')
    .all(`${topic}%`) as { topic: string; qos: number; retain: number }[];
  db.close();
  assert.deepEqual(
    queued.map((r) => ({ ...r })),
    [
      { topic, qos: 1, retain: 0 },
      { topic: `${topic}/last`, qos: 1, retain: 1 },
      { topic, qos: 1, retain: 0 },
      { topic: `${topic}/last`, qos: 1, retain: 1 },
    ],
  );

  const sub = await subscribe(broker.url, [`${topic}/#`, topic]);
  t.after(() => sub.end());
  await sink.start?.();
  await waitFor('delivered', () => sub.on(topic).length === 4);
  // 10:00–10:15 began before the first telegram (10:07): not published; then two complete quarter hours
  const q1 =
    '{"start":"2026-06-01T10:15:00+02:00","end":"2026-06-01T10:30:00+02:00","import_wh":30,"export_wh":15,"status":"complete"}';
  const q2 =
    '{"start":"2026-06-01T10:30:00+02:00","end":"2026-06-01T10:45:00+02:00","import_wh":30,"export_wh":15,"status":"complete"}';
  assert.deepEqual(
    sub.on(topic).map((m) => [m.topic, m.payload, m.retain]),
    [
      [topic, q1, false],
      [`${topic}/last`, q1, false],
      [topic, q2, false],
      [`${topic}/last`, q2, false],
    ],
  );
  // a client that comes later gets the last closed interval, retained
  const late = await subscribe(broker.url, [`${topic}/last`]);
  t.after(() => late.end());
  await waitFor('retained last', () => late.messages.length === 1);
  assert.deepEqual([late.messages[0]!.payload, late.messages[0]!.retain], [q2, true]);
  // the running quarter hour so far, retained on …/current with every telegram once connected: at 10:47 it is the
  // counter now minus the counter at its start boundary (the 10:45 reading): two steps of 2 Wh import, 1 Wh export
  clock.now = T0 + 40 * 60_000;
  await sink.handle(at(clock.now, 1000 + 2 * 40, 50 + 40));
  await waitFor('current', () => sub.on(`${topic}/current`).length === 1);
  assert.deepEqual(JSON.parse(sub.on(`${topic}/current`)[0]!.payload), {
    start: '2026-06-01T10:45:00+02:00',
    end: '2026-06-01T11:00:00+02:00',
    import_wh: 4,
    export_wh: 2,
    status: 'open',
  });
});
