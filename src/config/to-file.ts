/**
 * AppConfig → the meter.json shape it came from: the nested snake_case keys of the schema (`source.baudrate`,
 * `data_dir`, `http.basic_auth`), so what `config check` prints can be copied back into a file. The inverse of
 * the builders; old Python keys come out as their new names. One meter with id `default` comes out as the
 * single-meter file, more as `meters`. Keys print as `<redacted>` (util/key.ts); redact the rest first (redact.ts).
 */
import type { AppConfig, MeterConfig, SourceConfig } from './types.js';
import { toHex } from '../util/hex.js';
import { redactUrl } from './values.js';

type Json = Record<string, unknown>;

function sourceToFile(s: SourceConfig): Json {
  if (s.type === 'tcp') return { tcp: `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}` };
  if (s.type === 'replay') return { replay: s.file, speed: s.speed, loop: s.loop };
  if (s.type === 'mqtt') return { mqtt: redactUrl(s.url), ...(s.clientId ? { client_id: s.clientId } : {}) };
  return { port: s.port, baudrate: s.baudRate, parity: s.parity, bytesize: s.dataBits, stopbits: s.stopBits };
}

/** What a key prints as: never its digits (as before Key existed, with the length). */
const redactedKey = '<redacted, 16 bytes>';

function meterToFile(m: MeterConfig): Json {
  return {
    source: sourceToFile(m.source),
    key: m.key && redactedKey,
    auth_key: m.authKey && redactedKey,
    signature_public_key: m.signaturePublicKey && toHex(m.signaturePublicKey),
    profile: m.profile,
    scalers: m.scalers,
    supplier: m.supplier,
  };
}

/** The single-meter file's form: one meter called `default` without a name or exports list. */
export function isSingleMeter(c: AppConfig): boolean {
  const [m, ...more] = c.meters;
  return more.length === 0 && m !== undefined && m.id === 'default' && !m.name && !m.exports;
}

export function configToFile(c: AppConfig): Json {
  const { solarview, mqtt, history } = c.exports;
  const meters = isSingleMeter(c)
    ? meterToFile(c.meters[0]!)
    : {
        meters: c.meters.map((m) => ({ id: m.id, name: m.name, ...meterToFile(m), exports: m.exports })),
      };
  return {
    ...meters,
    data_dir: c.dataDir,
    logging: {
      level: c.logging.level,
      file: c.logging.file,
      max_bytes: c.logging.maxBytes,
      backups: c.logging.backups,
    },
    exports: {
      solarview: solarview && { file: solarview.file },
      mqtt: mqtt && {
        url: mqtt.url,
        username: mqtt.username,
        password: mqtt.password,
        client_id: mqtt.clientId,
        keepalive: mqtt.keepalive,
        base_topic: mqtt.baseTopic,
        qos: mqtt.qos,
        legacy_topics: mqtt.legacyTopics,
        per_value_topics: mqtt.perValueTopics,
        discovery: { enabled: mqtt.discovery.enabled, prefix: mqtt.discovery.prefix },
        tls: mqtt.tls && {
          ca_file: mqtt.tls.caFile,
          cert_file: mqtt.tls.certFile,
          key_file: mqtt.tls.keyFile,
          reject_unauthorized: mqtt.tls.rejectUnauthorized,
        },
        outbox: { max_messages: mqtt.outbox.maxMessages },
      },
      history: history && {
        path: history.path,
        retention_days: history.retentionDays,
        time_zone: history.timeZone,
      },
    },
    http: c.http && {
      host: c.http.host,
      port: c.http.port,
      token: c.http.token,
      basic_auth: c.http.basicAuth && {
        username: c.http.basicAuth.username,
        password: c.http.basicAuth.password,
      },
    },
  };
}
