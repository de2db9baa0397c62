/**
 * A fleet end to end (issue 13), every part real: 20 simulated meters, each a TCP server that pushes its own
 * encrypted telegrams (own key, system title, meter number); one `kaifareader bridge` per meter reads it and
 * publishes complete telegrams to mosquitto on `site/<meter id>/telegram`; two decoder instances share the
 * subscription `$share/decoders/site/+/telegram` (the + level names the meter) and write to PostgreSQL and
 * VictoriaMetrics. Mid-run one instance is killed with SIGKILL and started again three seconds later.
 *
 * Judged: every telegram the meters sent is in PostgreSQL exactly once (primary key meter + received_at) and in
 * VictoriaMetrics, each with the time the bridge read it (not when an instance got round to it after the
 * restart); the two instances both decoded part of the fleet; a telegram published again (a replay) is
 * refused by its invocation counter and stored nowhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { startMosquitto } from '../helpers/mosquitto.js';
import { PG_PASSWORD, postgresUnavailable, startPostgres } from '../helpers/postgres.js';
import { startVictoriaMetrics, tsdbUnavailable, vmExport } from '../helpers/tsdb.js';
import { subscribe } from '../mqtt/fixtures/support.js';
import { freePort, runCli, waitUntil, type CliProcess } from './helpers/cli-process.js';
import { makeTempDir } from './helpers/daemon-fixtures.js';
import { meterOptions, simulatedFleet } from '../../src/simulator/fleet.js';
import { createTelegramFactory } from '../../src/simulator/simulated-meter.js';

const METERS = 20;
/** Telegrams per meter, one every PERIOD_MS. */
const PER_METER = 12;
const PERIOD_MS = 400;
/** The killed instance is away this long: a receive time taken after its restart would be this late. */
const DOWN_MS = 3000;
/** Bridge read → the stamp it publishes: the row's received_at lies within this of our write. */
const STAMP_SLACK_MS = 1000;

interface SimMeter {
  id: string;
  key: string;
  server: Server;
  port: number;
  socket?: Socket;
  next: (t: number) => Uint8Array[];
  /** When each telegram was written to the bridge's socket. */
  sent: number[];
  first?: Uint8Array;
}

async function meterServer(m: ReturnType<typeof simulatedFleet>[number]): Promise<SimMeter> {
  const factory = createTelegramFactory(meterOptions(m));
  const server = createServer();
  const sim: SimMeter = { id: m.id, key: m.key, server, port: 0, next: (t) => factory.next(t), sent: [] };
  server.on('connection', (s) => (sim.socket = s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sim.port = (server.address() as { port: number }).port;
  return sim;
}

test(
  'fleet: 20 meters → bridges → mosquitto → two instances (one killed mid-run) → PostgreSQL and VictoriaMetrics, each telegram exactly once',
  { skip: postgresUnavailable() ?? tsdbUnavailable('victoria-metrics') ?? false, timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir();
    t.after(() => dir.remove());
    const [broker, pg, vm] = await Promise.all([startMosquitto(), startPostgres(), startVictoriaMetrics()]);
    t.after(() => Promise.all([broker.close(), pg!.close(), vm.close()]));

    const fleet = simulatedFleet(METERS);
    const sims = await Promise.all(fleet.map(meterServer));
    t.after(() => {
      for (const s of sims) {
        s.socket?.destroy();
        s.server.close();
      }
    });

    // the decoder instances: same meters and keys, their own client id, data dir and HTTP port
    const shared = `mqtt://127.0.0.1:${broker.port}/$share/decoders/site/+/telegram`;
    const instance = async (name: string) => {
      const port = await freePort();
      const config = join(dir.path, `${name}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          meters: fleet.map((m) => ({ id: m.id, source: { mqtt: shared, client_id: name }, key: m.key })),
          data_dir: join(dir.path, name),
          http: { host: '127.0.0.1', port },
          exports: {
            postgresql: { url: pg!.url, password: PG_PASSWORD },
            line_protocol: { url: `${vm.base}/write` },
          },
        }),
        { mode: 0o600 },
      );
      const start = async (): Promise<CliProcess> => {
        const p = runCli(['--config', config]);
        t.after(() => p.stop('SIGKILL'));
        await waitUntil(() => p.stderr().includes('dashboard on'), `${name} started`, {
          context: () => p.stderr(),
          process: p,
          timeoutMs: 20_000,
        });
        return p;
      };
      const status = async () =>
        (await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json()) as {
          errors_by_code: Record<string, number>;
          meters: { meter: string; telegrams_ok: number; source_connected: boolean }[];
        };
      return { name, start, status };
    };
    const a = await instance('decoder-a');
    const b = await instance('decoder-b');
    let procA = await a.start();
    const procB = await b.start();
    const subscribed = () => /as decoder-a /.test(broker.log()) && /as decoder-b /.test(broker.log());
    await waitUntil(subscribed, 'both instances on the broker', { context: () => broker.log() });
    await waitUntil(
      async () => (await a.status()).meters.every((m) => m.source_connected),
      'decoder-a subscribed',
    );
    await waitUntil(
      async () => (await b.status()).meters.every((m) => m.source_connected),
      'decoder-b subscribed',
    );

    // one bridge per meter, as one small machine per site would run it
    const bridges = sims.map((s) =>
      runCli([
        'bridge',
        '--port',
        `tcp://127.0.0.1:${s.port}`,
        '--mqtt',
        `mqtt://127.0.0.1:${broker.port}/site/${s.id}/telegram`,
        '--client-id',
        `bridge-${s.id}`,
      ]),
    );
    for (const br of bridges) t.after(() => br.stop('SIGKILL'));
    await waitUntil(
      () => sims.every((s) => s.socket) && bridges.every((br) => /publishing to/.test(br.stderr())),
      'every bridge reading its meter and connected to the broker',
      { context: () => bridges.map((br) => br.stderr()).join('\n'), timeoutMs: 60_000 },
    );

    // the meters push; decoder-a dies a third of the way in and comes back DOWN_MS later
    let killed = false;
    for (let i = 0; i < PER_METER; i++) {
      const tick = Date.now();
      for (const s of sims) {
        const frames = s.next(tick);
        const bytes = Buffer.concat(frames);
        s.first ??= bytes;
        s.sent.push(Date.now());
        s.socket!.write(bytes);
      }
      if (i === Math.floor(PER_METER / 3) && !killed) {
        killed = true;
        await new Promise((r) => setTimeout(r, 100)); // telegrams in flight at decoder-a
        assert.deepEqual(await procA.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });
        setTimeout(() => {
          void a.start().then((p) => (procA = p));
        }, DOWN_MS);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, PERIOD_MS - (Date.now() - tick))));
    }
    const total = METERS * PER_METER;
    const pgCount = () => Number(pg!.sql('SELECT count(*) FROM kaifareader_readings').trim());
    await waitUntil(() => pgCount() >= total, `all ${total} telegrams in PostgreSQL`, {
      context: () => `${pgCount()} rows\n${procA.stderr()}\n${procB.stderr()}`,
      timeoutMs: 60_000,
    });

    // exactly once per telegram, with the bridge's receive time
    await new Promise((r) => setTimeout(r, 1500)); // anything late (a duplicate) would land now
    assert.equal(pgCount(), total, 'a telegram was stored twice');
    const rows = pg!
      .sql('SELECT meter, received_at FROM kaifareader_readings ORDER BY meter, received_at')
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    for (const s of sims) {
      const times = rows.filter((r) => r[0] === s.id).map((r) => Date.parse(r[1]!));
      assert.equal(times.length, PER_METER, `${s.id}: ${times.length} rows`);
      times.forEach((at, i) => {
        const lag = at - s.sent[i]!;
        assert.ok(
          lag >= -50 && lag <= STAMP_SLACK_MS,
          `${s.id} telegram ${i}: stored with received_at ${lag} ms after it was sent (the bridge's time is kept)`,
        );
      });
    }
    const [sa, sb] = [await a.status(), await b.status()];
    const decoded = (st: typeof sa) => st.meters.reduce((n, m) => n + m.telegrams_ok, 0);
    assert.ok(decoded(sb) > 0, 'decoder-b decoded none');
    assert.ok(decoded(sa) > 0, 'decoder-a decoded none after its restart');

    // VictoriaMetrics: every telegram of every meter, one sample each (a redelivery has the same timestamp)
    await waitUntil(
      async () => {
        const series = await vmExport(vm, '{__name__="kaifareader_energy_import_wh"}');
        return series.reduce((n, x) => n + new Set(x.timestamps).size, 0) === total;
      },
      `all ${total} points in VictoriaMetrics`,
      { timeoutMs: 30_000 },
    );
    const series = await vmExport(vm, '{__name__="kaifareader_energy_import_wh"}');
    assert.deepEqual(
      series.map((x) => [x.metric.meter, new Set(x.timestamps).size]).sort(),
      sims.map((s) => [s.id, PER_METER]).sort(),
    );

    // a replay: the first telegram of a meter published again is refused and stored nowhere
    const pub = await subscribe(broker.url, ['none'], { clean: true });
    t.after(() => pub.end());
    await pub.publish(`site/${sims[3]!.id}/telegram`, Buffer.from(sims[3]!.first!).toString('hex'));
    const replays = async () =>
      ((await a.status()).errors_by_code['replay.suspected'] ?? 0) +
      ((await b.status()).errors_by_code['replay.suspected'] ?? 0);
    await waitUntil(async () => (await replays()) === 1, 'the replay refused');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(pgCount(), total, 'the replayed telegram was stored');
    assert.deepEqual(await procB.stop('SIGTERM'), { code: 0, signal: null });
    assert.deepEqual(await procA.stop('SIGTERM'), { code: 0, signal: null });
  },
);
