/**
 * Telegrams over MQTT, the pure parts: payload forms (binary, hex text, {"hex": …}) and the bridge's framer
 * (complete telegrams only, every frame of one in one message, a frame with a bad checksum never sent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMqtt, telegramBytes } from '../../src/transport/mqtt-payload.js';
import { filterProblem, meterLevel, plainFilter, topicMatches, topicOf } from '../../src/util/mqtt-topic.js';
import { createTelegramFramer } from '../../src/cli/bridge-command.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const BYTES = captureBytes(VKW);
const hex = Buffer.from(BYTES).toString('hex');

test('payloads: the bytes themselves, hex text (any spacing), or JSON with hex/telegram/data; anything else ignored', () => {
  assert.deepEqual(telegramBytes(BYTES), BYTES);
  assert.deepEqual(telegramBytes(Buffer.from(hex.toUpperCase())), BYTES);
  assert.deepEqual(telegramBytes(Buffer.from(hex.replace(/(..)/g, '$1 '))), BYTES);
  for (const field of ['hex', 'telegram', 'data'])
    assert.deepEqual(telegramBytes(Buffer.from(JSON.stringify({ [field]: hex, meter: 'x' }))), BYTES);
  assert.equal(telegramBytes(Buffer.from('{"hex": "zz"}')), undefined);
  assert.equal(telegramBytes(Buffer.from('{not json')), undefined);
  assert.equal(telegramBytes(new Uint8Array()), undefined);
  assert.equal(telegramBytes(Buffer.from('abc')), undefined, 'odd hex');
});

test('URLs: described without user and password; the path is the topic filter, $share included', () => {
  assert.equal(describeMqtt('mqtt://u:secret@broker:1883/meters/house'), 'mqtt://broker:1883/meters/house');
  assert.equal(topicOf('mqtt://broker/%24share/decoders/meters/%2B'), '$share/decoders/meters/+');
  assert.equal(topicOf('mqtt://broker/$share/decoders/meters/+'), '$share/decoders/meters/+');
  assert.equal(topicOf('mqtt://broker/site/#'), 'site/#', 'a # is the filter, not a URL fragment');
  assert.equal(topicOf('mqtt://broker/site/%23'), 'site/#');
  assert.equal(describeMqtt('mqtt://u:p@broker/site/#'), 'mqtt://broker/site/#');
});

test('the bridge framer: one message per complete telegram (both frames), in any chunking; a bad checksum is dropped', () => {
  const framer = createTelegramFramer();
  const out: Uint8Array[] = [];
  for (let i = 0; i < BYTES.length; i += 7) out.push(...framer(BYTES.subarray(i, i + 7), 0));
  assert.equal(out.length, 1);
  assert.deepEqual(Buffer.from(out[0]!), Buffer.from(BYTES));
  const bad = Uint8Array.from(BYTES);
  bad[20]! ^= 0x01; // inside the first frame: its checksum fails
  const f2 = createTelegramFramer();
  assert.deepEqual(f2(bad, 0), []);
});

test('topic filters: matching with + and #, $share stripped, the + level that names the meter, bad filters named', () => {
  assert.equal(plainFilter('$share/decoders/site/+/telegram'), 'site/+/telegram');
  assert.equal(plainFilter('site/+/telegram'), 'site/+/telegram');
  assert.ok(topicMatches('site/+/telegram', 'site/flat-1/telegram'));
  assert.ok(!topicMatches('site/+/telegram', 'site/flat-1/other'));
  assert.ok(!topicMatches('site/+/telegram', 'site/flat-1/telegram/x'));
  assert.ok(!topicMatches('site/+', 'site'));
  assert.ok(topicMatches('site/#', 'site/a/b/c'));
  assert.ok(topicMatches('meters/house', 'meters/house'));
  assert.ok(!topicMatches('meters/house', 'meters/house2'));
  assert.equal(meterLevel('$share/g/site/+/telegram'), 1);
  assert.equal(meterLevel('+/telegram'), 0);
  assert.equal(meterLevel('meters/house'), -1);
  assert.equal(meterLevel('site/#'), -1);
  assert.equal(filterProblem('$share/g/site/+/telegram'), undefined);
  assert.equal(filterProblem('site/#'), undefined);
  assert.match(filterProblem('site/flat+/telegram')!, /whole topic levels/);
  assert.match(filterProblem('site/#/telegram')!, /# may only be the last/);
  assert.match(filterProblem('$share//site')!, /\$share\/<group>\/<topic>/);
});
