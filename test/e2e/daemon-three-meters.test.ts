/**
 * Three meters in one real daemon (issue 11), end to end: `home` on a socat pty (fine), `flat` on a second pty
 * that is unplugged and replugged, `heatpump` on a TCP bridge with the wrong key. Each has its own diagnosis,
 * Solarview file (`{meter}` in the path), MQTT topics (by the meter number the telegram carries), history rows
 * and `/metrics` series; nothing crosses over. The captures are real ones with their keys (test/fixtures/vectors).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { loadVector } from '../helpers/vectors.js';
import { subscribe } from '../mqtt/fixtures/support.js';
import { freePort, runCli, waitUntil } from './helpers/cli-process.js';
import { hexBytes, holdsOpen, makeTempDir, openMeterEnd, readIfExists } from './helpers/daemon-fixtures.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1'); // 1KFM0200175269
const EVN = loadVector('evn_netznoe-pdf_1'); // 181220000009
const TINETZ = loadVector('tinetz_fneur-example_1');
const WRONG_KEY = '00112233445566778899AABBCCDDEEFF';

async function getJson(port: number, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

interface ApiMeter {
  id: string;
  diagnosis: { state: string };
  telegrams_ok: number;
  meter_number: string | null;
}

test('three meters over two ptys and TCP: a wrong key and an unplugged port stay with their meter', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['#']);
  t.after(() => sub.end());
  const home = await createPtyPair();
  t.after(() => home.close());
  const flatPaths = { a: join(dir.path, 'flat-meter'), b: join(dir.path, 'ttyFLAT') };
  let flat = await createPtyPair(flatPaths);
  t.after(() => flat.close());
  // The heat pump's serial-to-TCP bridge: every client that connects gets the telegrams written below.
  const clients = new Set<Socket>();
  const bridge = createServer((s) => {
    clients.add(s);
    s.on('close', () => clients.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => bridge.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const c of clients) c.destroy();
    bridge.close();
  });
  const bridgePort = (bridge.address() as { port: number }).port;
  const httpPort = await freePort();
  const config = join(dir.path, 'meter.json');
  writeFileSync(
    config,
    JSON.stringify({
      meters: [
        { id: 'home', name: 'Haus', source: home.b, key: VKW.key_hex },
        { id: 'flat', name: 'Wohnung', source: flatPaths.b, key: EVN.key_hex },
        { id: 'heatpump', source: `tcp://127.0.0.1:${bridgePort}`, key: WRONG_KEY },
      ],
      data_dir: dir.path,
      logging: { level: 'info' },
      exports: {
        solarview: { file: join(dir.path, '{meter}.txt') },
        mqtt: { url: broker.url, base_topic: 'kaifa' },
        history: { path: join(dir.path, 'history.db') },
      },
      http: { host: '127.0.0.1', port: httpPort },
    }),
    { mode: 0o600 },
  );
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  const wait = (check: () => boolean, what: string) =>
    waitUntil(check, what, { context: log, process: daemon, timeoutMs: 20_000 });
  await wait(() => holdsOpen(daemon.pid, home.b) && holdsOpen(daemon.pid, flatPaths.b), 'both ptys open');
  await wait(() => clients.size === 1, 'the TCP bridge connected');

  const send = async (pty: { a: string }, frames: string[]) => {
    const m = await openMeterEnd(pty.a);
    try {
      await m.write(frames.map(hexBytes));
    } finally {
      await m.close();
    }
  };
  const meters = async () => (await getJson(httpPort, '/api/v1/meters')).meters as ApiMeter[];
  const byId = async () => Object.fromEntries((await meters()).map((m) => [m.id, m]));

  for (let i = 0; i < 4; i++) {
    await send(home, VKW.frames_hex);
    await send(flat, EVN.frames_hex);
    for (const c of clients) for (const f of TINETZ.frames_hex) c.write(hexBytes(f));
    await new Promise((r) => setTimeout(r, 150));
  }
  await wait(() => readIfExists(join(dir.path, 'flat.txt')) !== undefined, 'the flat Solarview file');
  let m = await byId();
  assert.deepEqual(
    (await meters()).map((x) => x.id),
    ['home', 'flat', 'heatpump'],
  );
  assert.equal(m.home!.diagnosis.state, 'ok');
  assert.equal(m.flat!.diagnosis.state, 'ok');
  assert.equal(m.home!.meter_number, '1KFM0200175269');
  assert.equal(m.flat!.meter_number, '181220000009');
  for (let i = 0; i < 20 && (await byId()).heatpump!.diagnosis.state !== 'wrong-key'; i++)
    await new Promise((r) => setTimeout(r, 100));
  m = await byId();
  assert.equal(m.heatpump!.diagnosis.state, 'wrong-key');
  assert.equal(m.heatpump!.telegrams_ok, 0);

  // Solarview: one file per meter, each with its own counters; none for the meter that decodes nothing.
  assert.equal(
    readIfExists(join(dir.path, 'home.txt')),
    '/?!\n/KAIFA\n1.8.0(003744.082*kWh)\n2.8.0(003929.988*kWh)\n!\n',
  );
  assert.equal(
    readIfExists(join(dir.path, 'flat.txt')),
    '/?!\n/KAIFA\n1.8.0(000012.937*kWh)\n2.8.0(000000.000*kWh)\n!\n',
  );
  assert.equal(readIfExists(join(dir.path, 'heatpump.txt')), undefined);

  // MQTT: each meter under its own number, state only from the meters that decode.
  await wait(
    () => sub.on('kaifa/1KFM0200175269/state').length >= 4 && sub.on('kaifa/181220000009/state').length >= 4,
    'both meters state messages',
  );
  const homeState = JSON.parse(sub.on('kaifa/1KFM0200175269/state')[0]!.payload) as Record<string, unknown>;
  const flatState = JSON.parse(sub.on('kaifa/181220000009/state')[0]!.payload) as Record<string, unknown>;
  assert.equal(homeState.energy_import_wh, 3744082);
  assert.equal(flatState.energy_import_wh, 12937);
  const stateTopics = new Set(sub.messages.filter((x) => x.topic.endsWith('/state')).map((x) => x.topic));
  assert.deepEqual([...stateTopics].sort(), ['kaifa/181220000009/state', 'kaifa/1KFM0200175269/state']);

  // History: rows per meter, the selected meter's values only.
  const now = Math.floor(Date.now() / 1000);
  const q = `from=${now - 600}&to=${now + 60}&step=60`;
  const lastOf = async (meter: string, k: string) => {
    const h = await getJson(httpPort, `/api/v1/history?meter=${meter}&${q}`);
    return ((h.series as Record<string, (number | null)[]>)[k] ?? []).filter((v) => v !== null).at(-1);
  };
  // The history sink writes in batches: wait for both meters' rows.
  for (
    let i = 0;
    i < 50 &&
    ((await lastOf('home', 'energy_import_wh')) === undefined ||
      (await lastOf('flat', 'energy_import_wh')) === undefined);
    i++
  )
    await new Promise((r) => setTimeout(r, 200));
  assert.equal(await lastOf('home', 'energy_import_wh'), 3744082);
  assert.equal(await lastOf('flat', 'energy_import_wh'), 12937);
  const none = await fetch(`http://127.0.0.1:${httpPort}/api/v1/history?meter=heatpump&${q}`);
  assert.equal(none.status, 200);
  const noneBody = (await none.json()) as { series: Record<string, (number | null)[]> };
  assert.ok(
    Object.values(noneBody.series).every((col) => col.every((v) => v === null)),
    'rows for the wrong-key meter',
  );

  // /metrics: the meter label, one series per meter.
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  assert.match(metrics, /kaifareader_energy_import_joules_total\{[^}]*meter="home"[^}]*\} 13478695200\b/);
  assert.match(metrics, /kaifareader_energy_import_joules_total\{[^}]*meter="flat"[^}]*\} 46573200\b/);
  assert.doesNotMatch(metrics, /kaifareader_energy_import_joules_total\{[^}]*meter="heatpump"/);

  // Unplug the flat's adapter: only the flat says so; home keeps decoding; replugged, the flat reads again.
  await flat.close();
  await wait(
    () => /\[source:flat\].*port lost|\[meter:flat\] diagnosis: port-error/.test(log()),
    'flat unplugged',
  );
  await send(home, VKW.frames_hex);
  m = await byId();
  assert.equal(m.flat!.diagnosis.state, 'port-error');
  assert.equal(m.home!.diagnosis.state, 'ok');
  assert.equal(m.heatpump!.diagnosis.state, 'wrong-key');
  const flatBefore = m.flat!.telegrams_ok;
  flat = await createPtyPair(flatPaths);
  await wait(() => holdsOpen(daemon.pid, flatPaths.b), 'flat reopened');
  await send(flat, EVN.frames_hex);
  await send(flat, EVN.frames_hex);
  for (let i = 0; i < 40 && (await byId()).flat!.telegrams_ok <= flatBefore; i++)
    await new Promise((r) => setTimeout(r, 100));
  m = await byId();
  assert.ok(m.flat!.telegrams_ok > flatBefore, 'the flat decodes again after replugging');
  assert.equal(m.flat!.diagnosis.state, 'ok');
  assert.match(log(), /\[meter:flat\] telegrams decode again \(was: port-error\)/);
  assert.doesNotMatch(log(), /\[meter:home\] diagnosis/);

  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
  for (const k of [VKW.key_hex!, EVN.key_hex!, WRONG_KEY]) assert.doesNotMatch(log(), new RegExp(k, 'i'));
});
