/**
 * Fixtures for the HTTP tests. The snapshot carries the values of the Netz NÖ example telegram
 * (test/fixtures/vectors/evn_netznoe-pdf_1.json) plus per-phase power, a text reading and an uncatalogued code;
 * the status sets every field of DaemonStatus so the metrics and status output cover all of them.
 */
import type { MeterSnapshot, Reading } from '../../src/model/snapshot.js';
import type { DaemonStatus } from '../../src/status/status.js';

const r = (obis: string, key: string, name: string, value: number | string, unit?: string): Reading => ({
  obis,
  key,
  name,
  value,
  ...(unit ? { unit } : {}),
});

export function fixtureSnapshot(receivedAt = 1_632_728_835_000, powerImportW = 0): MeterSnapshot {
  return {
    meter: 'default',
    meterId: '181220000009',
    profile: 'obis-triples',
    manufacturer: 'Kaifa',
    model: 'MA309',
    receivedAt,
    meterTime: '2021-09-27T09:47:15+02:00',
    framing: 'mbus',
    security: {
      mode: 'encrypted',
      securityControl: 0x20,
      systemTitle: '4B464D6750000009',
      invocationCounter: 9,
    },
    readings: [
      r('0.0.96.1.0.255', 'meter_number', 'Meter number', '181220000009'),
      r('1.0.1.8.0.255', 'energy_import_wh', 'Active energy import (A+)', 12937, 'Wh'),
      r('1.0.2.8.0.255', 'energy_export_wh', 'Active energy export (A-)', 0, 'Wh'),
      r('1.0.1.7.0.255', 'power_import_w', 'Active power import (P+)', powerImportW, 'W'),
      r('1.0.2.7.0.255', 'power_export_w', 'Active power export (P-)', 0, 'W'),
      r('1.0.21.7.0.255', 'power_import_l1_w', 'Active power import L1', powerImportW, 'W'),
      r('1.0.32.7.0.255', 'voltage_l1_v', 'Voltage L1', 233.7, 'V'),
      r('1.0.52.7.0.255', 'voltage_l2_v', 'Voltage L2', 0, 'V'),
      r('1.0.72.7.0.255', 'voltage_l3_v', 'Voltage L3', 0, 'V'),
      r('1.0.31.7.0.255', 'current_l1_a', 'Current L1', 0, 'A'),
      r('1.0.51.7.0.255', 'current_l2_a', 'Current L2', 0, 'A'),
      r('1.0.71.7.0.255', 'current_l3_a', 'Current L3', 0, 'A'),
      r('1.0.13.7.0.255', 'power_factor', 'Power factor', 1, 'count'),
      r('1.0.32.32.0.255', 'obis_1_0_32_32_0_255', 'Voltage sags L1', 3),
    ],
  };
}

export function fixtureStatus(): DaemonStatus {
  const meter = {
    source: '/dev/ttyUSB0 2400 8N1',
    sourceConnected: true,
    bytesReceived: 123_456,
    framesOk: 334,
    telegramsOk: 167,
    errorsByCode: { 'mbus.checksum': 2, 'plaintext.invalid': 1 },
    lastError: { code: 'mbus.checksum', message: 'M-Bus checksum 0x16 expected 0x17', at: 1_632_728_500_000 },
    lastTelegramAt: 1_632_728_835_000,
    meterId: '181220000009',
    diagnosis: { state: 'ok', hint: 'telegrams arrive and decode' } as const,
  };
  return {
    ...meter,
    startedAt: 1_632_728_000_000,
    meters: [{ meter: 'default', ...meter }],
    sinks: {
      mqtt: {
        ok: false,
        state: 'broker unreachable: ECONNREFUSED',
        backlog: 42,
        dropped: 0,
        lastError: 'ECONNREFUSED',
      },
      solarview: { ok: true, state: 'writing /run/kaifareader/solarview.txt' },
    },
  };
}
