/**
 * Golden captures: every real telegram in test/fixtures/vectors decodes to exactly the values its source states,
 * through the whole pipeline (TelegramDecoder: scanner → assembler → decipher → A-XDR → profile), in any chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureBytes, chunk, loadVectors, prng, type Vector } from '../helpers/vectors.js';
import { toHex } from '../../src/util/hex.js';
import {
  asStated,
  decodeChunks,
  isoMeterTime,
  keysOf,
  profileOfVector,
  readingMap,
  summary,
  telegrams,
} from './support.js';

const vectors = loadVectors();
const decodable = vectors.filter((v) => v.decodable);
const framingOnly = vectors.filter((v) => !v.decodable);

const KEY_MISSING =
  'the telegram is encrypted: a key is needed to decrypt it (key_hex_string in meter.json or --key; your grid operator sends it on request)';

test('the fixtures hold decodable and framing-only vectors', () => {
  assert.ok(decodable.length >= 10, `${decodable.length} decodable vectors`);
  assert.ok(framingOnly.length >= 3, `${framingOnly.length} framing-only vectors`);
});

function decodeVector(v: Vector) {
  const events = decodeChunks([captureBytes(v)], { keys: keysOf(v), emitFrames: true });
  const problems = events.filter((e) => e.type === 'error' || e.type === 'skipped');
  return { events, problems };
}

for (const v of decodable) {
  test(`${v.id}: decodes to exactly its expected values`, () => {
    const { events, problems } = decodeVector(v);
    assert.deepEqual(problems, [], 'no error and no skipped bytes');
    const [t, ...more] = telegrams(events);
    assert.ok(t, 'one telegram');
    assert.equal(more.length, 0, 'exactly one telegram');
    const got = readingMap(t.snapshot.readings);
    const expected = Object.entries(v.expected ?? {});
    assert.ok(expected.length > 0);
    for (const [obis, want] of expected) {
      const r = got.get(obis);
      assert.ok(r, `${obis} is decoded`);
      // Compared in the unit the display stated (the reading itself is in its key's unit: Wh, not kWh).
      const [value, unit] = asStated(r, want.unit);
      assert.deepStrictEqual(value, want.value, `${obis} value`);
      if (want.unit !== undefined) assert.equal(unit, want.unit, `${obis} unit`);
      if (want.raw !== undefined) assert.equal(r.raw, want.raw, `${obis} register as sent`);
    }
    assert.equal(t.snapshot.profile, profileOfVector(v.id), 'profile that lists this vector');
    assert.equal(t.snapshot.receivedAt, Date.UTC(2024, 0, 1));
  });

  if (v.plain_apdu_hex) {
    test(`${v.id}: the deciphered APDU equals the published plaintext`, () => {
      const [t] = telegrams(decodeVector(v).events);
      assert.equal(toHex(t!.plaintext), v.plain_apdu_hex!.toUpperCase());
    });
  }

  if (v.meter_time) {
    const mt = v.meter_time;
    test(`${v.id}: meter time ${mt.text} (deviation ${mt.deviation_min}) → snapshot.meterTime`, () => {
      const [t] = telegrams(decodeVector(v).events);
      assert.equal(t!.snapshot.meterTime, isoMeterTime(mt));
    });
  }
}

for (const v of framingOnly) {
  test(`${v.id}: frames found, no key → key.missing with its message`, () => {
    const events = decodeChunks([captureBytes(v)], { emitFrames: true });
    const frames = events.flatMap((e) => (e.type === 'frame' ? [toHex(e.frame.bytes)] : []));
    assert.deepEqual(
      frames,
      v.frames_hex.map((h) => h.toUpperCase()),
    );
    const errors = events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'key.missing');
    assert.equal(errors[0]!.message, KEY_MISSING);
    assert.equal(errors[0]!.layer, 'security');
    assert.equal(telegrams(events).length, 0);
    assert.equal(events.filter((e) => e.type === 'skipped').length, 0);
  });
}

test('isoMeterTime turns the DLMS deviation into an ISO offset', () => {
  assert.equal(
    isoMeterTime({ text: '2023-07-26 20:05:20', deviation_min: -120, clock_status: '80' }),
    '2023-07-26T20:05:20+02:00',
  );
  assert.equal(
    isoMeterTime({ text: '2021-03-07 14:55:33', deviation_min: -60, clock_status: '00' }),
    '2021-03-07T14:55:33+01:00',
  );
  assert.equal(
    isoMeterTime({ text: '2021-03-07 14:55:33', deviation_min: 90, clock_status: '00' }),
    '2021-03-07T14:55:33-01:30',
  );
  assert.equal(
    isoMeterTime({ text: '2023-03-28 19:11:20', deviation_min: null, clock_status: '00' }),
    '2023-03-28T19:11:20',
  );
});

for (const v of vectors) {
  test(`${v.id}: any chunking gives the same telegrams and errors`, () => {
    const bytes = captureBytes(v);
    const opts = { keys: keysOf(v) };
    const reference = summary(decodeChunks([bytes], opts));
    assert.equal(reference.length, 1, 'one telegram or one error');
    assert.deepEqual(
      summary(
        decodeChunks(
          chunk(bytes, () => 0),
          opts,
        ),
      ),
      reference,
      '1-byte chunks',
    );
    const rnd = prng(0x5eed ^ bytes.length);
    for (let i = 0; i < 25; i++) {
      assert.deepEqual(
        summary(decodeChunks(chunk(bytes, rnd, 1 + Math.floor(rnd() * 100)), opts)),
        reference,
        `random chunking ${i}`,
      );
    }
    if (v.frames_hex.length > 1) {
      for (let at = 1; at < bytes.length; at++) {
        const parts = [bytes.subarray(0, at), bytes.subarray(at)];
        assert.deepEqual(summary(decodeChunks(parts, opts)), reference, `split at byte ${at}`);
      }
    }
  });
}

// Changed by issue 10: bare APDUs are no longer read from a stream that carries HDLC/M-Bus frames, so the
// back-to-back stream holds the link-layer captures only (the bare ones are checked on their own below).
const linked = vectors.filter((v) => v.framing !== 'raw-apdu');

test('a stream of every link-layer capture back to back decodes each in order', () => {
  const all = linked.map(captureBytes);
  const stream = Buffer.concat(all);
  // One decoder holds one key set: decode the stream once per vector and pick that vector's event.
  for (const [i, v] of linked.entries()) {
    const events = summary(decodeChunks(chunk(stream, prng(i), 50), { keys: keysOf(v) }));
    assert.equal(events.length, linked.length, `${v.id}: one event per capture`);
    assert.deepEqual(events[i], summary(decodeChunks([all[i]!], { keys: keysOf(v) }))[0], v.id);
  }
});

test('bare APDUs after an HDLC/M-Bus frame are not read (the stream has a link layer)', () => {
  const bare = vectors.filter((v) => v.framing === 'raw-apdu');
  assert.ok(bare.length > 0);
  for (const v of bare) {
    const alone = decodeChunks([captureBytes(v)], { keys: keysOf(v) });
    assert.ok(
      alone.some((e) => e.type === 'telegram'),
      `${v.id} decodes alone`,
    );
    const link = decodeChunks([captureBytes(linked[0]!)], { keys: keysOf(v) });
    const mixed = decodeChunks([captureBytes(linked[0]!), captureBytes(v)], { keys: keysOf(v) });
    const count = (evs: typeof mixed) => evs.filter((e) => e.type === 'telegram').length;
    assert.equal(count(mixed), count(link), `${v.id}: no telegram from the bare APDU inside a link stream`);
  }
});
