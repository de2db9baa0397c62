/**
 * The simulated meter: its telegrams decode through the real decoder in every layout it offers, its values behave
 * like a household with PV (counters only grow, export around noon, none at night), and each fault it can inject
 * produces the diagnosis the daemon must give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfillHistory } from '../../src/simulator/backfill.js';
import { openHistoryStore } from '../../src/store/history-store.js';
import {
  createSimulatedMeter,
  createTelegramFactory,
  DEMO_KEY,
} from '../../src/simulator/simulated-meter.js';
import { layoutPhases, SIM_LAYOUT_PROFILE, SIM_LAYOUTS } from '../../src/simulator/body-builders.js';
import { createMeterModel, loadCurve, pvCurve } from '../../src/simulator/meter-model.js';
import { TelegramDecoder, type DecoderEvent } from '../../src/pipeline/telegram-decoder.js';
import { parseHex } from '../../src/util/hex.js';

const T0 = Date.UTC(2026, 5, 21, 10, 0, 0); // a June morning
const decoder = () => new TelegramDecoder({ keys: { encryptionKey: parseHex(DEMO_KEY) } });
const feed = (d: TelegramDecoder, frames: Uint8Array[], at: number): DecoderEvent[] =>
  frames.flatMap((f) => d.push(f, at));

for (const layout of SIM_LAYOUTS) {
  const profile = SIM_LAYOUT_PROFILE[layout];
  const phases = layoutPhases(layout);
  test(`simulated ${layout} telegrams decode with the ${profile} profile, M-Bus frames like a Kaifa MA309`, () => {
    const f = createTelegramFactory({ layout, now: () => T0 });
    const frames = f.next(T0);
    assert.equal(frames.length, 2);
    assert.deepEqual([...frames[0]!.subarray(0, 4)], [0x68, 0xfa, 0xfa, 0x68], 'first frame 68 FA FA 68');
    assert.equal(frames[0]![6], 0x00, 'CI of the first segment');
    assert.equal(frames[1]![6], 0x11, 'CI of the second and last segment');
    const ev = feed(decoder(), frames, T0).find((e) => e.type === 'telegram');
    assert.ok(ev && ev.type === 'telegram');
    const s = ev.snapshot;
    assert.equal(s.profile, profile);
    assert.equal(s.meterId, '1KFM0200004242');
    assert.equal(s.security.securityControl, 0x21);
    const keys = s.readings.map((r) => r.key);
    for (const k of [
      'energy_import_wh',
      'energy_export_wh',
      'power_import_w',
      'voltage_l1_v',
      phases === 3 ? 'current_l3_a' : 'current_l1_a',
    ]) {
      assert.ok(keys.includes(k), `${layout}: ${k} in ${keys.join(', ')}`);
    }
    if (phases === 1)
      for (const k of ['voltage_l2_v', 'voltage_l3_v', 'current_l2_a', 'current_l3_a'])
        assert.ok(!keys.includes(k), `a single-phase meter sends no ${k}`);
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

test('a demo restarted on the same history continues from its stored counters (issue 9, item 11)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-demo-resume-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'history.db');
  const DAYS = 2 * 86_400_000;
  // As `kaifareader demo` does it: a factory whose counters start DAYS before now, the past backfilled.
  const run = (now: number) => {
    const factory = createTelegramFactory({ start: now - DAYS });
    const rows = backfillHistory({ path, factory, key: DEMO_KEY, from: now - DAYS, to: now });
    return { factory, rows };
  };
  const energy = (frames: Uint8Array[], at: number) => {
    const ev = feed(decoder(), frames, at).find((e) => e.type === 'telegram');
    assert.ok(ev && ev.type === 'telegram');
    const v = (k: string) => ev.snapshot.readings.find((r) => r.key === k)?.value as number;
    return { imp: v('energy_import_wh'), exp: v('energy_export_wh') };
  };
  const noon = new Date(2026, 5, 21, 12, 0, 0).getTime(); // PV exports at noon: a fresh meter would import nothing
  const first = run(noon);
  assert.ok(first.rows > 2000, `backfilled ${first.rows} rows`);
  const store = openHistoryStore(path);
  const stored = store.latest()!;
  store.close();
  const storedImp = stored.readings.find((r) => r.key === 'energy_import_wh')!.value as number;
  const storedExp = stored.readings.find((r) => r.key === 'energy_export_wh')!.value as number;

  const restartAt = noon + 3_600_000;
  const second = run(restartAt);
  assert.equal(second.rows, 0, 'an existing history is never rewritten');
  let last = { imp: storedImp, exp: storedExp };
  for (let i = 0; i < 5; i++) {
    const now = energy(second.factory.next(restartAt + i * 5000), restartAt + i * 5000);
    assert.ok(
      now.imp >= last.imp && now.exp >= last.exp,
      `counters went backwards: stored A+ ${storedImp} A- ${storedExp}, then ${JSON.stringify(now)}`,
    );
    last = now;
  }
  // and they continue close to where they were (an hour of a household, not a week)
  assert.ok(
    last.imp - storedImp < 10_000 && last.exp - storedExp < 10_000,
    JSON.stringify({ last, storedImp, storedExp }),
  );
});

test('the shortest period (0.2 s, as `demo --period 0.2`): every telegram decodes, frames never interleave', async () => {
  const meter = createSimulatedMeter({ periodMs: 200 });
  const d = decoder();
  const events: DecoderEvent[] = [];
  meter.start((chunk) => void events.push(...d.push(chunk, Date.now())));
  await new Promise((r) => setTimeout(r, 1500));
  await meter.stop();
  const telegrams = events.filter((e) => e.type === 'telegram').length;
  assert.deepEqual(
    events.filter((e) => e.type === 'error' || e.type === 'skipped'),
    [],
  );
  assert.ok(telegrams >= 4, `${telegrams} telegrams`);
});
