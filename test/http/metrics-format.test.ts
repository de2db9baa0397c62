import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { formatMetrics } from '../../src/http/metrics-format.js';
import { metricForObis } from '../../src/http/metrics-catalog.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { fixtureSnapshot, fixtureStatus } from './fixtures.js';

// Expected values worked out by hand: 12937 Wh × 3600 J/Wh = 46 573 200 J; times are ms / 1000.
// `meter` (the configured meter id, issue 11 "/metrics gets a meter label") is on every reading metric and every
// per-meter status sample; apart from that label the text is what it was before many meters.
const EXPECTED = `# HELP kaifareader_info kaifareader version (value is always 1)
# TYPE kaifareader_info gauge
kaifareader_info{version="0.1.0"} 1
# HELP kaifareader_start_time_seconds Daemon start time, unix seconds
# TYPE kaifareader_start_time_seconds gauge
kaifareader_start_time_seconds 1632728000
# HELP kaifareader_source_connected Whether the byte source is open (1) or not (0)
# TYPE kaifareader_source_connected gauge
kaifareader_source_connected{meter="default"} 1
# HELP kaifareader_received_bytes_total Bytes read from the source
# TYPE kaifareader_received_bytes_total counter
kaifareader_received_bytes_total{meter="default"} 123456
# HELP kaifareader_frames_total Link-layer frames with a valid checksum
# TYPE kaifareader_frames_total counter
kaifareader_frames_total{meter="default"} 334
# HELP kaifareader_telegrams_total Telegrams decoded into readings
# TYPE kaifareader_telegrams_total counter
kaifareader_telegrams_total{meter="default"} 167
# HELP kaifareader_errors_total Decode errors by error code
# TYPE kaifareader_errors_total counter
kaifareader_errors_total{meter="default",code="mbus.checksum"} 2
kaifareader_errors_total{meter="default",code="plaintext.invalid"} 1
# HELP kaifareader_last_telegram_timestamp_seconds Receive time of the last decoded telegram, unix seconds
# TYPE kaifareader_last_telegram_timestamp_seconds gauge
kaifareader_last_telegram_timestamp_seconds{meter="default"} 1632728835
# HELP kaifareader_diagnosis Current diagnosis (1 for the current state, 0 for the others)
# TYPE kaifareader_diagnosis gauge
kaifareader_diagnosis{meter="default",state="ok"} 1
kaifareader_diagnosis{meter="default",state="starting"} 0
kaifareader_diagnosis{meter="default",state="no-bytes"} 0
kaifareader_diagnosis{meter="default",state="no-frames"} 0
kaifareader_diagnosis{meter="default",state="wrong-key"} 0
kaifareader_diagnosis{meter="default",state="key-missing"} 0
kaifareader_diagnosis{meter="default",state="unknown-layout"} 0
kaifareader_diagnosis{meter="default",state="port-error"} 0
# HELP kaifareader_sink_up Sink healthy (1) or failing (0)
# TYPE kaifareader_sink_up gauge
kaifareader_sink_up{sink="mqtt"} 0
kaifareader_sink_up{sink="solarview"} 1
# HELP kaifareader_outbox_backlog MQTT messages waiting in the outbox for the broker
# TYPE kaifareader_outbox_backlog gauge
kaifareader_outbox_backlog 42
# HELP kaifareader_sink_dropped_total Items a sink dropped because a bound was reached
# TYPE kaifareader_sink_dropped_total counter
kaifareader_sink_dropped_total{sink="mqtt"} 0
# HELP kaifareader_history_rows Full-resolution rows in the history store
# TYPE kaifareader_history_rows gauge
kaifareader_history_rows 5
# HELP kaifareader_meter_info Meter seen in the last telegram (value is always 1)
# TYPE kaifareader_meter_info gauge
kaifareader_meter_info{meter="default",meter_id="181220000009",profile="obis-triples",manufacturer="Kaifa",model="MA309"} 1
# HELP kaifareader_energy_import_joules_total Active energy imported from the grid (A+), meter register
# TYPE kaifareader_energy_import_joules_total counter
kaifareader_energy_import_joules_total{meter="default",meter_id="181220000009"} 46573200
# HELP kaifareader_energy_export_joules_total Active energy exported to the grid (A-), meter register
# TYPE kaifareader_energy_export_joules_total counter
kaifareader_energy_export_joules_total{meter="default",meter_id="181220000009"} 0
# HELP kaifareader_power_import_watts Active power imported from the grid (P+), all phases
# TYPE kaifareader_power_import_watts gauge
kaifareader_power_import_watts{meter="default",meter_id="181220000009"} 0
# HELP kaifareader_power_export_watts Active power exported to the grid (P-), all phases
# TYPE kaifareader_power_export_watts gauge
kaifareader_power_export_watts{meter="default",meter_id="181220000009"} 0
# HELP kaifareader_phase_power_import_watts Active power imported per phase
# TYPE kaifareader_phase_power_import_watts gauge
kaifareader_phase_power_import_watts{meter="default",meter_id="181220000009",phase="l1"} 0
# HELP kaifareader_voltage_volts Phase voltage
# TYPE kaifareader_voltage_volts gauge
kaifareader_voltage_volts{meter="default",meter_id="181220000009",phase="l1"} 233.7
kaifareader_voltage_volts{meter="default",meter_id="181220000009",phase="l2"} 0
kaifareader_voltage_volts{meter="default",meter_id="181220000009",phase="l3"} 0
# HELP kaifareader_current_amperes Phase current
# TYPE kaifareader_current_amperes gauge
kaifareader_current_amperes{meter="default",meter_id="181220000009",phase="l1"} 0
kaifareader_current_amperes{meter="default",meter_id="181220000009",phase="l2"} 0
kaifareader_current_amperes{meter="default",meter_id="181220000009",phase="l3"} 0
# HELP kaifareader_power_factor_ratio Power factor, all phases
# TYPE kaifareader_power_factor_ratio gauge
kaifareader_power_factor_ratio{meter="default",meter_id="181220000009"} 1
# HELP kaifareader_obis_value Numeric reading without a dedicated metric, in its DLMS unit
# TYPE kaifareader_obis_value gauge
kaifareader_obis_value{meter="default",meter_id="181220000009",obis="1.0.32.32.0.255",unit=""} 3
`;

const full = () =>
  formatMetrics({
    status: fixtureStatus(),
    snapshots: [fixtureSnapshot()],
    version: '0.1.0',
    historyRows: 5,
  });

test('metrics text for the fixture status and snapshot is exactly as documented', () => {
  assert.equal(full(), EXPECTED);
});

test('promtool check metrics accepts the output', () => {
  const probe = spawnSync('promtool', ['--version']);
  assert.equal(probe.error, undefined, 'promtool missing: apt-get install prometheus (.ci/run installs it)');
  const minimal = formatMetrics({
    status: {
      ...fixtureStatus(),
      errorsByCode: {},
      lastError: undefined,
      lastTelegramAt: undefined,
      sinks: {},
    },
    version: '0.1.0',
  });
  for (const text of [full(), minimal]) {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout + r.stderr, '', 'promtool reports no lint problems');
  }
});

test('a DSMR meter stating kWh: the decoder gives Wh, the metric its joules (6.695 kWh = 6695 Wh = 24 102 000 J)', async () => {
  const { TelegramDecoder } = await import('../../src/pipeline/telegram-decoder.js');
  const { loadVector } = await import('../helpers/vectors.js');
  const v = loadVector('luxembourg-smarty_nexxtlab_1'); // 1-0:1.8.0(000006.695*kWh)
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const d = new TelegramDecoder({ keys: { encryptionKey: hex(v.key_hex!) } });
  const ev = d.push(hex(v.frames_hex.join('')), 1_700_000_000_000).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  const text = formatMetrics({ status: fixtureStatus(), snapshots: [ev.snapshot], version: '0.1.0' });
  assert.match(
    text,
    /^kaifareader_energy_import_joules_total\{meter="default",meter_id="[^"]+"\} 24102000$/m,
  );
});

test('readings are exposed only in their key unit: kWh by hand, a wrong unit and text are left out', () => {
  // Snapshots carry key units (the decoder normalises); the metrics never convert back, never guess.
  const s: MeterSnapshot = {
    ...fixtureSnapshot(),
    readings: [
      { obis: '1.1.1.8.0.255', key: 'energy_import_wh', name: 'A+', value: 12937, unit: 'Wh' },
      { obis: '1.0.1.7.0.255', key: 'power_import_w', name: 'P+', value: 1.5, unit: 'kW' },
      { obis: '1.0.2.7.0.255', key: 'power_export_w', name: 'P-', value: 7, unit: 'V' },
      { obis: '1.0.2.8.0.255', key: 'energy_export_wh', name: 'A-', value: 'n/a' },
    ],
  };
  const text = formatMetrics({ status: fixtureStatus(), snapshots: [s], version: '0.1.0' });
  assert.match(
    text,
    /^kaifareader_energy_import_joules_total\{meter="default",meter_id="181220000009"\} 46573200$/m,
  );
  assert.doesNotMatch(text, /power_import_watts|power_export_watts|energy_export_joules/);
});

test('a billing-period object (F = 101) is never the current counter', () => {
  const s: MeterSnapshot = {
    ...fixtureSnapshot(),
    readings: [
      { obis: '1.0.1.8.0.101', key: 'obis_1_0_1_8_0_101', name: 'A+ last period', value: 9000, unit: 'Wh' },
    ],
  };
  const text = formatMetrics({ status: fixtureStatus(), snapshots: [s], version: '0.1.0' });
  assert.doesNotMatch(text, /energy_import_joules/);
  assert.match(
    text,
    /^kaifareader_obis_value\{meter="default",meter_id="181220000009",obis="1.0.1.8.0.101",unit="Wh"\} 9000$/m,
  );
  assert.equal(metricForObis('1.0.1.8.0.101'), undefined);
  assert.equal(metricForObis('1.1.1.8.0.255')?.name, 'kaifareader_energy_import_joules_total');
});

test('per-meter status counters carry the meter label, one sample per configured meter', () => {
  const st = fixtureStatus();
  const second = {
    ...st.meters[0]!,
    meter: 'garage',
    bytesReceived: 7,
    errorsByCode: {},
    sourceConnected: false,
  };
  second.diagnosis = { state: 'no-bytes', hint: 'nothing on the line' };
  const text = formatMetrics({ status: { ...st, meters: [st.meters[0]!, second] }, version: '0.1.0' });
  assert.match(
    text,
    /^kaifareader_received_bytes_total\{meter="default"\} 123456\nkaifareader_received_bytes_total\{meter="garage"\} 7$/m,
  );
  assert.match(text, /^kaifareader_source_connected\{meter="garage"\} 0$/m);
  assert.match(text, /^kaifareader_diagnosis\{meter="garage",state="no-bytes"\} 1$/m);
  assert.match(text, /^kaifareader_diagnosis\{meter="default",state="ok"\} 1$/m);
  assert.equal(text.match(/^# TYPE kaifareader_received_bytes_total counter$/gm)?.length, 1);
  assert.doesNotMatch(text, /^kaifareader_received_bytes_total \d/m);
});

test('label values are escaped', () => {
  const st = fixtureStatus();
  const meters = [{ ...st.meters[0]!, errorsByCode: { 'odd"code\\x\ny': 1 } }];
  const text = formatMetrics({ status: { ...st, meters }, version: '0.1.0' });
  assert.match(text, /^kaifareader_errors_total\{meter="default",code="odd\\"code\\\\x\\ny"\} 1$/m);
});

test('catalog lookup ignores the channel and rejects non-electricity codes', () => {
  assert.equal(metricForObis('1.1.32.7.0.255')?.name, 'kaifareader_voltage_volts');
  assert.deepEqual(metricForObis('1.0.52.7.0.255')?.labels, { phase: 'l2' });
  assert.equal(metricForObis('0.0.1.0.0.255'), undefined);
  assert.equal(metricForObis('1.0.1.8'), undefined);
});

test('promtool accepts the metrics of every real vector (all layouts, reactive energy, DSMR kWh)', async () => {
  const { TelegramDecoder } = await import('../../src/pipeline/telegram-decoder.js');
  const { loadVectors } = await import('../helpers/vectors.js');
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  let checked = 0;
  for (const v of loadVectors().filter((x) => x.decodable)) {
    const d = new TelegramDecoder({
      keys: {
        encryptionKey: v.key_hex ? hex(v.key_hex) : undefined,
        authenticationKey: v.auth_key_hex ? hex(v.auth_key_hex) : undefined,
      },
    });
    const ev = d.push(hex(v.frames_hex.join('')), 1_700_000_000_000).find((e) => e.type === 'telegram');
    assert.ok(ev && ev.type === 'telegram', v.id);
    const text = formatMetrics({ status: fixtureStatus(), version: '0.1.0', snapshots: [ev.snapshot] });
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${v.id}: promtool: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout + r.stderr, '', `${v.id}: promtool reports no lint problems`);
    checked++;
  }
  assert.ok(checked >= 12, `checked ${checked} vectors`);
});
