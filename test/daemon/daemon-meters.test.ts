/**
 * Many meters in one daemon (issue 11), with in-memory sources and recording sinks: each meter decodes with its
 * own key into its own status; a wrong key or a lost port on one meter leaves the others untouched; `exports`
 * routes a meter to some sinks only; reconfigure (SIGHUP) adds, removes and restarts meters while the others keep
 * their counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDaemon, type DaemonMeter } from '../../src/daemon/daemon.js';
import type { Sink } from '../../src/sinks/sink.js';
import type { Logger } from '../../src/log/logger.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { Key } from '../../src/util/key.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';
import { manualSource } from './manual-source.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const EVN = loadVector('evn_netznoe-pdf_1');
const TINETZ = loadVector('tinetz_fneur-example_1');
const WRONG = Key.parse('00112233445566778899AABBCCDDEEFF');

function silentLogger(lines: string[] = [], component = ''): Logger {
  const at = (level: string) => (m: string) => void lines.push(`${level} [${component}] ${m}`);
  return {
    debug: () => undefined,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (name) => silentLogger(lines, name),
  };
}

function recordingSink(name: string) {
  const got: MeterSnapshot[] = [];
  const sink: Sink = { name, handle: (s) => void got.push(s) };
  return { sink, got, meters: () => got.map((s) => `${s.meter}:${s.meterId}`) };
}

function setup(meters: DaemonMeter[]) {
  let t = 1_700_000_000_000;
  const sources = new Map<string, ReturnType<typeof manualSource>>();
  const sourceFor = (m: DaemonMeter) => {
    const s = manualSource(`port of ${m.id}`);
    sources.set(m.id, s);
    return s;
  };
  const mqtt = recordingSink('mqtt');
  const history = recordingSink('history');
  const lines: string[] = [];
  const daemon = createDaemon({
    meters,
    sourceFor,
    sinks: [mqtt.sink, history.sink],
    logger: silentLogger(lines),
    now: () => t,
    tickMs: 3_600_000,
  });
  return { daemon, sources, mqtt, history, lines, advance: (ms: number) => (t += ms) };
}

const key = (v: { key_hex: string | null }) => Key.parse(v.key_hex!);

test('three meters: each decodes with its own key into its own status; a wrong key stays with its meter', async () => {
  const { daemon, sources, mqtt, lines, advance } = setup([
    { id: 'home', name: 'Haus', key: key(VKW) },
    { id: 'flat', key: WRONG },
    { id: 'evn', key: key(EVN) },
  ]);
  await daemon.start();
  for (let i = 0; i < 4; i++) {
    advance(5000);
    sources.get('home')!.push(captureBytes(VKW));
    sources.get('flat')!.push(captureBytes(TINETZ));
    sources.get('evn')!.push(captureBytes(EVN));
  }
  assert.deepEqual(
    new Set(mqtt.meters()),
    new Set(['home:1KFM0200175269', `evn:${daemon.latest('evn')!.meterId}`]),
  );
  assert.equal(mqtt.got.length, 8);
  const st = daemon.status.get();
  assert.deepEqual(
    st.meters.map((m) => [m.meter, m.name, m.diagnosis.state, m.telegramsOk]),
    [
      ['home', 'Haus', 'ok', 4],
      ['flat', undefined, 'wrong-key', 0],
      ['evn', undefined, 'ok', 4],
    ],
  );
  // The top level reads like one meter: counters summed, the first meter that is not ok.
  assert.equal(st.telegramsOk, 8);
  assert.equal(st.diagnosis.state, 'wrong-key');
  assert.equal(daemon.latest()?.meter, 'home');
  assert.equal(daemon.latest('flat'), undefined);
  assert.deepEqual(daemon.meters(), ['home', 'flat', 'evn']);
  const diag = lines.filter((l) => l.includes('diagnosis:'));
  assert.deepEqual(
    diag.map((l) => l.slice(0, l.indexOf(' —'))),
    ['warn [meter:flat] diagnosis: wrong-key'],
  );
  await daemon.stop();
});

test('a lost port on one meter: only its status says port-error, the others keep decoding', async () => {
  const { daemon, sources, history } = setup([
    { id: 'a', key: key(VKW) },
    { id: 'b', key: key(VKW) },
  ]);
  await daemon.start();
  sources.get('a')!.push(captureBytes(VKW));
  sources
    .get('b')!
    .state({ state: 'error', code: 'ENOENT', message: 'gone', hint: 'plug it in', retryInMs: 250 });
  sources.get('a')!.push(captureBytes(VKW));
  const st = daemon.status.get();
  assert.deepEqual(
    st.meters.map((m) => [m.meter, m.diagnosis.state, m.sourceConnected]),
    [
      ['a', 'ok', true],
      ['b', 'port-error', false],
    ],
  );
  assert.equal(st.sourceConnected, false);
  assert.deepEqual(history.meters(), ['a:1KFM0200175269', 'a:1KFM0200175269']);
  await daemon.stop();
});

test('exports: a meter feeds only the sinks it names', async () => {
  const { daemon, sources, mqtt, history } = setup([
    { id: 'home', key: key(VKW) },
    { id: 'pv', key: key(VKW), exports: ['history'] },
  ]);
  await daemon.start();
  sources.get('home')!.push(captureBytes(VKW));
  sources.get('pv')!.push(captureBytes(VKW));
  assert.deepEqual(mqtt.meters(), ['home:1KFM0200175269']);
  assert.deepEqual(history.meters(), ['home:1KFM0200175269', 'pv:1KFM0200175269']);
  await daemon.stop();
});

test('reconfigure: added meters start, removed ones stop, changed ones restart; the unchanged one keeps its counters', async () => {
  const { daemon, sources, mqtt } = setup([
    { id: 'keep', key: key(VKW) },
    { id: 'drop', key: key(VKW) },
    { id: 'rekey', key: WRONG },
  ]);
  await daemon.start();
  const keep = sources.get('keep')!;
  keep.push(captureBytes(VKW));
  const drop = sources.get('drop')!;
  const oldRekey = sources.get('rekey')!;
  oldRekey.push(captureBytes(VKW));
  const r = await daemon.reconfigure([
    { id: 'keep', key: key(VKW) },
    { id: 'rekey', key: key(VKW) },
    { id: 'new', key: key(EVN) },
  ]);
  assert.deepEqual(r, { added: ['new'], removed: ['drop'], changed: ['rekey'] });
  assert.equal(drop.stopped, true);
  assert.equal(oldRekey.stopped, true);
  assert.equal(keep.stopped, false);
  assert.equal(keep.starts, 1, 'the unchanged meter was restarted');
  sources.get('rekey')!.push(captureBytes(VKW));
  sources.get('new')!.push(captureBytes(EVN));
  keep.push(captureBytes(VKW));
  const st = daemon.status.get();
  assert.deepEqual(
    st.meters.map((m) => [m.meter, m.diagnosis.state, m.telegramsOk]),
    [
      ['keep', 'ok', 2],
      ['rekey', 'ok', 1],
      ['new', 'ok', 1],
    ],
  );
  assert.deepEqual(
    mqtt.got.map((s) => s.meter),
    ['keep', 'rekey', 'new', 'keep'],
  );
  // Same config again: nothing changes (keys are compared by their bytes, never by their redacted text).
  assert.deepEqual(
    await daemon.reconfigure([
      { id: 'keep', key: key(VKW) },
      { id: 'rekey', key: key(VKW) },
      { id: 'new', key: key(EVN) },
    ]),
    { added: [], removed: [], changed: [] },
  );
  await daemon.stop();
});
