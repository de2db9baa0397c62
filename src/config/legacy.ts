/**
 * The old Python kaifareader's flat meter.json keys, read as DATA and moved onto the new nested paths, so an existing
 * /etc/kaifareader/meter.json keeps working unchanged. Two old layouts are known:
 *
 *   upstream:  loglevel, logfile, port, baudrate, parity, stopbits, bytesize, key_hex_string, interval, supplier,
 *              export_format ("SOLARVIEW" | "MQTT"), export_file_abspath, export_mqtt_server, export_mqtt_port,
 *              export_mqtt_user, export_mqtt_password, export_mqtt_basetopic
 *   KSM-West:  file_export_enabled, file_export_abspath, mqtt_enabled, mqtt_server, mqtt_port, mqtt_user,
 *              mqtt_password, mqtt_basetopic, influxdb_* (not supported: warned and ignored)
 *
 * Values keep their old spellings ("serial.PARITY_EVEN", "logging.INFO"): the shared value parsers accept them, and
 * `origin` remembers the old key so that a bad value is reported under the name the user wrote.
 */
import type { ConfigIssue } from './issues.js';
import { parseBoolean, parseHost, parseInteger, parseString } from './values.js';

/** Old key → new path; the value moves unchanged. */
const RENAMES: Readonly<Record<string, string>> = {
  loglevel: 'logging.level',
  logfile: 'logging.file',
  port: 'source.port',
  baudrate: 'source.baudrate',
  parity: 'source.parity',
  stopbits: 'source.stopbits',
  bytesize: 'source.bytesize',
  key_hex_string: 'key',
};

/** Keys of the two old export layouts, handled by `liftExports`. */
const UPSTREAM_EXPORT = ['export_format', 'export_file_abspath'];
const UPSTREAM_MQTT = [
  'export_mqtt_server',
  'export_mqtt_port',
  'export_mqtt_user',
  'export_mqtt_password',
  'export_mqtt_basetopic',
];
const KSM_FILE = ['file_export_enabled', 'file_export_abspath'];
const KSM_MQTT = ['mqtt_enabled', 'mqtt_server', 'mqtt_port', 'mqtt_user', 'mqtt_password', 'mqtt_basetopic'];
const INFLUX = [
  'influxdb_enabled',
  'influxdb_url',
  'influxdb_token',
  'influxdb_org',
  'influxdb_bucket',
  'influxdb_measurement',
];

/** Every old key this module understands (for "did you mean"). */
export const LEGACY_KEYS: readonly string[] = [
  ...Object.keys(RENAMES),
  ...UPSTREAM_EXPORT,
  ...UPSTREAM_MQTT,
  ...KSM_FILE,
  ...KSM_MQTT,
  ...INFLUX,
];

export interface Lifted {
  /** The config in the new shape: old keys removed and placed at their new paths. */
  tree: Record<string, unknown>;
  /** New path → old key it came from, for messages. */
  origin: Map<string, string>;
  issues: ConfigIssue[];
  warnings: string[];
  /** True when any old key was present. */
  legacy: boolean;
}

type Tree = Record<string, unknown>;

const isObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown): boolean => v === undefined || v === null || v === '';

/** Moves the old keys of `raw` (top level only) to their new paths. Pure; `raw` is not modified. */
export function liftLegacy(raw: Tree): Lifted {
  const out: Lifted = { tree: { ...raw }, origin: new Map(), issues: [], warnings: [], legacy: false };
  const ctx = new Placer(out);
  for (const [oldKey, path] of Object.entries(RENAMES)) {
    if (!(oldKey in raw)) continue;
    out.legacy = true;
    delete out.tree[oldKey];
    if (!absent(raw[oldKey])) ctx.place(path, raw[oldKey], oldKey);
  }
  liftUpstreamExports(raw, ctx);
  liftKsmExports(raw, ctx);
  return out;
}

class Placer {
  constructor(readonly out: Lifted) {}

  take(keys: readonly string[]): Tree {
    const got: Tree = {};
    for (const k of keys) {
      if (!(k in this.out.tree)) continue;
      this.out.legacy = true;
      got[k] = this.out.tree[k];
      delete this.out.tree[k];
    }
    return got;
  }

  issue(path: string, message: string): void {
    this.out.issues.push({ path, message });
  }

  /** Sets `path` unless the new key is already there (then both were written: an error). */
  place(path: string, value: unknown, oldKey: string): void {
    const parts = path.split('.');
    let node = this.out.tree;
    for (const [i, part] of parts.entries()) {
      const here = parts.slice(0, i + 1).join('.');
      if (i === parts.length - 1) {
        if (part in node && !this.out.origin.has(here)) {
          this.issue(oldKey, `both the old key "${oldKey}" and the new key "${here}" are set: keep one`);
          return;
        }
        node[part] = value;
        this.out.origin.set(here, oldKey);
        return;
      }
      if (node[part] === undefined) node[part] = {};
      const next = node[part];
      if (!isObject(next)) {
        this.issue(oldKey, `both the old key "${oldKey}" and the new key "${here}" are set: keep one`);
        return;
      }
      node = next;
    }
  }

  /** Builds exports.mqtt from an old server/port/user/password/basetopic group. */
  placeMqtt(
    get: (k: 'server' | 'port' | 'user' | 'password' | 'basetopic') => [string, unknown],
    why: string,
  ): void {
    const [serverKey, server] = get('server');
    const [portKey, port] = get('port');
    const host = absent(server)
      ? {
          ok: false as const,
          message: `required when ${why}: the broker's host name or IP address, e.g. "192.168.0.99"`,
        }
      : parseHost(server, '192.168.0.99');
    const portNumber = absent(port) ? { ok: true as const, value: 1883 } : parseInteger(port, 1, 65535);
    if (!host.ok) this.issue(serverKey, host.message);
    if (!portNumber.ok) this.issue(portKey, portNumber.message);
    if (!host.ok || !portNumber.ok) return;
    const h = host.value.includes(':') && !host.value.startsWith('[') ? `[${host.value}]` : host.value;
    this.place('exports.mqtt.url', `mqtt://${h}:${portNumber.value}`, serverKey);
    for (const [field, target] of [
      ['user', 'username'],
      ['password', 'password'],
      ['basetopic', 'base_topic'],
    ] as const) {
      const [oldKey, v] = get(field);
      if (!absent(v)) this.place(`exports.mqtt.${target}`, v, oldKey);
    }
    this.place('exports.mqtt.legacy_topics', true, why.split(' ')[0]!);
  }
}

function liftUpstreamExports(raw: Tree, ctx: Placer): void {
  const e = ctx.take(UPSTREAM_EXPORT);
  const m = ctx.take(UPSTREAM_MQTT);
  const format = e.export_format;
  if (absent(format)) {
    if (!absent(e.export_file_abspath) || Object.values(m).some((v) => !absent(v))) {
      ctx.out.warnings.push(
        'export_file_abspath / export_mqtt_* are ignored because export_format is not set (as in the old tool): set "export_format": "SOLARVIEW" or "MQTT"',
      );
    }
    return;
  }
  const f = parseString(format);
  const kind = f.ok ? f.value.toUpperCase() : '';
  if (kind === 'SOLARVIEW') {
    if (absent(e.export_file_abspath)) {
      ctx.issue(
        'export_file_abspath',
        'required when export_format is "SOLARVIEW": the absolute path of the file Solarview reads, e.g. "/run/kaifareader/kaifa.txt"',
      );
    } else ctx.place('exports.solarview.file', e.export_file_abspath, 'export_file_abspath');
    if (Object.values(m).some((v) => !absent(v))) {
      ctx.out.warnings.push(
        'export_mqtt_* are ignored because export_format is "SOLARVIEW" (as in the old tool); to publish to MQTT as well add "exports": {"mqtt": {"url": "mqtt://host:1883"}}',
      );
    }
  } else if (kind === 'MQTT') {
    ctx.placeMqtt((k) => [`export_mqtt_${k}`, m[`export_mqtt_${k}`]], 'export_format is "MQTT"');
    if (!absent(e.export_file_abspath)) {
      ctx.out.warnings.push(
        'export_file_abspath is ignored because export_format is "MQTT" (as in the old tool); to write the Solarview file as well add "exports": {"solarview": {"file": "…"}}',
      );
    }
  } else {
    ctx.issue(
      'export_format',
      `expected "SOLARVIEW" or "MQTT" (old key; or use "exports"), got ${JSON.stringify(format)}`,
    );
  }
}

function liftKsmExports(raw: Tree, ctx: Placer): void {
  const file = ctx.take(KSM_FILE);
  const mqtt = ctx.take(KSM_MQTT);
  const influx = ctx.take(INFLUX);
  if (enabled(ctx, file, 'file_export_enabled')) {
    if (absent(file.file_export_abspath)) {
      ctx.issue(
        'file_export_abspath',
        'required when file_export_enabled is true: the absolute path of the Solarview file',
      );
    } else ctx.place('exports.solarview.file', file.file_export_abspath, 'file_export_abspath');
  }
  if (enabled(ctx, mqtt, 'mqtt_enabled')) {
    ctx.placeMqtt((k) => [`mqtt_${k}`, mqtt[`mqtt_${k}`]], 'mqtt_enabled is true');
  }
  if (enabled(ctx, influx, 'influxdb_enabled')) {
    ctx.out.warnings.push(
      'influxdb_enabled: InfluxDB export is not supported and is ignored; use "exports.mqtt" (e.g. with Telegraf) or "exports.history"',
    );
  }
}

function enabled(ctx: Placer, group: Tree, key: string): boolean {
  if (absent(group[key])) return false;
  const b = parseBoolean(group[key]);
  if (!b.ok) ctx.issue(key, b.message);
  return b.ok && b.value;
}
