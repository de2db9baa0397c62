/**
 * The MQTT telegram source against a real mosquitto: meters on one `+` filter share a connection and each gets
 * only the telegrams of its own topic level; a telegram for no configured meter is logged; the bridge's
 * `received_at` stamp reaches the reader (an implausible one does not); and the PUBACK waits until the reader
 * says the telegram is durable — a source stopped before that gets the telegram again from the broker with the
 * same client id, one stopped after does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startMosquitto } from '../helpers/mosquitto.js';
import { recordingLogger, sleep, waitFor } from '../mqtt/fixtures/support.js';
import { createMqttSource, publishTelegrams, RECEIVED_AT } from '../../src/transport/mqtt-telegrams.js';
import type { ChunkInfo, SourceState } from '../../src/transport/types.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

/** A plain MQTT 5 publisher, so the tests choose the user properties themselves. */
async function publisher(url: string) {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true });
  return {
    publish: (topic: string, payload: Uint8Array, props: Record<string, string> = {}, qos: 0 | 1 = 1) =>
      c.publishAsync(topic, Buffer.from(payload), {
        qos,
        ...(Object.keys(props).length > 0 ? { properties: { userProperties: props } } : {}),
      }),
    end: () => c.endAsync(),
  };
}

interface Got {
  bytes: string;
  info?: ChunkInfo;
}

function reader(source: ReturnType<typeof createMqttSource>, hold?: () => PromiseLike<void>) {
  const got: Got[] = [];
  const states: SourceState[] = [];
  source.start(
    (chunk, info) => {
      got.push({ bytes: Buffer.from(chunk).toString('hex'), info });
      return hold?.();
    },
    (s) => states.push(s),
  );
  return { got, states };
}

test('meters on one + filter share a connection; each gets its own level; an unknown level is logged', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const log = recordingLogger();
  const url = `${broker.url}/$share/decoders/site/+/telegram`;
  // one client id for both, as the daemon's default for a shared + filter: two connections would fight over it
  const cfg = { type: 'mqtt' as const, url, clientId: 'decoder-test' };
  const a = createMqttSource(cfg, { logger: log, meter: 'flat-1' });
  const b = createMqttSource(cfg, { logger: log, meter: 'flat-2' });
  const ra = reader(a);
  const rb = reader(b);
  t.after(() => Promise.all([a.stop(), b.stop()]));
  await waitFor(
    'both open',
    () => ra.states.some((s) => s.state === 'open') && rb.states.some((s) => s.state === 'open'),
  );
  const pub = await publisher(broker.url);
  t.after(() => pub.end());
  await pub.publish('site/flat-1/telegram', hex('7ea001'));
  await pub.publish('site/flat-2/telegram', hex('7ea002'));
  await pub.publish('site/flat-1/telegram', hex('7ea003'));
  await pub.publish('site/flat-9/telegram', hex('7ea009'));
  await pub.publish('site/flat-1/other', hex('7ea00f')); // not on the filter: never delivered
  await waitFor('delivered', () => ra.got.length === 2 && rb.got.length === 1);
  await waitFor('the unknown meter logged', () =>
    /site\/flat-9\/telegram is for no configured meter/.test(log.text()),
  );
  await sleep(200);
  assert.deepEqual(
    ra.got.map((g) => g.bytes),
    ['7ea001', '7ea003'],
  );
  assert.deepEqual(
    rb.got.map((g) => g.bytes),
    ['7ea002'],
  );
  assert.match(
    log.text(),
    /a telegram on site\/flat-9\/telegram is for no configured meter \(1 so far\): add a meters\[\] entry whose id is its \+ level, with its key, or narrow the topic/,
  );
  assert.ok(ra.got.every((g) => g.info?.acknowledge === true));
});

test('received_at: the bridge stamp reaches the reader; a stamp in the future or not a number is not used', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const src = createMqttSource(
    { type: 'mqtt', url: `${broker.url}/meters/house` },
    { logger: recordingLogger(), meter: 'house' },
  );
  const r = reader(src);
  t.after(() => src.stop());
  await waitFor('open', () => r.states.some((s) => s.state === 'open'));
  const bridge = publishTelegrams(`${broker.url}/meters/house`, 'bridge-test');
  t.after(() => bridge.end());
  const stamp = Date.now() - 3_600_000; // queued for an hour
  await bridge.publish(hex('7ea0aa'), stamp);
  const pub = await publisher(broker.url);
  t.after(() => pub.end());
  await pub.publish('meters/house', hex('7ea0bb'), { [RECEIVED_AT]: String(Date.now() + 3_600_000) });
  await pub.publish('meters/house', hex('7ea0cc'), { [RECEIVED_AT]: 'soon' });
  await pub.publish('meters/house', hex('7ea0dd'), {}, 0); // QoS 0: delivered, nothing to acknowledge
  await waitFor('four', () => r.got.length === 4);
  assert.deepEqual(
    r.got.map((g) => [g.bytes, g.info?.receivedAt]),
    [
      ['7ea0aa', stamp],
      ['7ea0bb', undefined],
      ['7ea0cc', undefined],
      ['7ea0dd', undefined],
    ],
  );
});

test('the PUBACK waits for durability: stopped before, the broker sends the telegram again; after, it does not', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const cfg = { type: 'mqtt' as const, url: `${broker.url}/meters/house`, clientId: 'decoder-durable' };
  const opts = { logger: recordingLogger(), meter: 'house' };
  // 1. subscribed (the session exists), then a telegram whose durability never comes before the stop
  const first = createMqttSource(cfg, opts);
  const r1 = reader(first, () => new Promise<void>(() => undefined));
  await waitFor('open', () => r1.states.some((s) => s.state === 'open'));
  const pub = await publisher(broker.url);
  t.after(() => pub.end());
  await pub.publish('meters/house', hex('7ea011'));
  await waitFor('received', () => r1.got.length === 1);
  await first.stop();
  // 2. the same client id again: the unacknowledged telegram comes back; this time it is kept at once
  let release: () => void = () => undefined;
  const kept = new Promise<void>((r) => (release = r));
  const second = createMqttSource(cfg, opts);
  const r2 = reader(second, () => kept);
  await waitFor('redelivered', () => r2.got.length === 1, 10_000);
  assert.equal(r2.got[0]!.bytes, '7ea011');
  release();
  await sleep(300); // the PUBACK goes out
  await second.stop();
  // 3. and once more: nothing left in the session
  const third = createMqttSource(cfg, opts);
  const r3 = reader(third);
  t.after(() => third.stop());
  await waitFor('open', () => r3.states.some((s) => s.state === 'open'));
  await sleep(1000);
  assert.deepEqual(r3.got, [], 'an acknowledged telegram was delivered again');
});

test('stop() with a broker that answers nothing (SIGSTOP) returns within the SIGTERM budget', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const opts = { logger: recordingLogger() };
  const cfg = (topic: string) => ({
    type: 'mqtt' as const,
    url: `${broker.url}/${topic}`,
    clientId: 'decoder-hung',
  });
  const a = createMqttSource(cfg('meters/a'), { ...opts, meter: 'a' });
  const b = createMqttSource(cfg('meters/b'), { ...opts, meter: 'b' }); // the same connection, a second filter
  const ra = reader(a);
  const rb = reader(b);
  await waitFor(
    'open',
    () => ra.states.some((s) => s.state === 'open') && rb.states.some((s) => s.state === 'open'),
  );
  broker.pause();
  const started = Date.now();
  // as the daemon stops its meters: together; one waits for an UNSUBACK, the other for the DISCONNECT
  await Promise.all([a.stop(), b.stop()]);
  const took = Date.now() - started;
  assert.ok(took < 1600, `stop took ${took} ms`);
});
