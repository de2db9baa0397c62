/**
 * Validated flat values → AppConfig: fills the documented defaults, decides the source variant and checks what
 * involves several keys (a required key inside a present section, http auth off loopback, tls file pairs).
 */
import { join } from 'node:path';
import type {
  AppConfig,
  HttpConfig,
  LoggingConfig,
  MqttConfig,
  SourceConfig,
  HistoryConfig,
  SolarviewConfig,
} from './types.js';
import type { ConfigIssue } from './issues.js';
import type { Walked } from './walk.js';
import { SCHEMA_BY_PATH } from './schema.js';
import { isLoopbackHost } from './values.js';

export const DEFAULT_DATA_DIR = '/var/lib/kaifareader';

/** Typed read access to the walked values with the schema's defaults. */
class Values {
  readonly issues: ConfigIssue[] = [];
  readonly warnings: string[] = [];
  constructor(
    private readonly w: Walked,
    private readonly origin: ReadonlyMap<string, string>,
  ) {}

  has(path: string): boolean {
    return this.w.values.has(path);
  }
  failedAt(path: string): boolean {
    return this.w.failed.has(path);
  }
  present(section: string): boolean {
    return this.w.present.has(section);
  }
  get<T>(path: string): T | undefined {
    return this.w.values.get(path) as T | undefined;
  }
  /** Value or the schema default. */
  def<T>(path: string): T {
    return (this.w.values.get(path) ?? SCHEMA_BY_PATH.get(path)?.default) as T;
  }
  /** Value of a key a present section needs; reports it missing (once) otherwise. */
  need<T>(path: string, what: string): T | undefined {
    const v = this.get<T>(path);
    if (v === undefined && !this.w.failed.has(path)) this.issue(path, `required: ${what}`);
    return v;
  }
  issue(path: string, message: string): void {
    this.issues.push({ path: this.origin.get(path) ?? path, message });
  }
}

export function buildConfig(
  w: Walked,
  origin: ReadonlyMap<string, string>,
): { config?: AppConfig; issues: ConfigIssue[]; warnings: string[] } {
  const v = new Values(w, origin);
  const dataDir = v.def<string>('data_dir');
  const config: AppConfig = {
    source: buildSource(v) ?? {
      type: 'serial',
      port: '',
      baudRate: 2400,
      parity: 'none',
      dataBits: 8,
      stopBits: 1,
    },
    key: v.get('key'),
    authKey: v.get('auth_key'),
    signaturePublicKey: v.get('signature_public_key'),
    profile: v.get('profile'),
    scalers: v.get('scalers'),
    supplier: v.get('supplier'),
    dataDir,
    logging: buildLogging(v),
    exports: {
      solarview: buildSolarview(v),
      mqtt: buildMqtt(v),
      history: buildHistory(v, dataDir),
    },
    http: buildHttp(v),
  };
  dropUndefined(config as unknown as Record<string, unknown>);
  dropUndefined(config.exports as Record<string, unknown>);
  addHints(v, config);
  const issues = [...w.issues, ...v.issues];
  return {
    config: issues.length === 0 ? config : undefined,
    issues,
    warnings: [...w.warnings, ...v.warnings],
  };
}

function buildSource(v: Values): SourceConfig | undefined {
  const text = v.get<string>('source');
  if (text !== undefined) return sourceFromString(v, text);
  if (!v.present('source')) {
    if (!v.failedAt('source'))
      v.issue(
        'source',
        'required: the serial port, e.g. "source": {"port": "/dev/ttyUSB0"} (old key: "port")',
      );
    return undefined;
  }
  const kinds = ['source.port', 'source.tcp', 'source.replay'].filter((p) => v.has(p));
  if (kinds.length === 0 && ['source.port', 'source.tcp', 'source.replay'].some((p) => v.failedAt(p)))
    return undefined;
  if (kinds.length !== 1) {
    const msg =
      kinds.length === 0
        ? 'needs one of "port" (serial device), "tcp" or "replay"'
        : `set only one of ${kinds.map((k) => `"${k.slice(7)}"`).join(', ')}`;
    v.issue('source', msg);
    return undefined;
  }
  if (v.has('source.tcp')) return tcpSource(v, 'source.tcp', v.get<string>('source.tcp')!);
  if (v.has('source.replay')) {
    return {
      type: 'replay',
      file: v.get<string>('source.replay')!,
      speed: v.def('source.speed'),
      loop: v.def('source.loop'),
    };
  }
  return {
    type: 'serial',
    port: v.get<string>('source.port')!,
    baudRate: v.def('source.baudrate'),
    parity: v.def('source.parity'),
    dataBits: v.def('source.bytesize'),
    stopBits: v.def('source.stopbits'),
  };
}

function sourceFromString(v: Values, text: string): SourceConfig | undefined {
  if (text.startsWith('/')) {
    return { type: 'serial', port: text, baudRate: 2400, parity: 'none', dataBits: 8, stopBits: 1 };
  }
  if (/^tcp:\/\//i.test(text)) return tcpSource(v, 'source', text);
  v.issue(
    'source',
    `expected a serial device such as "/dev/ttyUSB0" or "tcp://host:port", got ${JSON.stringify(text)}`,
  );
  return undefined;
}

function tcpSource(v: Values, path: string, text: string): SourceConfig | undefined {
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/i.exec(text.trim());
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    v.issue(
      path,
      `expected "tcp://host:port" such as "tcp://192.168.0.20:8899", got ${JSON.stringify(text)}`,
    );
    return undefined;
  }
  return { type: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function buildLogging(v: Values): LoggingConfig {
  return {
    level: v.def('logging.level'),
    file: v.get('logging.file'),
    maxBytes: v.def('logging.max_bytes'),
    backups: v.def('logging.backups'),
  };
}

function buildSolarview(v: Values): SolarviewConfig | undefined {
  if (!v.present('exports.solarview')) return undefined;
  const file = v.need<string>(
    'exports.solarview.file',
    'the absolute path of the file Solarview reads, e.g. "/run/kaifareader/kaifa.txt"',
  );
  return file === undefined ? undefined : { file };
}

function buildMqtt(v: Values): MqttConfig | undefined {
  if (!v.present('exports.mqtt')) return undefined;
  const url = v.need<string>('exports.mqtt.url', 'the broker URL, e.g. "mqtt://192.168.0.10:1883"');
  if (url === undefined) return undefined;
  const mqtt: MqttConfig = {
    url,
    username: v.get('exports.mqtt.username'),
    password: v.get('exports.mqtt.password'),
    clientId: v.def('exports.mqtt.client_id'),
    keepalive: v.def('exports.mqtt.keepalive'),
    baseTopic: v.def<string>('exports.mqtt.base_topic').replace(/\/+$/, ''),
    qos: v.def('exports.mqtt.qos'),
    legacyTopics: v.def('exports.mqtt.legacy_topics'),
    perValueTopics: v.def('exports.mqtt.per_value_topics'),
    discovery: {
      enabled: v.def('exports.mqtt.discovery.enabled'),
      prefix: v.def('exports.mqtt.discovery.prefix'),
    },
    outbox: { maxMessages: v.def('exports.mqtt.outbox.max_messages') },
  };
  if (v.present('exports.mqtt.tls')) {
    mqtt.tls = {
      caFile: v.get('exports.mqtt.tls.ca_file'),
      certFile: v.get('exports.mqtt.tls.cert_file'),
      keyFile: v.get('exports.mqtt.tls.key_file'),
      rejectUnauthorized: v.def('exports.mqtt.tls.reject_unauthorized'),
    };
    dropUndefined(mqtt.tls);
    if (Boolean(mqtt.tls.certFile) !== Boolean(mqtt.tls.keyFile)) {
      v.issue(
        mqtt.tls.certFile ? 'exports.mqtt.tls.key_file' : 'exports.mqtt.tls.cert_file',
        'required: a client certificate needs both cert_file and key_file',
      );
    }
  }
  if (/^(mqtt|tcp|ws):/i.test(url) && mqtt.password && !isLoopbackHost(new URL(url).hostname)) {
    v.warnings.push(
      'exports.mqtt: the password is sent unencrypted over mqtt:// — use mqtts:// when the broker is not on a trusted network',
    );
  }
  dropUndefined(mqtt);
  return mqtt;
}

function buildHistory(v: Values, dataDir: string): HistoryConfig | undefined {
  if (!v.present('exports.history')) return undefined;
  const history: HistoryConfig = {
    path: v.get('exports.history.path') ?? join(dataDir, 'history.db'),
    retentionDays: v.def('exports.history.retention_days'),
    timeZone: timeZone(v, 'exports.history.time_zone'),
  };
  dropUndefined(history as unknown as Record<string, unknown>);
  return history;
}

/** An IANA zone name known to this Node's ICU (kept as written: ICU would turn Asia/Kolkata into Asia/Calcutta). */
function timeZone(v: Values, path: string): string | undefined {
  const zone = v.get<string>(path);
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    v.issue(
      path,
      `unknown time zone "${zone}": use an IANA name such as "Europe/Vienna" (list: timedatectl list-timezones)`,
    );
    return undefined;
  }
}

function buildHttp(v: Values): HttpConfig | undefined {
  if (!v.present('http')) return undefined;
  const http: HttpConfig = { host: v.def('http.host'), port: v.def('http.port'), token: v.get('http.token') };
  if (v.present('http.basic_auth')) {
    const username = v.need<string>('http.basic_auth.username', 'the user name for basic authentication');
    const password = v.need<string>('http.basic_auth.password', 'the password for basic authentication');
    if (username !== undefined && password !== undefined) http.basicAuth = { username, password };
  }
  const allowed = v.get<string[]>('http.allowed_hosts');
  if (allowed?.length) http.allowedHosts = allowed;
  if (!isLoopbackHost(http.host) && !http.token && !http.basicAuth && !v.present('http.basic_auth')) {
    v.issue(
      'http.host',
      `"${http.host}" makes the dashboard reachable from the network: set "http.token" or "http.basic_auth", or keep "host": "127.0.0.1"`,
    );
  }
  if (http.allowedHosts && (http.token !== undefined || v.present('http.basic_auth')))
    v.warnings.push(
      'http.allowed_hosts: has no effect while "http.token" or "http.basic_auth" is set (with auth every Host name is answered, after the credentials are checked); remove it, or remove the auth to rely on it',
    );
  if (http.token !== undefined && http.token.length < 16)
    v.warnings.push(
      'http.token: shorter than 16 characters; use a long random token (e.g. `openssl rand -hex 24`)',
    );
  dropUndefined(http as unknown as Record<string, unknown>);
  return http;
}

function addHints(v: Values, c: AppConfig): void {
  if (!c.key && !v.failedAt('key')) {
    v.warnings.push(
      'no key set ("key", old "key_hex_string"): encrypted telegrams cannot be decoded — ask your grid operator for the 32-hex-digit key of the customer interface',
    );
  }
  if (!c.exports.solarview && !c.exports.mqtt && !c.exports.history && !c.http) {
    v.warnings.push(
      'no export configured: readings are decoded but go nowhere — add "exports" (solarview, mqtt, history) or "http"',
    );
  }
}

function dropUndefined(o: object): void {
  const rec = o as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (rec[k] === undefined) delete rec[k];
}
