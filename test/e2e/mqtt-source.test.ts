/**
 * Telegrams in over MQTT, end to end with real processes: `kaifareader bridge` reads a socat pty (the meter
 * writes its frames in pieces) and publishes complete telegrams to mosquitto; a daemon whose meter has
 * `source: "mqtt://…/meters/house"` decodes them. Also hex text and {"hex": …} payloads from other bridges, a
 * replayed telegram refused by its invocation counter (`replay.suspected`, not exported), and two daemons on a
 * shared subscription (`$share/…`) splitting simulated telegrams: each decoded exactly once across the two.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { loadVector } from '../helpers/vectors.js';
import { subscribe } from '../mqtt/fixtures/support.js';
import { freePort, runCli, waitUntil, type CliProcess } from './helpers/cli-process.js';
import { hexBytes, holdsOpen, makeTempDir, openMeterEnd } from './helpers/daemon-fixtures.js';
import { createTelegramFactory, DEMO_KEY } from '../../src/simulator/simulated-meter.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1');

interface ApiMeter {
  id: string;
  telegrams_ok: number;
}
interface ApiStatus {
  errors_by_code: Record<string, number>;
}

async function startDaemon(
  t: test.TestContext,
  dir: string,
  name: string,
  meter: Record<string, unknown>,
): Promise<{
  daemon: CliProcess;
  port: number;
  meters: () => Promise<ApiMeter[]>;
  status: () => Promise<ApiStatus>;
}> {
  const port = await freePort();
  const config = join(dir, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      meters: [meter],
      data_dir: join(dir, name),
      http: { host: '127.0.0.1', port },
    }),
    { mode: 0o600 },
  );
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  await waitUntil(() => daemon.stderr().includes('dashboard on'), 'the daemon', {
    context: () => daemon.stderr(),
    process: daemon,
  });
  const get = async <T>(path: string) => (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as T;
  return {
    daemon,
    port,
    meters: async () => (await get<{ meters: ApiMeter[] }>('/api/v1/meters')).meters,
    status: () => get<ApiStatus>('/api/v1/status'),
  };
}

test('bridge → mosquitto → daemon: complete telegrams decode; hex text and JSON payloads too; a replay is refused', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const topic = 'meters/house';
  const { daemon, meters, status } = await startDaemon(t, dir.path, 'decoder', {
    id: 'house',
    source: `mqtt://127.0.0.1:${broker.port}/${topic}`,
    key: VKW.key_hex,
  });
  const log = () => daemon.stderr();
  const wait = (check: () => boolean | Promise<boolean>, what: string) =>
    waitUntil(check, what, { context: log, process: daemon, timeoutMs: 15_000 });
  await wait(() => /\[source:house\]|reading|dashboard/.test(log()), 'started');

  const pty = await createPtyPair();
  t.after(() => pty.close());
  const bridge = runCli(['bridge', '--port', pty.b, '--mqtt', `mqtt://127.0.0.1:${broker.port}/${topic}`]);
  t.after(() => bridge.stop('SIGKILL'));
  await waitUntil(() => holdsOpen(bridge.pid, pty.b) && /publishing to/.test(bridge.stderr()), 'the bridge', {
    context: () => bridge.stderr(),
    process: bridge,
  });
  const m = await openMeterEnd(pty.a);
  t.after(() => m.close());
  await m.write(VKW.frames_hex.map(hexBytes), 11); // the meter's frames in 11-byte pieces
  await wait(async () => (await meters())[0]!.telegrams_ok === 1, 'the telegram through the bridge');
  assert.match(log(), /\[meter:house\] 1KFM0200175269: 1\.8\.0 3744\.082 kWh/);

  // The same telegram again (a duplicate or a replay): refused by its invocation counter, not exported.
  const pub = await subscribe(broker.url, ['none'], { clean: true });
  t.after(() => pub.end());
  await pub.publish(topic, VKW.frames_hex.join(''));
  await wait(
    async () => ((await status()).errors_by_code['replay.suspected'] ?? 0) === 1,
    'the replay counted',
  );
  assert.equal((await meters())[0]!.telegrams_ok, 1);
  assert.match(
    log(),
    /telegram refused \[replay\.suspected\]: invocation counter \d+ of 4B464D\w+ did not increase/,
  );

  // hex text and JSON from other bridges: accepted (new telegrams from the simulated meter with the demo key
  // would need another config; here it is enough that the payload forms reach the decoder: a replay again).
  await pub.publish(topic, JSON.stringify({ hex: VKW.frames_hex.join(' ') }));
  await wait(
    async () => ((await status()).errors_by_code['replay.suspected'] ?? 0) === 2,
    'the JSON payload decoded',
  );
  assert.deepEqual(await bridge.stop('SIGTERM'), { code: 0, signal: null });
  assert.match(bridge.stderr(), /bridge: 1 telegram\(s\) published/);
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
});

test('two daemons on a shared subscription split 20 simulated telegrams: each decoded exactly once across both', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const shared = `mqtt://127.0.0.1:${broker.port}/$share/decoders/meters/sim`;
  const a = await startDaemon(t, dir.path, 'a', {
    id: 'sim',
    source: { mqtt: shared, client_id: 'decoder-a' },
    key: DEMO_KEY,
  });
  const b = await startDaemon(t, dir.path, 'b', {
    id: 'sim',
    source: { mqtt: shared, client_id: 'decoder-b' },
    key: DEMO_KEY,
  });
  // both subscribed (the broker hands shared messages only to connected members)
  await new Promise((r) => setTimeout(r, 1000));
  const pub = await subscribe(broker.url, ['none'], { clean: true });
  t.after(() => pub.end());
  const factory = createTelegramFactory({ start: Date.UTC(2026, 11, 2) });
  for (let i = 0; i < 20; i++) {
    const frames = factory.next(Date.UTC(2026, 11, 2) + i * 5000);
    await pub.publish('meters/sim', Buffer.concat(frames).toString('hex'));
  }
  const total = async () => (await a.meters())[0]!.telegrams_ok + (await b.meters())[0]!.telegrams_ok;
  await waitUntil(async () => (await total()) === 20, 'all 20 decoded', { timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await total(), 20, 'a telegram was decoded twice');
  assert.ok(
    (await a.meters())[0]!.telegrams_ok > 0 && (await b.meters())[0]!.telegrams_ok > 0,
    'one instance got everything',
  );
});
