/** StatusTracker: counters per event, errors by code, the diagnosis as events arrive, listeners, copies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusTracker } from '../../src/daemon/status-tracker.js';
import { RECENT_MS, SILENCE_MS, WRONG_KEY_STREAK } from '../../src/daemon/diagnosis.js';
import type { MeterStatus } from '../../src/status/status.js';

const T0 = 1_700_000_000_000;

function tracker() {
  const s = new StatusTracker('/dev/ttyUSB0 2400 8N1', T0);
  const seen: MeterStatus[] = [];
  s.subscribe((x) => seen.push(x));
  return { s, seen, states: () => seen.map((x) => x.diagnosis.state) };
}

/** One good telegram at `t`: its bytes, two frames, the telegram. */
function goodTelegram(s: StatusTracker, t: number): void {
  s.bytes(t, 376);
  s.frame(t);
  s.frame(t);
  s.telegram(t, '1KFM0200175269');
}

test('starts in "starting" with zero counters and the source described', () => {
  const { s } = tracker();
  const st = s.meterStatus();
  assert.equal(st.meter, 'default');
  assert.equal(st.source, '/dev/ttyUSB0 2400 8N1');
  assert.equal(st.sourceConnected, false);
  assert.deepEqual(
    [st.bytesReceived, st.framesOk, st.telegramsOk, st.errorsByCode, st.lastTelegramAt, st.meterId],
    [0, 0, 0, {}, undefined, undefined],
  );
  assert.equal(st.diagnosis.state, 'starting');
});

test('counts bytes, frames and telegrams; the first telegram makes it ok', () => {
  const { s, states } = tracker();
  s.sourceOpen(T0 + 10);
  goodTelegram(s, T0 + 1000);
  goodTelegram(s, T0 + 6000);
  const st = s.meterStatus();
  assert.equal(st.sourceConnected, true);
  assert.deepEqual([st.bytesReceived, st.framesOk, st.telegramsOk], [752, 4, 2]);
  assert.equal(st.lastTelegramAt, T0 + 6000);
  assert.equal(st.meterId, '1KFM0200175269');
  assert.deepEqual(states(), ['ok']);
});

test('errors are counted by code; the last one is kept', () => {
  const { s } = tracker();
  s.error(T0 + 1, 'mbus.checksum', 'checksum 0x12, computed 0x13', false);
  s.error(T0 + 2, 'mbus.checksum', 'checksum 0x22, computed 0x23', false);
  s.error(T0 + 3, 'axdr.truncated', 'ends at byte 40', true);
  const st = s.meterStatus();
  assert.deepEqual(st.errorsByCode, { 'mbus.checksum': 2, 'axdr.truncated': 1 });
  assert.deepEqual(st.lastError, { code: 'axdr.truncated', message: 'ends at byte 40', at: T0 + 3 });
});

test(`${WRONG_KEY_STREAK} key failures in a row → wrong-key; a good telegram clears it`, () => {
  const { s, states } = tracker();
  goodTelegram(s, T0 + 1000);
  for (let i = 1; i <= WRONG_KEY_STREAK; i++)
    s.error(T0 + 1000 + i * 5000, 'plaintext.invalid', 'not a data-notification', true);
  assert.equal(s.meterStatus().diagnosis.state, 'wrong-key');
  goodTelegram(s, T0 + 30_000);
  assert.deepEqual(states(), ['ok', 'wrong-key', 'ok']);
});

test('frame rejections do not count as key failures', () => {
  const { s } = tracker();
  for (let i = 0; i < 5; i++) s.error(T0 + i, 'mbus.checksum', 'bad checksum', false);
  s.error(T0 + 10, 'plaintext.invalid', 'x', true);
  s.error(T0 + 11, 'plaintext.invalid', 'x', true);
  assert.equal(s.meterStatus().diagnosis.state, 'starting');
  s.error(T0 + 12, 'plaintext.invalid', 'x', true);
  assert.equal(s.meterStatus().diagnosis.state, 'wrong-key');
});

test('a long run of failures keeps the diagnosis (the streak window is bounded, not reset)', () => {
  const { s } = tracker();
  for (let i = 0; i < 50; i++) s.error(T0 + i, 'gcm.auth-failed', 'tag mismatch', true);
  assert.equal(s.meterStatus().diagnosis.state, 'wrong-key');
  assert.equal(s.meterStatus().errorsByCode['gcm.auth-failed'], 50);
});

test('source error → port-error with its hint, not connected; reopen clears it', () => {
  const { s, states } = tracker();
  s.sourceOpen(T0);
  goodTelegram(s, T0 + 1000);
  s.sourceError(T0 + 2000, '/dev/ttyUSB0: port lost (adapter unplugged?)', 'check the USB cable');
  assert.equal(s.meterStatus().sourceConnected, false);
  assert.deepEqual(s.meterStatus().diagnosis, {
    state: 'port-error',
    hint: '/dev/ttyUSB0: port lost (adapter unplugged?): check the USB cable',
  });
  s.sourceOpen(T0 + 9000);
  assert.equal(s.meterStatus().sourceConnected, true);
  // reopened, but nothing is proven until a telegram decodes on the new port
  assert.equal(s.meterStatus().diagnosis.state, 'starting');
  goodTelegram(s, T0 + 10_000);
  assert.deepEqual(states(), ['ok', 'port-error', 'starting', 'ok']);
});

test('silence: refresh() turns the diagnosis into no-bytes; a reopen restarts the silence clock', () => {
  const { s } = tracker();
  assert.equal(s.refresh(T0 + SILENCE_MS - 1).state, 'starting');
  assert.equal(s.refresh(T0 + SILENCE_MS).state, 'no-bytes');
  s.sourceOpen(T0 + SILENCE_MS + 100);
  assert.equal(s.meterStatus().diagnosis.state, 'starting');
  goodTelegram(s, T0 + SILENCE_MS + 1000);
  assert.equal(s.refresh(T0 + SILENCE_MS + 1000 + SILENCE_MS - 1).state, 'ok');
  assert.equal(s.refresh(T0 + SILENCE_MS + 1000 + SILENCE_MS).state, 'no-bytes');
  s.bytes(T0 + 40_000, 10);
  assert.equal(s.refresh(T0 + 40_001).state, 'ok');
});

test('listeners hear changes only, and stop after unsubscribing', () => {
  const s = new StatusTracker('x', T0);
  let calls = 0;
  const off = s.subscribe(() => calls++);
  goodTelegram(s, T0 + 1);
  goodTelegram(s, T0 + 2);
  s.refresh(T0 + 3);
  assert.equal(calls, 1);
  off();
  s.sourceError(T0 + 4, 'gone');
  assert.equal(calls, 1);
  assert.equal(s.meterStatus().diagnosis.state, 'port-error');
});

test('meterStatus() returns copies', () => {
  const s = new StatusTracker('x', T0);
  s.error(T0, 'mbus.checksum', 'bad', false);
  const a = s.meterStatus();
  a.errorsByCode['mbus.checksum'] = 99;
  a.telegramsOk = 99;
  assert.equal(s.meterStatus().errorsByCode['mbus.checksum'], 1);
  assert.equal(s.meterStatus().telegramsOk, 0);
});

test('random bytes: one false-positive frame never turns the diagnosis to unknown-layout (issue 9, item 9)', () => {
  const { s, states } = tracker();
  s.sourceOpen(T0);
  let t = T0;
  /** `n` rejected header checksums with the bytes around them, 1 ms apart. */
  const noise = (n: number) => {
    for (let i = 0; i < n; i++) {
      t += 1;
      s.bytes(t, 64);
      s.error(t, 'mbus.checksum', 'header checksum mismatch', false);
    }
  };
  noise(1000);
  // a frame whose checksum passed by chance; its content is no known layout
  s.frame(t);
  s.error(t, 'layout.unknown', 'unknown layout', true);
  noise(250_000);
  assert.ok(!states().includes('unknown-layout'), states().join(' → '));
  assert.equal(s.meterStatus().diagnosis.state, 'no-frames');
  assert.equal(s.meterStatus().errorsByCode['mbus.checksum'], 251_000);
});

test('a false positive at the end of the noise ages out of the window', () => {
  const { s } = tracker();
  s.sourceOpen(T0);
  s.bytes(T0 + 1, 10);
  s.error(T0 + 1, 'layout.unknown', 'unknown layout', true);
  assert.equal(s.meterStatus().diagnosis.state, 'unknown-layout', 'alone it is all there is to go by');
  s.bytes(T0 + RECENT_MS, 10); // bytes keep coming, no more failures
  assert.equal(s.refresh(T0 + RECENT_MS + 1).state, 'starting');
});

test('a meter whose layout is really unknown stays unknown-layout, also on a noisy line', () => {
  const { s, states } = tracker();
  s.sourceOpen(T0);
  for (let i = 1; i <= 120; i++) {
    const t = T0 + i * 5000;
    s.bytes(t, 376);
    s.frame(t);
    if (i % 4 === 0) s.error(t, 'mbus.checksum', 'bad checksum', false);
    s.frame(t);
    s.error(t, 'layout.unknown', 'unknown layout', true);
    s.refresh(t + 1);
  }
  assert.deepEqual(states(), ['unknown-layout']);
});
