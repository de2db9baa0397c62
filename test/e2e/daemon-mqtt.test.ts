/**
 * The old MQTT configuration end to end: the Python tool's meter.json with `export_format: "MQTT"` and its
 * `export_mqtt_*` keys → real pty → the real daemon → a real mosquitto. The old topics keep working
 * (`<base>/RealEnergyIn_S` in kWh) and everything new is on by default: the JSON state topic, Home Assistant
 * discovery, availability (online, and offline on SIGTERM).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPtyPair } from '../helpers/pty.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { loadVector } from '../helpers/vectors.js';
import { subscribe } from '../mqtt/fixtures/support.js';
import { runCli, waitUntil } from './helpers/cli-process.js';
import {
  hexBytes,
  holdsOpen,
  makeTempDir,
  openMeterEnd,
  writeLegacyConfig,
} from './helpers/daemon-fixtures.js';

test('old MQTT meter.json: legacy topics, state JSON, HA discovery and availability from the real daemon', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['#']);
  t.after(() => sub.end());
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const v = loadVector('vorarlberg_philippsev-vkw_1');
  const config = writeLegacyConfig(dir.path, {
    port: pty.b,
    key_hex_string: v.key_hex,
    logfile: undefined,
    export_format: 'MQTT',
    export_file_abspath: undefined,
    export_mqtt_server: '127.0.0.1',
    export_mqtt_port: broker.port,
    export_mqtt_basetopic: 'kaifa',
    data_dir: dir.path, // the MQTT outbox lives here (default /var/lib/kaifareader)
  });
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
    context: log,
    process: daemon,
  });
  await waitUntil(() => sub.on('kaifa/status').some((m) => m.payload === 'online'), 'online', {
    context: log,
  });

  const meter = await openMeterEnd(pty.a);
  t.after(() => meter.close());
  await meter.write(v.frames_hex.map(hexBytes));
  const meterTopic = 'kaifa/1KFM0200175269';
  await waitUntil(() => sub.on(`${meterTopic}/state`).length > 0, 'the state message', { context: log });
  await waitUntil(() => sub.on('kaifa/RealEnergyOut_S').length > 0, 'the legacy topics', { context: log });

  // the old topics, in kWh as the Python tool published them
  assert.deepEqual(
    sub.on('kaifa/RealEnergy').map((m) => [m.topic, m.payload]),
    [
      ['kaifa/RealEnergyIn_S', '3744.082'],
      ['kaifa/RealEnergyOut_S', '3929.988'],
    ],
  );
  // the state JSON: every reading under its stable key, base units
  const state = JSON.parse(sub.on(`${meterTopic}/state`)[0]!.payload) as Record<string, unknown>;
  assert.equal(state.meter_id, '1KFM0200175269');
  assert.equal(state.meter_time, '2023-07-26T20:05:20+02:00');
  assert.equal(state.energy_import_wh, 3744082);
  assert.equal(state.energy_export_wh, 3929988);
  assert.equal(state.voltage_l2_v, 232.8);
  assert.equal(state.current_l1_a, 0.31);
  // signed grid power: import − export of the vector (P+ 53 W, P- 0 W), in the state and as a bare topic
  assert.equal(state.grid_power_w, 53);
  await waitUntil(() => sub.on(`${meterTopic}/grid_power`).length > 0, 'grid_power', { context: log });
  assert.equal(sub.on(`${meterTopic}/grid_power`)[0]!.payload, '53');
  // Home Assistant device discovery: one retained config for the meter, every reading under `cmps`,
  // energy-dashboard ready (the contract changed from one config per entity to one per device)
  const deviceTopic = 'homeassistant/device/kaifareader_1KFM0200175269/config';
  await waitUntil(() => sub.on(deviceTopic).length > 0, 'discovery', { context: log });
  const device = sub.on(deviceTopic)[0]!;
  assert.deepEqual(sub.on('homeassistant/sensor/'), [], 'no per-entity configs on a fresh broker');
  // retained: a client that subscribes later (Home Assistant after a restart) still gets it
  const late = await subscribe(broker.url, [deviceTopic]);
  t.after(() => late.end());
  await waitUntil(() => late.messages.length > 0, 'the retained discovery config', { context: log });
  assert.equal(late.messages[0]!.retain, true);
  const discovered = JSON.parse(device.payload) as {
    dev: Record<string, unknown>;
    o: Record<string, unknown>;
    cmps: Record<string, Record<string, unknown>>;
  };
  assert.deepEqual(discovered.dev.identifiers, ['kaifareader_1KFM0200175269']);
  assert.equal(discovered.o.name, 'kaifareader');
  assert.equal(
    discovered.o.sw,
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
  );
  const cfg = discovered.cmps.energy_import_wh!;
  assert.equal(cfg.p, 'sensor');
  assert.equal(cfg.unique_id, 'kaifareader_1KFM0200175269_energy_import_wh');
  assert.equal(cfg.device_class, 'energy');
  assert.equal(cfg.state_class, 'total_increasing');
  assert.equal(cfg.unit_of_measurement, 'Wh');
  assert.equal(cfg.state_topic, `${meterTopic}/state`);
  assert.deepEqual(
    [discovered.cmps.grid_power_w?.device_class, discovered.cmps.grid_power_w?.state_class],
    ['power', 'measurement'],
  );
  assert.equal(discovered.cmps.diagnosis?.device_class, 'enum');
  // the daemon's status and the meter's own availability, both needed (availability_mode all)
  assert.deepEqual(cfg.availability, [{ topic: 'kaifa/status' }, { topic: `${meterTopic}/availability` }]);
  assert.equal(cfg.availability_mode, 'all');
  assert.equal(sub.on(`${meterTopic}/availability`)[0]?.payload, 'online');

  const exit = await daemon.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  await waitUntil(() => sub.on('kaifa/status').at(-1)?.payload === 'offline', 'offline on shutdown', {
    context: log,
  });
  assert.equal(
    sub.on(`${meterTopic}/availability`).at(-1)?.payload,
    'offline',
    'the meter offline, before the daemon',
  );
  assert.doesNotMatch(log(), new RegExp(v.key_hex!, 'i'));
});
