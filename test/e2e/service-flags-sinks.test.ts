/**
 * The daemon under the systemd unit's own environment (the `Environment=` lines of
 * packaging/kaifareader.service: `--jitless`, which also removes WebAssembly) with every network sink on: the
 * recorded Vorarlberg telegram arrives over MQTT and ends in PostgreSQL, VictoriaMetrics (line protocol), the
 * MQTT state topic and the history. Node 20's `fetch` and `pg`'s load-time runtime probe both reach undici's
 * WebAssembly parser and ended the process under these flags; the other tests run with the JIT and never saw it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../helpers/mosquitto.js';
import { PG_PASSWORD, postgresUnavailable, startPostgres } from '../helpers/postgres.js';
import { startVictoriaMetrics, tsdbUnavailable, vmExport } from '../helpers/tsdb.js';
import { subscribe } from '../mqtt/fixtures/support.js';
import { ROOT, freePort, runCli, waitUntil } from './helpers/cli-process.js';
import { makeTempDir, VKW } from './helpers/daemon-fixtures.js';

/** `Environment=` of the unit, as systemd passes it: NODE_OPTIONS, MALLOC_ARENA_MAX. */
function unitEnvironment(): Record<string, string> {
  const unit = readFileSync(join(ROOT, 'packaging', 'kaifareader.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=(?:"([^"]*)"|(\S+))\s*$/gm)) {
    const [k, ...v] = (m[1] ?? m[2]!).split('=');
    env[k!] = v.join('=');
  }
  return env;
}

test(
  "the unit's flags (--jitless) with PostgreSQL, line protocol, MQTT and history: a telegram reaches every one",
  { skip: postgresUnavailable() ?? tsdbUnavailable('victoria-metrics') ?? false, timeout: 90_000 },
  async (t) => {
    const env = unitEnvironment();
    assert.match(env.NODE_OPTIONS ?? '', /--jitless/, 'the unit runs jitless: this test is about that');
    const dir = makeTempDir();
    t.after(() => dir.remove());
    const [broker, pg, vm] = await Promise.all([startMosquitto(), startPostgres(), startVictoriaMetrics()]);
    t.after(() => Promise.all([broker.close(), pg!.close(), vm.close()]));
    const port = await freePort();
    const config = join(dir.path, 'meter.json');
    writeFileSync(
      config,
      JSON.stringify({
        meters: [
          { id: 'house', source: `mqtt://127.0.0.1:${broker.port}/site/house/telegram`, key: VKW.key_hex },
        ],
        data_dir: join(dir.path, 'data'),
        http: { host: '127.0.0.1', port },
        exports: {
          postgresql: { url: pg!.url, password: PG_PASSWORD },
          line_protocol: { url: `${vm.base}/write` },
          mqtt: { url: broker.url },
          history: { path: join(dir.path, 'data', 'history.db') },
        },
      }),
      { mode: 0o600 },
    );
    const daemon = runCli(['run', '--config', config], env);
    t.after(() => daemon.stop('SIGKILL'));
    const log = () => daemon.stderr();
    await waitUntil(() => log().includes('dashboard on'), 'the daemon', { context: log, process: daemon });
    const state = await subscribe(broker.url, ['kaifareader/+/state'], { clean: true });
    t.after(() => state.end());
    await waitUntil(
      async () => {
        const s = (await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json()) as {
          meters: { source_connected: boolean }[];
        };
        return s.meters[0]!.source_connected;
      },
      'subscribed',
      { context: log, process: daemon },
    );
    await state.publish('site/house/telegram', VKW.frames_hex.join(''));

    const pgRow = () => {
      try {
        return pg!.sql('SELECT meter, energy_import_wh, energy_export_wh FROM kaifareader_readings').trim();
      } catch {
        return '';
      }
    };
    await waitUntil(() => pgRow() !== '', 'the PostgreSQL row', {
      context: log,
      process: daemon,
      timeoutMs: 20_000,
    });
    // the values the meter showed (shared/vectors: 1.8.0 3744082 Wh, 2.8.0 3929988 Wh)
    assert.equal(pgRow(), 'house|3744082|3929988');
    await waitUntil(
      async () =>
        (await vmExport(vm, '{__name__="kaifareader_energy_import_wh",meter="house"}')).length === 1,
      'the VictoriaMetrics point',
      { context: log, process: daemon, timeoutMs: 20_000 },
    );
    const [series] = await vmExport(vm, '{__name__="kaifareader_energy_import_wh",meter="house"}');
    assert.deepEqual(series!.values, [3744082]);
    await waitUntil(() => state.messages.length >= 1, 'the MQTT state', { context: log, process: daemon });
    assert.equal(
      (JSON.parse(state.messages[0]!.payload) as { energy_import_wh: number }).energy_import_wh,
      3744082,
    );
    assert.equal(daemon.exit(), undefined, `the daemon died:\n${log()}`);
    assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
    assert.doesNotMatch(log(), /WebAssembly|ReferenceError/);
  },
);
