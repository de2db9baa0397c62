/**
 * The simulated fleet (`demo --meters N`): every meter's telegrams decode through the real decoder with its own
 * key to its own meter number and values that fit what it is (a PV meter exports at noon, a heat pump never does,
 * a flat's single-phase meter sends L1 only); another meter's key does not decode them; the fleet is the same for
 * the same n; and meter 1 is the demo meter of before, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSimulatedMeters,
  fleetKey,
  FLEET_LIMIT,
  meterOptions,
  simulatedFleet,
  type FleetMeter,
} from '../../src/simulator/fleet.js';
import { createTelegramFactory, DEMO_KEY } from '../../src/simulator/simulated-meter.js';
import { layoutPhases, SIM_LAYOUT_PROFILE, SIM_LAYOUTS } from '../../src/simulator/body-builders.js';
import { TelegramDecoder, type DecoderEvent } from '../../src/pipeline/telegram-decoder.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { parseHex, toHex } from '../../src/util/hex.js';

const noon = new Date(2026, 5, 21, 12, 30, 0).getTime(); // local: the sun is up wherever the tests run
const night = new Date(2026, 5, 21, 2, 30, 0).getTime();

const feed = (d: TelegramDecoder, frames: Uint8Array[], at: number): DecoderEvent[] =>
  frames.flatMap((f) => d.push(f, at));

/** The snapshots of meter `m`'s telegrams at `times`, decoded with `key` (default its own). */
function decode(
  m: FleetMeter,
  times: number[],
  key = m.key,
): { ok: MeterSnapshot[]; events: DecoderEvent[] } {
  const factory = createTelegramFactory({ ...meterOptions(m), start: times[0]! - 3_600_000 });
  const d = new TelegramDecoder({ keys: { encryptionKey: parseHex(key) }, meter: m.id });
  const events = times.flatMap((t) => feed(d, factory.next(t), t));
  const ok = events.flatMap((e) => (e.type === 'telegram' ? [e.snapshot] : []));
  return { ok, events };
}

const reading = (s: MeterSnapshot, key: string): number | undefined => {
  const v = s.readings.find((r) => r.key === key)?.value;
  return typeof v === 'number' ? v : undefined;
};

test('a fleet of one is the demo meter: id default, DEMO_KEY, no name', () => {
  const [m, ...rest] = simulatedFleet(1);
  assert.deepEqual(rest, []);
  assert.equal(m!.id, 'default');
  assert.equal(m!.key, DEMO_KEY);
  assert.equal(m!.name, undefined);
  assert.equal(m!.meterNumber, '1KFM0200004242');
  assert.equal(m!.systemTitle, '4B464D1020004242');
  assert.equal(m!.layout, 'obis-structures');
});

for (const layout of ['obis-structures', 'obis-flat'] as const) {
  test(`meter 1 of a fleet sends byte for byte the telegrams of the demo meter of before (${layout})`, () => {
    const start = night - 7 * 86_400_000;
    for (const n of [1, 3]) {
      const before = createTelegramFactory({ layout, start }); // as demo-command.ts made it
      const [first] = createSimulatedMeters(simulatedFleet(n, { layout }), { start, periodMs: 5000 });
      for (let t = start; t < start + 86_400_000; t += 3_600_000)
        assert.deepEqual(first!.factory.next(t).map(toHex), before.next(t).map(toHex), `n=${n} at ${t}`);
    }
    const again = createTelegramFactory({ layout, start });
    assert.notDeepEqual(
      createSimulatedMeters(simulatedFleet(3), { start })[1]!.factory.next(start).map(toHex),
      again.next(start).map(toHex),
      'meter 2 is another meter',
    );
  });
}

test('the same n gives the same fleet, and a larger fleet only adds meters', () => {
  assert.deepEqual(simulatedFleet(5), simulatedFleet(5));
  const big = simulatedFleet(FLEET_LIMIT);
  for (const n of [2, 3, 4, 7])
    assert.deepEqual(simulatedFleet(n), big.slice(0, n), `the first ${n} of ${FLEET_LIMIT}`);
  assert.deepEqual(
    big.slice(0, 5).map((m) => [m.id, m.name, m.layout, m.curve]),
    [
      ['house', 'House', 'obis-structures', 'house'],
      ['heatpump', 'Heat pump', 'obis-flat', 'heatpump'],
      ['pv', 'PV system', 'obis-structures', 'pv'],
      ['flat-1', 'Flat 1', 'obis-structures-1phase', 'flat'],
      ['flat-2', 'Flat 2', 'obis-flat', 'flat'],
    ],
  );
  for (const field of ['id', 'name', 'key', 'meterNumber', 'systemTitle', 'deviceName', 'seed'] as const)
    assert.equal(new Set(big.map((m) => m[field])).size, FLEET_LIMIT, `every meter has its own ${field}`);
  assert.deepEqual(new Set(big.map((m) => m.layout)), new Set(SIM_LAYOUTS), 'every layout is in the fleet');
  assert.equal(fleetKey(1), DEMO_KEY);
  assert.equal(Buffer.from(fleetKey(2), 'hex').toString('latin1'), 'KAIFAREADERDEMO2');
  assert.equal(Buffer.from(fleetKey(16), 'hex').toString('latin1'), 'KAIFAREADERDEM16');
  assert.equal(Buffer.from(fleetKey(99), 'hex').toString('latin1'), 'KAIFAREADERDEM99');
  for (const m of big) {
    assert.match(m.key, /^[0-9A-F]{32}$/);
    assert.match(m.systemTitle, /^4B464D[0-9A-F]{10}$/, 'a Kaifa (KFM) system title');
  }
});

test('a fleet has 1–99 meters (the demo takes at most 16, demo-command.ts)', () => {
  for (const n of [0, 100, -1, 2.5, NaN]) assert.throws(() => simulatedFleet(n), /1–99 meters, got/);
});

test('every meter of the largest fleet decodes with its own key to its own number and plausible values', () => {
  for (const m of simulatedFleet(FLEET_LIMIT)) {
    const times = [night, night + 5000, noon, noon + 5000];
    const { ok, events } = decode(m, times);
    assert.equal(
      ok.length,
      times.length,
      `${m.id}: ${JSON.stringify(events.filter((e) => e.type !== 'telegram'))}`,
    );
    const phases = layoutPhases(m.layout);
    for (const s of ok) {
      assert.equal(s.meter, m.id);
      assert.equal(s.meterId, m.meterNumber);
      assert.equal(s.profile, SIM_LAYOUT_PROFILE[m.layout]);
      assert.equal(s.security.systemTitle, m.systemTitle);
      const imp = reading(s, 'power_import_w')!;
      const exp = reading(s, 'power_export_w')!;
      assert.ok(
        imp >= 0 && exp >= 0 && (imp === 0 || exp === 0),
        `${m.id}: import ${imp} W, export ${exp} W`,
      );
      assert.ok(imp + exp < 15_000, `${m.id}: ${imp + exp} W is no household's`);
      for (let p = 1; p <= 3; p++) {
        const u = reading(s, `voltage_l${p}_v`);
        if (p > phases) {
          assert.equal(u, undefined, `${m.id} is single-phase: no L${p}`);
          assert.equal(reading(s, `current_l${p}_a`), undefined);
        } else assert.ok(u! > 220 && u! < 240, `${m.id}: U${p} ${u} V`);
      }
      if (phases === 1) {
        // All the power on L1: P ≈ U·I (the current is rounded to 10 mA).
        const p = reading(s, 'voltage_l1_v')! * reading(s, 'current_l1_a')!;
        assert.ok(Math.abs(p - (imp + exp)) <= 0.01 * 240 + 1, `${m.id}: U·I ${p} vs ${imp + exp} W`);
      }
    }
    const counters = ok.map((s) => [reading(s, 'energy_import_wh')!, reading(s, 'energy_export_wh')!]);
    for (let i = 1; i < counters.length; i++) {
      const [a, b] = [counters[i - 1]!, counters[i]!];
      assert.ok(
        b[0]! >= a[0]! && b[1]! >= a[1]!,
        `${m.id}: counters never fall: ${JSON.stringify(counters)}`,
      );
    }
    const at = (s: MeterSnapshot) => ({
      imp: reading(s, 'power_import_w')!,
      exp: reading(s, 'power_export_w')!,
    });
    const [sNight, , sNoon] = ok.map(at);
    if (m.curve === 'pv') {
      assert.ok(sNoon!.exp > 3000, `the PV meter exports at noon: ${JSON.stringify(sNoon)}`);
      assert.ok(
        sNight!.exp === 0 && sNight!.imp < 20,
        `at night only the inverter's standby: ${JSON.stringify(sNight)}`,
      );
    } else if (m.curve === 'house') {
      assert.ok(sNoon!.exp > 0 && sNight!.imp > 0, `house: ${JSON.stringify({ sNight, sNoon })}`);
    } else {
      for (const v of [sNight!, sNoon!]) assert.ok(v.exp === 0 && v.imp > 0, `${m.curve} only imports`);
    }
  }
});

test("a meter's telegrams do not decode with another meter's key: plaintext.invalid (the key is wrong)", () => {
  const fleet = simulatedFleet(4);
  for (const [i, m] of fleet.entries()) {
    const other = fleet[(i + 1) % fleet.length]!;
    const { ok, events } = decode(m, [noon], other.key);
    assert.deepEqual(ok, [], `${m.id} with ${other.id}'s key`);
    const err = events.find((e) => e.type === 'error');
    assert.ok(err && err.type === 'error', `${m.id}: ${JSON.stringify(events)}`);
    assert.equal(err.error.code, 'plaintext.invalid');
    assert.match(err.error.message, /key is probably wrong or belongs to another meter/);
  }
});

test('one source per meter, each with its own timers: stopping one leaves the others running', async () => {
  const fleet = simulatedFleet(3);
  const meters = createSimulatedMeters(fleet, { periodMs: 200 });
  assert.deepEqual(
    meters.map((m) => m.source.describe()),
    [
      'simulated house meter, Kaifa MA309 (obis-structures, every 0.2 s)',
      'simulated heat pump meter, Kaifa MA309 (obis-flat, every 0.2 s)',
      'simulated PV generation meter, Kaifa MA309 (obis-structures, every 0.2 s)',
    ],
  );
  const got = meters.map(() => [] as MeterSnapshot[]);
  meters.forEach(({ meter, source }, i) => {
    const d = new TelegramDecoder({ keys: { encryptionKey: parseHex(meter.key) }, meter: meter.id });
    source.start((chunk) => {
      for (const e of d.push(chunk, Date.now())) {
        assert.equal(e.type === 'error' || e.type === 'skipped', false, `${meter.id}: ${JSON.stringify(e)}`);
        if (e.type === 'telegram') got[i]!.push(e.snapshot);
      }
    });
  });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    await meters[1]!.source.stop();
    const stoppedAt = got[1]!.length;
    const othersAt = [got[0]!.length, got[2]!.length];
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(stoppedAt >= 2, `the heat pump sent ${stoppedAt} telegrams before its stop`);
    assert.equal(got[1]!.length, stoppedAt, 'nothing after stop()');
    assert.ok(got[0]!.length > othersAt[0]! && got[2]!.length > othersAt[1]!, 'the others go on');
    got.forEach((snaps, i) => {
      for (const s of snaps) assert.equal(s.meterId, fleet[i]!.meterNumber);
    });
  } finally {
    for (const m of meters) await m.source.stop();
  }
});
