/**
 * Replay source with a fake clock: realtime keeps the recorded gaps (seen as fake-clock times of delivery,
 * never as wall-clock durations), fast does not wait, loop restarts, a missing file is reported once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplaySourceConfig } from '../../src/config/types.js';
import {
  createReplaySource,
  replaySchedule,
  MAX_GAP_MS,
  UNTIMED_INTERVAL_MS,
  type ReplayClock,
} from '../../src/transport/replay-source.js';
import { toHex } from '../../src/util/hex.js';
import { captureBytes, loadVector, truncatedCapture } from '../helpers/vectors.js';
import { collector, recordingLogger, waitFor } from './util.js';

/** A clock whose time moves only when the test runs the next timer. */
function fakeClock(
  start: number,
): ReplayClock & { pending(): number; runNext(): boolean; requested: number[] } {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { due: number; fn: () => void }>();
  const requested: number[] = [];
  return {
    requested,
    now: () => now,
    setTimeout(fn, ms) {
      requested.push(ms);
      timers.set(++seq, { due: now + ms, fn });
      return seq;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => timers.size,
    runNext() {
      const next = [...timers.entries()].sort((a, b) => a[1].due - b[1].due)[0];
      if (!next) return false;
      timers.delete(next[0]);
      now = Math.max(now, next[1].due);
      next[1].fn();
      return true;
    },
  };
}

const T0 = Date.parse('2026-11-24T23:40:01.000Z');
const CAPTURE = [
  '# kaifareader capture /dev/ttyUSB0 2400 8N1',
  '2026-11-24T23:40:01.000Z 68FAFA68',
  '2026-11-24T23:40:01.057Z 53FF',
  '2026-11-24T23:40:06.057Z 16',
  'E5',
  '2026-11-25T01:00:00.000Z 7EA0',
  '2026-11-25T00:59:59.000Z 7E',
  '2026-11-25T01:30:00.000Z AA',
].join('\n');

function captureFile(t: { after(fn: () => void): void }, text = CAPTURE): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'meter.capture');
  writeFileSync(file, text);
  return file;
}

const cfg = (file: string, speed: ReplaySourceConfig['speed'], loop = false): ReplaySourceConfig => ({
  type: 'replay',
  file,
  speed,
  loop,
});

test('schedule: recorded gaps, 5 s for untimed chunks, long gaps capped, backwards plays at once', () => {
  const offsets = replaySchedule([
    { at: T0, bytes: new Uint8Array(1) },
    { at: T0 + 57, bytes: new Uint8Array(1) },
    { at: T0 + 5057, bytes: new Uint8Array(1) },
    { bytes: new Uint8Array(1) },
    { at: T0 + 3_600_000, bytes: new Uint8Array(1) },
    { at: T0 + 3_599_000, bytes: new Uint8Array(1) },
    { at: T0 + 5_400_000, bytes: new Uint8Array(1) },
  ]);
  const untimed = 5057 + UNTIMED_INTERVAL_MS;
  assert.deepEqual(offsets, [
    0,
    57,
    5057,
    untimed,
    untimed + UNTIMED_INTERVAL_MS,
    untimed + UNTIMED_INTERVAL_MS,
    untimed + UNTIMED_INTERVAL_MS + MAX_GAP_MS,
  ]);
});

test('realtime: each chunk is delivered at its recorded offset on the clock, then ended', async (t) => {
  const file = captureFile(t);
  const clock = fakeClock(1_000_000);
  const got = collector();
  const deliveredAt: number[] = [];
  const source = createReplaySource(cfg(file, 'realtime'), { logger: recordingLogger(), clock });
  source.start((chunk) => {
    deliveredAt.push(clock.now());
    got.onData(chunk);
  }, got.onState);
  await waitFor('loaded', () => got.states.some((s) => s.state === 'open'));
  while (clock.runNext());
  assert.deepEqual(
    deliveredAt.map((x) => x - 1_000_000),
    [0, 57, 5057, 10_057, 15_057, 15_057, 75_057],
  );
  assert.equal(toHex(Uint8Array.from(got.bytes)), '68FAFA6853FF16E57EA07EAA');
  assert.deepEqual(got.states.at(-1), { state: 'ended' });
  await source.stop();
});

test('fast: no waiting at all, everything in order, then ended', async (t) => {
  const file = captureFile(t);
  const clock = fakeClock(5);
  const got = collector();
  const source = createReplaySource(cfg(file, 'fast'), { logger: recordingLogger(), clock });
  source.start(got.onData, got.onState);
  await waitFor('loaded', () => got.states.some((s) => s.state === 'open'));
  while (clock.runNext());
  assert.deepEqual(new Set(clock.requested), new Set([0]));
  assert.equal(clock.now(), 5);
  assert.equal(toHex(Uint8Array.from(got.bytes)), '68FAFA6853FF16E57EA07EAA');
  assert.deepEqual(got.states.at(-1), { state: 'ended' });
});

test('loop: the capture starts again after a 5 s pause until stopped', async (t) => {
  const file = captureFile(t, '2026-11-24T23:40:01.000Z 01\n2026-11-24T23:40:02.000Z 02\n');
  const clock = fakeClock(0);
  const got = collector();
  const deliveredAt: number[] = [];
  const source = createReplaySource(cfg(file, 'realtime', true), { logger: recordingLogger(), clock });
  source.start((chunk) => {
    deliveredAt.push(clock.now());
    got.onData(chunk);
  }, got.onState);
  await waitFor('loaded', () => got.states.some((s) => s.state === 'open'));
  for (let i = 0; i < 6; i++) clock.runNext();
  assert.deepEqual(got.bytes, [1, 2, 1, 2, 1, 2]);
  assert.deepEqual(deliveredAt, [0, 1000, 6000, 7000, 12_000, 13_000]);
  await source.stop();
  assert.equal(clock.pending(), 0);
  assert.ok(!got.states.some((s) => s.state === 'ended'));
});

test('a missing capture file is reported once with a hint and picked up when it appears', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'later.capture');
  const clock = fakeClock(0);
  const log = recordingLogger();
  const got = collector();
  const source = createReplaySource(cfg(file, 'fast'), { logger: log, clock });
  source.start(got.onData, got.onState);
  const error = await waitFor('error', () => got.errors()[0]);
  assert.equal(error.code, 'ENOENT');
  assert.equal(error.message, `no such capture file: ${file}`);
  assert.match(error.hint!, /kaifareader capture/);
  for (let i = 0; i < 3; i++) {
    const before = clock.requested.length;
    clock.runNext(); // retry
    await waitFor('retry scheduled', () => clock.requested.length > before);
  }
  assert.equal(got.errors().length, 1);
  assert.equal(log.lines.length, 1);
  writeFileSync(file, '68 16\n');
  clock.runNext();
  await waitFor('open', () => got.states.some((s) => s.state === 'open'));
  while (clock.runNext());
  assert.deepEqual(got.bytes, [0x68, 0x16]);
  await source.stop();
});

test('fast replay on the real clock delivers everything and ends', async (t) => {
  const lines = Array.from({ length: 2000 }, (_, i) => (i & 0xff).toString(16).padStart(2, '0')).join('\n');
  const file = captureFile(t, lines);
  const got = collector();
  const source = createReplaySource(cfg(file, 'fast'), { logger: recordingLogger() });
  source.start(got.onData, got.onState);
  await waitFor('ended', () => got.states.some((s) => s.state === 'ended'));
  assert.equal(got.bytes.length, 2000);
  assert.ok(got.bytes.every((b, i) => b === (i & 0xff)));
  assert.equal(source.describe(), `replay ${file} (fast)`);
});

test('a capture cut mid-line replays its complete lines and warns about the cut one', async (t) => {
  const vkw = loadVector('vorarlberg_philippsev-vkw_1');
  const { text, cutLine } = truncatedCapture(vkw);
  const file = captureFile(t, text);
  const log = recordingLogger();
  const got = collector();
  const source = createReplaySource(cfg(file, 'fast'), { logger: log });
  source.start(got.onData, got.onState);
  await waitFor('ended', () => got.states.some((s) => s.state === 'ended'));
  assert.deepEqual(got.errors(), []);
  assert.deepEqual(got.bytes, [...captureBytes(vkw)]);
  const warnings = log.lines.filter((l) => l.level === 'warn').map((l) => l.message);
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]!.startsWith(`${file}: capture line ${cutLine} is cut off`), warnings[0]);
});
