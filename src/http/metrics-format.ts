/**
 * Prometheus text exposition (format 0.0.4) of the daemon status and the latest readings. Pure: the caller
 * passes the status, the snapshot and the version. Each family gets `# HELP` and `# TYPE` once, its samples
 * follow directly; label values are escaped. Reading metrics come from the quantity table (`metrics-catalog.ts`).
 *
 * `meter` is the configured meter id (`snapshot.meter`, `status.meters[].meter`; `default` for one meter):
 * every reading metric and every per-meter status counter carries it, so several meters are told apart.
 * `meter_id` stays what the telegram says (the meter number).
 *
 * Example lines:
 *   kaifareader_energy_import_joules_total{meter="default",meter_id="1KFM0200001234"} 46573200
 *   kaifareader_voltage_volts{meter="default",meter_id="1KFM0200001234",phase="l1"} 233.7
 *   kaifareader_errors_total{meter="default",code="mbus.checksum"} 2
 */
import type { MeterSnapshot } from '../model/snapshot.js';
import type { DaemonStatus, Diagnosis, MeterStatus } from '../status/status.js';
import { lookupQuantity, valueInKeyUnit } from '../cosem/index.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every diagnosis state, for the `kaifareader_diagnosis` state set (1 for the current state, 0 for others). */
export const DIAGNOSIS_STATES = [
  'ok',
  'starting',
  'no-bytes',
  'no-frames',
  'wrong-key',
  'key-missing',
  'unknown-layout',
  'port-error',
] as const satisfies readonly Diagnosis['state'][];

export interface MetricsInput {
  status: DaemonStatus;
  /** The latest snapshot of each meter that has one, in config order. */
  snapshots?: readonly MeterSnapshot[];
  version: string;
  historyRows?: number;
}

type Labels = Record<string, string>;
interface Family {
  type: 'counter' | 'gauge';
  help: string;
  samples: string[];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(n);
}

/** Collects families in first-seen order. */
class Exposition {
  private readonly families = new Map<string, Family>();

  family(name: string, type: Family['type'], help: string): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { type, help, samples: [] }));
    return f;
  }

  add(name: string, type: Family['type'], help: string, value: number, labels: Labels = {}): void {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    const sel = pairs.length ? `{${pairs.join(',')}}` : '';
    this.family(name, type, help).samples.push(`${name}${sel} ${formatNumber(value)}`);
  }

  text(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.samples);
    }
    return lines.join('\n') + '\n';
  }
}

function addReadings(out: Exposition, s: MeterSnapshot): void {
  const meter = { meter: s.meter, meter_id: s.meterId };
  out.add('kaifareader_meter_info', 'gauge', 'Meter seen in the last telegram (value is always 1)', 1, {
    ...meter,
    profile: s.profile,
    manufacturer: s.manufacturer ?? '',
    model: s.model ?? '',
  });
  for (const r of s.readings) {
    if (typeof r.value !== 'number') continue;
    const q = lookupQuantity(r.obis);
    const metric = q?.metric;
    if (metric) {
      const v = valueInKeyUnit(q, r);
      if (v === undefined) continue;
      // toPrecision(15) drops binary artefacts of the scaling (the factors are exact, the product may not be).
      const value = Number((v * metric.factor).toPrecision(15));
      out.add(metric.name, metric.type, metric.help, value, { ...meter, ...metric.labels });
    } else {
      const help = 'Numeric reading without a dedicated metric, in its DLMS unit';
      out.add('kaifareader_obis_value', 'gauge', help, r.value, {
        ...meter,
        obis: r.obis,
        unit: r.unit ?? '',
      });
    }
  }
}

/** Counters and diagnosis of one configured meter, labelled `meter`. */
function addMeterStatus(out: Exposition, m: MeterStatus): void {
  const meter = { meter: m.meter };
  out.add(
    'kaifareader_source_connected',
    'gauge',
    'Whether the byte source is open (1) or not (0)',
    +m.sourceConnected,
    meter,
  );
  out.add(
    'kaifareader_received_bytes_total',
    'counter',
    'Bytes read from the source',
    m.bytesReceived,
    meter,
  );
  out.add(
    'kaifareader_frames_total',
    'counter',
    'Link-layer frames with a valid checksum',
    m.framesOk,
    meter,
  );
  out.add('kaifareader_telegrams_total', 'counter', 'Telegrams decoded into readings', m.telegramsOk, meter);
  out.family('kaifareader_errors_total', 'counter', 'Decode errors by error code');
  for (const code of Object.keys(m.errorsByCode).sort()) {
    out.add('kaifareader_errors_total', 'counter', '', m.errorsByCode[code] ?? 0, { ...meter, code });
  }
  if (m.lastTelegramAt !== undefined) {
    const help = 'Receive time of the last decoded telegram, unix seconds';
    out.add('kaifareader_last_telegram_timestamp_seconds', 'gauge', help, m.lastTelegramAt / 1000, meter);
  }
  const dHelp = 'Current diagnosis (1 for the current state, 0 for the others)';
  for (const state of DIAGNOSIS_STATES) {
    out.add('kaifareader_diagnosis', 'gauge', dHelp, state === m.diagnosis.state ? 1 : 0, {
      ...meter,
      state,
    });
  }
}

/**
 * Daemon start time, then the per-meter counters from `status.meters` (one sample per meter and name; the
 * top-level sums are not repeated, so `sum()` over the labels is the daemon's total).
 */
function addStatus(out: Exposition, st: DaemonStatus): void {
  out.add('kaifareader_start_time_seconds', 'gauge', 'Daemon start time, unix seconds', st.startedAt / 1000);
  for (const m of st.meters) addMeterStatus(out, m);
}

function addSinks(out: Exposition, st: DaemonStatus): void {
  const names = Object.keys(st.sinks).sort();
  for (const sink of names)
    out.add('kaifareader_sink_up', 'gauge', 'Sink healthy (1) or failing (0)', +st.sinks[sink]!.ok, { sink });
  const backlog = st.sinks.mqtt?.backlog;
  if (backlog !== undefined) {
    out.add(
      'kaifareader_outbox_backlog',
      'gauge',
      'MQTT messages waiting in the outbox for the broker',
      backlog,
    );
  }
  for (const sink of names) {
    const dropped = st.sinks[sink]!.dropped;
    if (dropped === undefined) continue;
    out.add(
      'kaifareader_sink_dropped_total',
      'counter',
      'Items a sink dropped because a bound was reached',
      dropped,
      { sink },
    );
  }
}

export function formatMetrics(input: MetricsInput): string {
  const out = new Exposition();
  out.add('kaifareader_info', 'gauge', 'kaifareader version (value is always 1)', 1, {
    version: input.version,
  });
  addStatus(out, input.status);
  addSinks(out, input.status);
  if (input.historyRows !== undefined) {
    out.add(
      'kaifareader_history_rows',
      'gauge',
      'Full-resolution rows in the history store',
      input.historyRows,
    );
  }
  for (const s of input.snapshots ?? []) addReadings(out, s);
  return out.text();
}
