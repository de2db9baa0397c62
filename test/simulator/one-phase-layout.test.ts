/**
 * The single-phase layout is a real one: its body has element for element the types, OBIS codes, text lengths
 * and scaler-units of the published single-phase TINETZ telegram (tinetz_fneur-example_1), its second M-Bus frame
 * is as long as that telegram's, and it decodes back through the real decoder to the values the model made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AxdrValue } from '../../src/axdr/types.js';
import { decodeDataNotification } from '../../src/dlms/data-notification.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import { createTelegramFactory, DEMO_KEY } from '../../src/simulator/simulated-meter.js';
import { createMeterModel } from '../../src/simulator/meter-model.js';
import { parseHex, toHex } from '../../src/util/hex.js';
import { loadVector } from '../helpers/vectors.js';

const T0 = new Date(2026, 0, 14, 18, 45, 0).getTime(); // a winter evening: the flat's peak

/** The body's shape: types, OBIS codes, text lengths, scaler-units — everything but the measured values. */
function shape(v: AxdrValue): unknown {
  switch (v.type) {
    case 'structure':
    case 'array':
      return { [v.type]: v.items.map(shape) };
    case 'octet-string':
      return v.value.length === 6 ? `obis ${toHex(v.value)}` : `octets(${v.value.length})`;
    case 'int8':
    case 'enum':
      return `${v.type} ${v.value}`;
    default:
      return v.type;
  }
}

test('obis-structures-1phase has the shape of the single-phase TINETZ telegram (tinetz_fneur-example_1)', () => {
  const vector = loadVector('tinetz_fneur-example_1');
  const real = decodeDataNotification(parseHex(vector.plain_apdu_hex!));
  const factory = createTelegramFactory({
    layout: 'obis-structures-1phase',
    meterNumber: '1KFM0100004242',
    deviceName: 'KFM1100100004242',
  });
  const frames = factory.next(T0);
  const ev = new TelegramDecoder({ keys: { encryptionKey: parseHex(DEMO_KEY) } })
    .push(Uint8Array.from(Buffer.concat(frames)), T0)
    .find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  const ours = decodeDataNotification(ev.plaintext);
  assert.deepEqual(shape(ours.body), shape(real.body));
  assert.equal(ev.plaintext.length, parseHex(vector.plain_apdu_hex!).length);
  assert.deepEqual(
    frames.map((f) => toHex(f.subarray(0, 4))),
    vector.frames_hex.map((h) => h.slice(0, 8).toUpperCase()),
    'M-Bus frames 68 FA FA 68 + 68 26 26 68 as the real one',
  );
});

test('a single-phase meter: all the power on L1, no L2/L3, decoded to the values the model made', () => {
  const start = T0 - 3_600_000;
  const factory = createTelegramFactory({ layout: 'obis-structures-1phase', curve: 'flat', seed: 4, start });
  const model = createMeterModel({ seed: 4, start, curve: 'flat', phases: 1 });
  const d = new TelegramDecoder({ keys: { encryptionKey: parseHex(DEMO_KEY) } });
  for (let t = T0; t < T0 + 60_000; t += 5000) {
    const want = model.at(t);
    const ev = factory
      .next(t)
      .flatMap((f) => d.push(f, t))
      .find((e) => e.type === 'telegram');
    assert.ok(ev && ev.type === 'telegram');
    const got = Object.fromEntries(ev.snapshot.readings.map((r) => [r.key, r.value]));
    assert.deepEqual(
      {
        u: got.voltage_l1_v,
        i: got.current_l1_a,
        p: got.power_import_w,
        e: got.energy_import_wh,
        l2: got.voltage_l2_v ?? got.current_l2_a ?? got.voltage_l3_v ?? got.current_l3_a ?? null,
      },
      { u: want.voltage[0], i: want.current[0], p: want.powerImport, e: want.energyImport, l2: null },
    );
    assert.deepEqual(want.current.slice(1), [0, 0], 'the model puts nothing on L2/L3');
    assert.ok(want.powerImport > 300, `a flat cooks in the evening: ${want.powerImport} W`);
  }
});
