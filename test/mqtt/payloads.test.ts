/** Pure MQTT formatting: exact state, discovery and legacy payloads for the vorarlberg vector; error texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toLegacyMessages,
  toPythonFloatText,
  toStateMessage,
  toValueMessages,
} from '../../src/sinks/mqtt/state-payload.js';
import {
  DIAGNOSIS_STATES,
  toDeviceDiscovery,
  type DiscoveryOptions,
} from '../../src/sinks/mqtt/discovery.js';
import { stateTopic, toTopicId } from '../../src/sinks/mqtt/topics.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { explainBrokerError } from '../../src/sinks/mqtt/broker-errors.js';
import { toDiagnosticsObject } from '../../src/sinks/mqtt/diagnostics.js';
import type { DaemonStatus } from '../../src/status/status.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPECTED_STATE, vorarlbergSnapshot } from './fixtures/vorarlberg.js';

const RECEIVED = Date.parse('2023-07-26T18:05:21Z');
const snapshot = vorarlbergSnapshot(RECEIVED);
const opts = { baseTopic: 'kaifareader', prefix: 'homeassistant' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The device config's entities by component id (the old per-entity topic's object id). */
function components(s: MeterSnapshot, o: DiscoveryOptions = opts): Record<string, Json> {
  return (JSON.parse(toDeviceDiscovery(s, o).payload) as Json).cmps as Record<string, Json>;
}

test('state payload: every reading under its key, meter time with offset, received_at ISO', () => {
  const m = toStateMessage('kaifareader', snapshot);
  assert.equal(m.topic, 'kaifareader/1KFM0200175269/state');
  assert.equal(m.payload, EXPECTED_STATE);
  assert.equal(m.retain, false);
});

test('per-value topics carry bare values', () => {
  const byTopic = new Map(toValueMessages('kaifareader', snapshot).map((m) => [m.topic, m.payload]));
  assert.equal(byTopic.get('kaifareader/1KFM0200175269/energy_import_wh'), '3744082');
  assert.equal(byTopic.get('kaifareader/1KFM0200175269/voltage_l2_v'), '232.8');
  assert.equal(byTopic.get('kaifareader/1KFM0200175269/device_name'), 'KFM1200200175269');
  assert.equal(byTopic.has('kaifareader/1KFM0200175269/meter_time'), false);
  assert.equal(byTopic.size, 14);
});

test('legacy topics: kWh as paho-mqtt str(float), like the old Python tool', () => {
  assert.deepEqual(
    toLegacyMessages('kaifareader', snapshot).map((m) => [m.topic, m.payload, m.retain]),
    [
      ['kaifareader/RealEnergyIn_S', '3744.082', false],
      ['kaifareader/RealEnergyOut_S', '3929.988', false],
    ],
  );
  // Python: str(3744000/1000) == '3744.0', str(0/1000) == '0.0', str(1313361/1000) == '1313.361'
  assert.deepEqual([3744, 0, 1313.361].map(toPythonFloatText), ['3744.0', '0.0', '1313.361']);
  const noExport = { ...snapshot, readings: snapshot.readings.filter((r) => r.obis !== '1.0.2.8.0.255') };
  assert.deepEqual(
    toLegacyMessages('base/', noExport).map((m) => m.topic),
    ['base/RealEnergyIn_S'],
  );
});

// both must say `online` (mode all): the daemon's last will and the meter's own silence (availability.ts)
const AVAILABILITY = [{ topic: 'kaifareader/status' }, { topic: 'kaifareader/1KFM0200175269/availability' }];

const DEVICE = {
  identifiers: ['kaifareader_1KFM0200175269'],
  name: 'Kaifa MA309 1KFM0200175269',
  serial_number: '1KFM0200175269',
  manufacturer: 'Kaifa',
  model: 'MA309',
};

test('device discovery: topic, device, origin and the exact entity of an energy counter', () => {
  const m = toDeviceDiscovery(snapshot, {
    ...opts,
    swVersion: '0.1.0',
    supportUrl: 'https://example.org/help',
  });
  assert.equal(m.topic, 'homeassistant/device/kaifareader_1KFM0200175269/config');
  assert.equal(m.retain, true);
  const p = JSON.parse(m.payload) as Json;
  assert.deepEqual(Object.keys(p), ['dev', 'o', 'cmps']);
  assert.deepEqual(p.dev, DEVICE);
  assert.deepEqual(p.o, { name: 'kaifareader', sw: '0.1.0', url: 'https://example.org/help' });
  assert.doesNotMatch(m.payload, /object_id|default_entity_id/);
  assert.deepEqual(p.cmps.energy_import_wh, {
    p: 'sensor',
    name: 'Active energy import (A+)',
    unique_id: 'kaifareader_1KFM0200175269_energy_import_wh',
    state_topic: 'kaifareader/1KFM0200175269/state',
    value_template: '{{ value_json.energy_import_wh }}',
    availability: AVAILABILITY,
    availability_mode: 'all',
    payload_available: 'online',
    payload_not_available: 'offline',
    device_class: 'energy',
    state_class: 'total_increasing',
    unit_of_measurement: 'Wh',
  });
  // without a version or URL the origin is just the name
  assert.deepEqual(JSON.parse(toDeviceDiscovery(snapshot, opts).payload).o, { name: 'kaifareader' });
});

test('device discovery: grid_power_w is power/measurement in W; the diagnosis entities follow the daemon only', () => {
  const cmps = components(snapshot, { ...opts, expireAfter: 60 });
  assert.deepEqual(cmps.grid_power_w, {
    p: 'sensor',
    name: 'Grid power (import − export)',
    unique_id: 'kaifareader_1KFM0200175269_grid_power_w',
    state_topic: 'kaifareader/1KFM0200175269/state',
    value_template: '{{ value_json.grid_power_w }}',
    availability: AVAILABILITY,
    availability_mode: 'all',
    payload_available: 'online',
    payload_not_available: 'offline',
    device_class: 'power',
    state_class: 'measurement',
    unit_of_measurement: 'W',
    expire_after: 60,
  });
  const diag = (key: string, name: string) => ({
    p: 'sensor',
    name,
    unique_id: `kaifareader_1KFM0200175269_${key}`,
    state_topic: 'kaifareader/1KFM0200175269/diagnostics',
    value_template: `{{ value_json.${key} }}`,
    availability: [{ topic: 'kaifareader/status' }],
    payload_available: 'online',
    payload_not_available: 'offline',
    entity_category: 'diagnostic',
  });
  assert.deepEqual(cmps.diagnosis, {
    ...diag('diagnosis', 'Diagnosis'),
    device_class: 'enum',
    options: [
      'ok',
      'starting',
      'no-bytes',
      'no-frames',
      'wrong-key',
      'key-missing',
      'unknown-layout',
      'port-error',
    ],
  });
  assert.deepEqual(DIAGNOSIS_STATES, cmps.diagnosis.options);
  assert.deepEqual(cmps.telegrams_ok, {
    ...diag('telegrams_ok', 'Telegrams decoded'),
    state_class: 'total_increasing',
  });
  assert.deepEqual(cmps.telegram_errors, {
    ...diag('telegram_errors', 'Telegram errors'),
    state_class: 'total_increasing',
  });
  assert.deepEqual(cmps.last_telegram_at, {
    ...diag('last_telegram_at', 'Last telegram'),
    device_class: 'timestamp',
  });
  // expire_after guards the readings only: a silent meter's diagnosis must stay readable
  assert.equal(cmps.energy_import_wh?.expire_after, 60);
  assert.equal(Object.hasOwn(cmps.diagnosis, 'expire_after'), false);
  // a meter that sends only one of the two powers gets no grid power entity
  const importOnly = { ...snapshot, readings: snapshot.readings.filter((r) => r.key !== 'power_export_w') };
  assert.equal(components(importOnly).grid_power_w, undefined);
});

test('discovery: text sensors have no class, the meter clock is a timestamp', () => {
  const byKey = new Map(Object.entries(components(snapshot)));
  assert.deepEqual(byKey.get('meter_number'), {
    p: 'sensor',
    name: 'Meter number',
    unique_id: 'kaifareader_1KFM0200175269_meter_number',
    state_topic: 'kaifareader/1KFM0200175269/state',
    value_template: '{{ value_json.meter_number }}',
    availability: AVAILABILITY,
    availability_mode: 'all',
    payload_available: 'online',
    payload_not_available: 'offline',
    entity_category: 'diagnostic',
  });
  const clock = byKey.get('meter_time')!;
  assert.equal(clock.device_class, 'timestamp');
  assert.equal(clock.value_template, '{{ value_json.meter_time }}');
  assert.equal(clock.state_class, undefined);
  assert.equal(clock.unit_of_measurement, undefined);
});

test('discovery: classes and units per reading (reactive is never energy)', () => {
  const table: [string, string | undefined, string | undefined, string | undefined][] = [
    ['meter_time', 'timestamp', undefined, undefined],
    ['meter_number', undefined, undefined, undefined],
    ['device_name', undefined, undefined, undefined],
    ['voltage_l1_v', 'voltage', 'measurement', 'V'],
    ['voltage_l2_v', 'voltage', 'measurement', 'V'],
    ['voltage_l3_v', 'voltage', 'measurement', 'V'],
    ['current_l1_a', 'current', 'measurement', 'A'],
    ['current_l2_a', 'current', 'measurement', 'A'],
    ['current_l3_a', 'current', 'measurement', 'A'],
    ['power_import_w', 'power', 'measurement', 'W'],
    ['power_export_w', 'power', 'measurement', 'W'],
    ['energy_import_wh', 'energy', 'total_increasing', 'Wh'],
    ['energy_export_wh', 'energy', 'total_increasing', 'Wh'],
    ['reactive_energy_import_varh', 'reactive_energy', 'total_increasing', 'varh'],
    ['reactive_energy_export_varh', 'reactive_energy', 'total_increasing', 'varh'],
    ['grid_power_w', 'power', 'measurement', 'W'],
    // the last closed quarter hour: one period's energy (state class total, last_reset = its start)
    ['energy_15min_import_wh', 'energy', 'total', 'Wh'],
    ['energy_15min_export_wh', 'energy', 'total', 'Wh'],
    ['energy_15min_current_import_wh', 'energy', 'total', 'Wh'],
    ['energy_15min_current_export_wh', 'energy', 'total', 'Wh'],
    ['energy_15min_status', 'enum', undefined, undefined],
    ['diagnosis', 'enum', undefined, undefined],
    ['telegrams_ok', undefined, 'total_increasing', undefined],
    ['telegram_errors', undefined, 'total_increasing', undefined],
    ['last_telegram_at', 'timestamp', undefined, undefined],
  ];
  const got = Object.entries(components(snapshot)).map(([key, p]) => {
    // the component id is the old topic's object id, the unique_id the old one
    assert.equal(p.unique_id, `kaifareader_1KFM0200175269_${key}`);
    return [key, p.device_class, p.state_class, p.unit_of_measurement];
  });
  assert.deepEqual(got, table);
  const q = components(snapshot).energy_15min_import_wh!;
  assert.equal(q.state_topic, 'kaifareader/1KFM0200175269/energy_15min/last');
  assert.equal(q.value_template, '{{ value_json.import_wh }}');
  assert.equal(q.last_reset_value_template, '{{ value_json.start }}');
  const now = components(snapshot).energy_15min_current_import_wh!;
  assert.equal(now.state_topic, 'kaifareader/1KFM0200175269/energy_15min/current');
});

test('discovery: codes outside the catalog get classes from their unit; power factor has none', () => {
  const s = {
    ...snapshot,
    readings: [
      {
        obis: '1.0.99.99.0.255',
        key: 'obis_1_0_99_99_0_255',
        name: 'OBIS 1.0.99.99.0.255',
        value: 5,
        unit: 'var',
      },
      { obis: '1.0.13.7.0.255', key: 'power_factor', name: 'Power factor', value: 0.98 },
      { obis: '1.0.98.7.0.255', key: 'obis_1_0_98_7_0_255', name: 'OBIS 1.0.98.7.0.255', value: 7 },
    ],
  };
  const got = Object.values(components(s)).slice(1, 4);
  assert.deepEqual(
    got.map((p) => [p.device_class, p.state_class, p.unit_of_measurement]),
    [
      ['reactive_power', 'measurement', 'var'],
      ['power_factor', 'measurement', undefined],
      [undefined, undefined, undefined],
    ],
  );
});

test('topics: meter ids with topic wildcards or slashes are made safe', () => {
  assert.equal(toTopicId('AB/12+#x y'), 'AB_12__x_y');
  assert.equal(stateTopic('home/meter/', 'A/B'), 'home/meter/A_B/state');
  assert.equal(toTopicId(''), 'unknown');
});

test('broker errors say what to do and never include the password', () => {
  const url = 'mqtt://user:secret@broker.lan:1884';
  const table: [unknown, BrokerKind, RegExp][] = [
    [
      { code: 'ECONNREFUSED' },
      'unreachable',
      /^broker not reachable at broker\.lan:1884 — is mosquitto running\?$/,
    ],
    [{ code: 'ENOTFOUND' }, 'dns', /host .* not found/],
    [
      { code: 4, message: 'Connection refused: Bad username or password' },
      'credentials',
      /refused the username\/password/,
    ],
    [
      { code: 5, message: 'Connection refused: Not authorized' },
      'not-authorized',
      /refused the username\/password/,
    ],
    [{ code: 134 }, 'credentials', /refused the username\/password/],
    [{ code: 135 }, 'not-authorized', /refused the username\/password/],
    [
      { code: 'SELF_SIGNED_CERT_IN_CHAIN' },
      'tls',
      /certificate not trusted .* set exports\.mqtt\.tls\.ca_file/,
    ],
    [
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      'tls',
      /certificate not trusted .* set exports\.mqtt\.tls\.ca_file/,
    ],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'tls', /does not name the host/],
    [
      { code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'wrong version number' },
      'tls',
      /does the port speak TLS/,
    ],
    [new Error('something odd'), 'other', /failed: something odd/],
  ];
  for (const [err, kind, re] of table) {
    const e = explainBrokerError(err, url);
    assert.equal(e.kind, kind, JSON.stringify(err));
    assert.match(e.message, re);
    assert.ok(!e.message.includes('secret'));
  }
  assert.match(explainBrokerError({ code: 'ECONNREFUSED' }, 'mqtts://h').message, /at h:8883/);
});
type BrokerKind = ReturnType<typeof explainBrokerError>['kind'];

test('diagnostics: daemon counters, diagnosis and outbox in snake_case', () => {
  const status: DaemonStatus = {
    startedAt: Date.parse('2024-01-01T00:00:00Z'),
    source: '/dev/ttyUSB0 2400 8N1',
    sourceConnected: true,
    bytesReceived: 1000,
    framesOk: 8,
    telegramsOk: 4,
    errorsByCode: { 'mbus.checksum': 2 },
    lastError: { code: 'mbus.checksum', message: 'bad checksum', at: Date.parse('2024-01-01T00:01:00Z') },
    lastTelegramAt: Date.parse('2024-01-01T00:02:00Z'),
    meterId: '1KFM0200175269',
    diagnosis: { state: 'ok', hint: 'reading the meter' },
    meters: [
      {
        meter: 'default',
        source: '/dev/ttyUSB0 2400 8N1',
        sourceConnected: true,
        bytesReceived: 1000,
        framesOk: 8,
        telegramsOk: 4,
        errorsByCode: { 'mbus.checksum': 2 },
        lastError: { code: 'mbus.checksum', message: 'bad checksum', at: Date.parse('2024-01-01T00:01:00Z') },
        lastTelegramAt: Date.parse('2024-01-01T00:02:00Z'),
        meterId: '1KFM0200175269',
        diagnosis: { state: 'ok', hint: 'reading the meter' },
      },
    ],
    sinks: {},
  };
  assert.deepEqual(
    toDiagnosticsObject(status, { backlog: 3, dropped: 1 }, Date.parse('2024-01-01T00:03:00Z')),
    {
      at: '2024-01-01T00:03:00.000Z',
      diagnosis: { state: 'ok', hint: 'reading the meter' },
      source: '/dev/ttyUSB0 2400 8N1',
      source_connected: true,
      bytes_received: 1000,
      frames_ok: 8,
      telegrams_ok: 4,
      errors_by_code: { 'mbus.checksum': 2 },
      last_error: { code: 'mbus.checksum', message: 'bad checksum', at: '2024-01-01T00:01:00.000Z' },
      last_telegram_at: '2024-01-01T00:02:00.000Z',
      meter_id: '1KFM0200175269',
      started_at: '2024-01-01T00:00:00.000Z',
      meters: [
        {
          id: 'default',
          name: null,
          meter_id: '1KFM0200175269',
          diagnosis: { state: 'ok', hint: 'reading the meter' },
          source: '/dev/ttyUSB0 2400 8N1',
          source_connected: true,
          bytes_received: 1000,
          frames_ok: 8,
          telegrams_ok: 4,
          errors_by_code: { 'mbus.checksum': 2 },
          last_error: { code: 'mbus.checksum', message: 'bad checksum', at: '2024-01-01T00:01:00.000Z' },
          last_telegram_at: '2024-01-01T00:02:00.000Z',
        },
      ],
      outbox_backlog: 3,
      outbox_dropped: 1,
    },
  );
  assert.deepEqual(toDiagnosticsObject(undefined, { backlog: 0, dropped: 0 }, 0), {
    at: '1970-01-01T00:00:00.000Z',
    outbox_backlog: 0,
    outbox_dropped: 0,
  });
});

test('only mqtt-client.ts imports the mqtt library; the pure modules import no node I/O', () => {
  const dir = new URL('../../src/sinks/mqtt/', import.meta.url).pathname;
  const pure = [
    'topics.ts',
    'state-payload.ts',
    'discovery.ts',
    'diagnostics.ts',
    'availability.ts',
    'broker-errors.ts',
    'discovery-migration.ts',
    'device-discovery.ts',
    'types.ts',
  ];
  for (const file of readdirSync(dir)) {
    const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    assert.equal(imports.includes('mqtt'), file === 'mqtt-client.ts', file);
    if (pure.includes(file))
      assert.deepEqual(
        imports.filter((i) => i.startsWith('node:')),
        [],
        file,
      );
  }
});

/** A real vector decoded by the real decoder. */
async function decodedSnapshot(id: string) {
  const { TelegramDecoder } = await import('../../src/pipeline/telegram-decoder.js');
  const { loadVector } = await import('../helpers/vectors.js');
  const v = loadVector(id);
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const d = new TelegramDecoder({
    keys: {
      encryptionKey: hex(v.key_hex!),
      authenticationKey: v.auth_key_hex ? hex(v.auth_key_hex) : undefined,
    },
  });
  const ev = d.push(hex(v.frames_hex.join('')), RECEIVED).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram', id);
  return ev.snapshot;
}

function discoveryFor(s: Awaited<ReturnType<typeof decodedSnapshot>>, key: string): Record<string, unknown> {
  const c = components(s)[key];
  assert.ok(c, key);
  return c;
}

test('DSMR meter stating kWh: the state carries Wh under energy_import_wh and discovery says Wh', async () => {
  const s = await decodedSnapshot('luxembourg-smarty_nexxtlab_1'); // 1-0:1.8.0(000006.695*kWh)
  const state = JSON.parse(toStateMessage('kaifareader', s).payload) as Record<string, unknown>;
  assert.equal(state.energy_import_wh, 6695);
  const d = discoveryFor(s, 'energy_import_wh');
  assert.equal(d.unit_of_measurement, 'Wh');
  assert.equal(d.device_class, 'energy');
});

test('a bare number without unit (a Kamstrup register outside the catalog) claims no HA device class or unit', async () => {
  // Kamstrup's currents now carry their documented implied unit (0.01 A → A); 1.1.0.0.1.255 stays a bare number.
  const s = await decodedSnapshot('kamstrup-omnipower_dlmsparser_1');
  const bare = s.readings.find((r) => r.obis === '1.1.0.0.1.255');
  assert.deepEqual([bare?.value, bare?.unit], [12343400, undefined]);
  const d = discoveryFor(s, bare!.key);
  assert.equal(d.device_class, undefined);
  assert.equal(d.unit_of_measurement, undefined);
  assert.equal(discoveryFor(s, 'current_l1_a').unit_of_measurement, 'A');
});

test('legacy topics follow the quantity table: channel B = 1 counts, a billing period (F = 101) does not', async () => {
  const k = await decodedSnapshot('kamstrup-omnipower_dlmsparser_1'); // 1.1.1.8.0.255 = 63074980 Wh
  assert.deepEqual(
    toLegacyMessages('kaifareader', k).map((m) => [m.topic, m.payload]),
    [
      ['kaifareader/RealEnergyIn_S', '63074.98'],
      ['kaifareader/RealEnergyOut_S', '0.0'],
    ],
  );
  const billing = {
    ...snapshot,
    readings: snapshot.readings.map((r) =>
      r.obis === '1.0.1.8.0.255' ? { ...r, obis: '1.0.1.8.0.101' } : r,
    ),
  };
  assert.deepEqual(
    toLegacyMessages('kaifareader', billing).map((m) => m.topic),
    ['kaifareader/RealEnergyOut_S'],
  );
});

test('DSMR meter stating kWh: the legacy topic still carries the kWh figure the meter showed', async () => {
  const s = await decodedSnapshot('luxembourg-smarty_nexxtlab_1'); // 1-0:1.8.0(000006.695*kWh)
  const legacy = new Map(toLegacyMessages('kaifareader', s).map((m) => [m.topic, m.payload]));
  assert.equal(legacy.get('kaifareader/RealEnergyIn_S'), '6.695');
  const value = new Map(toValueMessages('kaifareader', s).map((m) => [m.topic.split('/').at(-1), m.payload]));
  assert.equal(value.get('energy_import_wh'), '6695');
});
