/**
 * AppConfig → the meter.json shape it came from: the nested snake_case keys of the schema (`source.baudrate`,
 * `data_dir`, `http.basic_auth`), so what `config check` prints can be copied back into a file. The inverse of
 * build.ts; old Python keys come out as their new names. Redact first (redact.ts) when printing.
 */
import type { AppConfig, SourceConfig } from './types.js';

type Json = Record<string, unknown>;

function sourceToFile(s: SourceConfig): Json {
  if (s.type === 'tcp') return { tcp: `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}` };
  if (s.type === 'replay') return { replay: s.file, speed: s.speed, loop: s.loop };
  return { port: s.port, baudrate: s.baudRate, parity: s.parity, bytesize: s.dataBits, stopbits: s.stopBits };
}

export function configToFile(c: AppConfig): Json {
  const { solarview, mqtt, history } = c.exports;
  return {
    source: sourceToFile(c.source),
    key: c.key,
    auth_key: c.authKey,
    profile: c.profile,
    supplier: c.supplier,
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
