/**
 * createDaemon with an in-memory byte source and recording sinks (no I/O): telegrams reach every sink, a failing
 * sink fails alone, the diagnosis is logged once per change, stop() stops source and sinks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDaemon } from '../../src/daemon/daemon.js';
import type { Sink } from '../../src/sinks/sink.js';
import type { Logger } from '../../src/log/logger.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';
import { manualSource } from './manual-source.js';
import { Key } from '../../src/util/key.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const TELEGRAM = captureBytes(VKW);
const WRONG_KEY = '00112233445566778899AABBCCDDEEFF';

interface Line {
  level: string;
  component: string;
  message: string;
}

function recordingLogger(lines: Line[], component = ''): Logger {
  const at = (level: string) => (message: string) => lines.push({ level, component, message });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (name) => recordingLogger(lines, component ? `${component}/${name}` : name),
  };
}

function recordingSink(name: string) {
  const got: MeterSnapshot[] = [];
  let stopped = false;
  const sink: Sink = {
    name,
    handle: (s) => void got.push(s),
    async stop() {
      stopped = true;
    },
  };
  return { sink, got, stopped: () => stopped };
}

function setup(key = VKW.key_hex!, extra: { summaryIntervalMs?: number } = {}) {
  let t = 1_700_000_000_000;
  const lines: Line[] = [];
  const source = manualSource();
  const a = recordingSink('a');
  const b = recordingSink('b');
  const throwing: Sink = {
    name: 'throwing',
    handle() {
      throw new Error('disk on fire');
    },
  };
  const rejecting: Sink = { name: 'rejecting', handle: () => Promise.reject(new Error('broker gone')) };
  const daemon = createDaemon({
    meters: [{ id: 'default', key: Key.parse(key) }],
    sourceFor: () => source,
    sinks: [throwing, a.sink, rejecting, b.sink],
    logger: recordingLogger(lines),
    now: () => t,
    tickMs: 3_600_000,
    ...extra,
  });
  const advance = (ms: number) => (t += ms);
  return { daemon, source, a, b, lines, advance };
}

const messages = (lines: Line[], level?: string) =>
  lines.filter((l) => !level || l.level === level).map((l) => `[${l.component}] ${l.message}`);

test('a telegram reaches every working sink, latest() and subscribers; failing sinks fail alone', async () => {
  const { daemon, source, a, b, lines, advance } = setup();
  const heard: string[] = [];
  daemon.subscribe((s) => heard.push(s.meterId));
  await daemon.start();
  for (let i = 0; i < 3; i++) {
    advance(5000);
    source.push(TELEGRAM);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(a.got.length, 3);
  assert.equal(b.got.length, 3);
  assert.deepEqual(heard, ['1KFM0200175269', '1KFM0200175269', '1KFM0200175269']);
  assert.equal(daemon.latest()?.meterId, '1KFM0200175269');
  const st = daemon.status.get();
  assert.deepEqual([st.telegramsOk, st.framesOk, st.bytesReceived], [3, 6, 3 * TELEGRAM.length]);
  assert.equal(st.diagnosis.state, 'ok');
  assert.equal(st.sinks.throwing?.lastError, 'disk on fire');
  assert.equal(st.sinks.rejecting?.lastError, 'broker gone');
  // Each failing sink is logged once (rate-limited), not per telegram.
  assert.deepEqual(messages(lines, 'error'), [
    '[sinks] throwing: disk on fire',
    '[sinks] rejecting: broker gone',
  ]);
  // Issue 9, item 17: one info line per telegram became the first one at info, the others at debug (this
  // expectation used to list the summary line three times at info).
  const summary = '[meter] 1KFM0200175269: 1.8.0 3744.082 kWh, 2.8.0 3929.988 kWh, P+ 53 W, P- 0 W';
  assert.deepEqual(
    messages(lines, 'info').filter((m) => m.startsWith('[meter]')),
    ['[meter] first telegram decoded', summary],
  );
  assert.deepEqual(
    messages(lines, 'debug').filter((m) => m.startsWith('[meter]') && m.includes('1.8.0')),
    [summary, summary],
  );
  await daemon.stop();
  assert.equal(source.stopped, true);
  assert.equal(a.stopped() && b.stopped(), true);
});

test('the same bytes in 1-byte pieces give the same telegram', async () => {
  const { daemon, source, a } = setup();
  await daemon.start();
  for (const byte of TELEGRAM) source.push(Uint8Array.of(byte));
  assert.equal(a.got.length, 1);
  assert.equal(a.got[0]!.readings.find((r) => r.obis === '1.0.1.8.0.255')?.value, 3744082);
  await daemon.stop();
});

test('wrong key: no snapshot, one wrong-key warning with the hint however many telegrams fail', async () => {
  const { daemon, source, a, lines, advance } = setup(WRONG_KEY);
  await daemon.start();
  for (let i = 0; i < 6; i++) {
    advance(5000);
    source.push(TELEGRAM);
  }
  assert.equal(a.got.length, 0);
  assert.equal(daemon.status.get().diagnosis.state, 'wrong-key');
  const diag = messages(lines, 'warn').filter((m) => m.includes('diagnosis:'));
  assert.equal(diag.length, 1);
  assert.match(
    diag[0]!,
    /^\[meter\] diagnosis: wrong-key — .*the key is probably wrong or belongs to another meter/,
  );
  assert.ok(!lines.some((l) => l.message.toUpperCase().includes(WRONG_KEY)), 'the key was logged');
  await daemon.stop();
});

test('port error then recovery: one diagnosis line each way', async () => {
  const { daemon, source, lines, advance } = setup();
  await daemon.start();
  source.push(TELEGRAM);
  advance(1000);
  source.state({
    state: 'error',
    code: 'EIO',
    message: '/dev/ttyUSB0: port lost',
    hint: 'check the USB cable',
    retryInMs: 250,
  });
  source.state({
    state: 'error',
    code: 'ENOENT',
    message: '/dev/ttyUSB0: no such port',
    hint: 'ls',
    retryInMs: 500,
  });
  assert.equal(daemon.status.get().sourceConnected, false);
  advance(3000);
  source.state({ state: 'open' });
  source.push(TELEGRAM);
  const meter = messages(lines).filter((m) => m.startsWith('[meter]') && !m.includes('1.8.0'));
  assert.deepEqual(meter, [
    '[meter] first telegram decoded',
    '[meter] diagnosis: port-error — /dev/ttyUSB0: port lost: check the USB cable',
    '[meter] telegrams decode again (was: port-error)',
  ]);
  await daemon.stop();
});

const FRAME_1 = Uint8Array.from(Buffer.from(VKW.frames_hex[1]!, 'hex'));

test('started while the meter is mid-telegram: the lone last segment is logged at debug, not counted', async () => {
  const { daemon, source, a, lines, advance } = setup();
  await daemon.start();
  source.push(FRAME_1); // the tail of a telegram that began before the port was opened
  advance(5000);
  source.push(TELEGRAM);
  assert.equal(a.got.length, 1);
  assert.deepEqual(daemon.status.get().errorsByCode, {});
  assert.deepEqual(messages(lines, 'warn'), []);
  assert.deepEqual(
    messages(lines, 'debug').filter((m) => m.includes('middle of a telegram')),
    [
      '[meter] reading started in the middle of a telegram: segment 1 arrived without the segments before it (a frame was lost) (expected after opening)',
    ],
  );
  // After a reopen it is expected again; a lost frame while reading is still a warning.
  source.state({ state: 'error', code: 'EIO', message: 'lost', retryInMs: 100 });
  source.state({ state: 'open' });
  source.push(FRAME_1);
  source.push(TELEGRAM);
  assert.deepEqual(
    messages(lines, 'warn').filter((m) => m.includes('segment')),
    [],
  );
  source.push(FRAME_1);
  assert.deepEqual(
    messages(lines, 'warn').filter((m) => m.includes('segment')),
    [
      '[meter] telegram rejected [mbus.segment-order]: segment 1 arrived without the segments before it (a frame was lost)',
    ],
  );
  assert.deepEqual(daemon.status.get().errorsByCode, { 'mbus.segment-order': 1 });
  await daemon.stop();
});

test('an info summary every summaryIntervalMs: telegrams, errors by code, diagnosis, latest values', async () => {
  const { daemon, source, lines, advance } = setup(VKW.key_hex!, { summaryIntervalMs: 40 });
  await daemon.start();
  for (let i = 0; i < 4; i++) {
    advance(5000);
    source.push(TELEGRAM);
  }
  const broken = Uint8Array.from(TELEGRAM);
  broken[TELEGRAM.length - 2]! ^= 0xff; // the last frame's checksum byte
  source.push(broken);
  const summaries = () => messages(lines, 'info').filter((m) => m.includes('last 40 ms:'));
  for (let i = 0; i < 300 && summaries().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  await daemon.stop();
  const [first, second] = summaries();
  assert.equal(
    first,
    '[meter] last 40 ms: 4 telegrams, 1 error (mbus.checksum 1), diagnosis ok; latest 1KFM0200175269: 1.8.0 3744.082 kWh, 2.8.0 3929.988 kWh, P+ 53 W, P- 0 W',
  );
  assert.equal(
    second,
    '[meter] last 40 ms: 0 telegrams, 0 errors, diagnosis ok; latest 1KFM0200175269: 1.8.0 3744.082 kWh, 2.8.0 3929.988 kWh, P+ 53 W, P- 0 W',
  );
});
