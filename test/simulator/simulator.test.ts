/**
 * The simulated meter: its telegrams decode through the real decoder in every layout it offers, its values behave
 * like a household with PV (counters only grow, export around noon, none at night), and each fault it can inject
 * produces the diagnosis the daemon must give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTelegramFactory, DEMO_KEY } from '../../src/simulator/simulated-meter.js';
import { SIM_LAYOUTS } from '../../src/simulator/body-builders.js';
import { createMeterModel, loadCurve, pvCurve } from '../../src/simulator/meter-model.js';
import { TelegramDecoder, type DecoderEvent } from '../../src/pipeline/telegram-decoder.js';
import { parseHex } from '../../src/util/hex.js';

const T0 = Date.UTC(2026, 5, 21, 10, 0, 0); // a June morning
const decoder = () => new TelegramDecoder({ keys: { encryptionKey: parseHex(DEMO_KEY) } });
const feed = (d: TelegramDecoder, frames: Uint8Array[], at: number): DecoderEvent[] =>
  frames.flatMap((f) => d.push(f, at));

for (const layout of SIM_LAYOUTS) {
  test(`simulated ${layout} telegrams decode with the ${layout} profile, M-Bus frames like a Kaifa MA309`, () => {
    const f = createTelegramFactory({ layout, now: () => T0 });
    const frames = f.next(T0);
    assert.equal(frames.length, 2);
    assert.deepEqual([...frames[0]!.subarray(0, 4)], [0x68, 0xfa, 0xfa, 0x68], 'first frame 68 FA FA 68');
    assert.equal(frames[0]![6], 0x00, 'CI of the first segment');
    assert.equal(frames[1]![6], 0x11, 'CI of the second and last segment');
    const ev = feed(decoder(), frames, T0).find((e) => e.type === 'telegram');
    assert.ok(ev && ev.type === 'telegram');
    const s = ev.snapshot;
    assert.equal(s.profile, layout);
    assert.equal(s.meterId, '1KFM0200004242');
    assert.equal(s.security.securityControl, 0x21);
    const keys = s.readings.map((r) => r.key);
    for (const k of [
      'energy_import_wh',
      'energy_export_wh',
      'power_import_w',
      'voltage_l1_v',
      'current_l3_a',
    ]) {
      assert.ok(keys.includes(k), `${layout}: ${k} in ${keys.join(', ')}`);
    }
  });
}

test('the model: counters only grow, power follows load minus PV', () => {
  const m = createMeterModel({ seed: 3, start: T0 });
  let last = m.at(T0);
  for (let t = T0; t < T0 + 3 * 86_400_000; t += 60_000) {
    const v = m.at(t);
    assert.ok(
      v.energyImport >= last.energyImport && v.energyExport >= last.energyExport,
      'counters never fall',
    );
    assert.ok(v.powerImport === 0 || v.powerExport === 0, 'never import and export at once');
    for (const u of v.voltage) assert.ok(u > 220 && u < 240, `voltage ${u}`);
    last = v;
  }
  assert.ok(
    last.energyImport > 3_744_082 && last.energyExport > 3_929_988,
    'three days add energy both ways',
  );
  assert.equal(pvCurve(3), 0, 'no PV at night');
  assert.ok(pvCurve(13) > loadCurve(13), 'PV exceeds the load around noon');
});

test('fault: a flipped bit is a checksum error, and the next telegram decodes again', () => {
  const f = createTelegramFactory({ faults: { bitFlips: 1 }, now: () => T0 });
  const clean = createTelegramFactory({ now: () => T0 });
  const d = decoder();
  const bad = feed(d, f.next(T0), T0);
  assert.ok(!bad.some((e) => e.type === 'telegram'), 'no readings from a damaged telegram');
  assert.ok(bad.some((e) => (e.type === 'skipped' && e.code !== 'framing.garbage') || e.type === 'error'));
  assert.ok(feed(d, clean.next(T0 + 5000), T0 + 5000).some((e) => e.type === 'telegram'));
});

test('fault: a cut-off telegram yields nothing until the next good one', () => {
  const f = createTelegramFactory({ faults: { truncate: 1 }, now: () => T0 });
  const clean = createTelegramFactory({ now: () => T0 });
  const d = decoder();
  assert.ok(!feed(d, f.next(T0), T0).some((e) => e.type === 'telegram'));
  assert.ok(feed(d, clean.next(T0 + 5000), T0 + 5000).some((e) => e.type === 'telegram'));
});

test('fault: the wrong key gives plaintext.invalid — "the key is probably wrong"', () => {
  const f = createTelegramFactory({ faults: { wrongKey: true }, now: () => T0 });
  const ev = feed(decoder(), f.next(T0), T0);
  const err = ev.find((e) => e.type === 'error');
  assert.ok(err && err.type === 'error');
  assert.equal(err.error.code, 'plaintext.invalid');
  assert.match(err.error.message, /key is probably wrong or belongs to another meter/);
});
