/** The `exports.mqtt` keys, stated once: rows and the builder whose return type is `MqttConfig`. */
import {
  defineOptions,
  dropUndefined,
  type ConfigOf,
  type FieldSpec,
  type Values,
} from '../../config/spec.js';
import { isLoopbackHost } from '../../config/values.js';

export const MQTT_ROWS: readonly FieldSpec[] = [
  {
    path: 'exports.mqtt',
    kind: 'section',
    description: 'MQTT broker with Home Assistant discovery. Old keys: export_format "MQTT" + export_mqtt_*.',
  },
  {
    path: 'exports.mqtt.url',
    kind: 'mqtt-url',
    example: 'mqtt://192.168.0.10:1883',
    description:
      'Broker URL, mqtt:// or mqtts:// (required). Old keys: export_mqtt_server, export_mqtt_port.',
  },
  {
    path: 'exports.mqtt.username',
    kind: 'string',
    description: 'Broker user name. Old key: export_mqtt_user.',
  },
  {
    path: 'exports.mqtt.password',
    kind: 'secret',
    description: 'Broker password. Never printed. Old key: export_mqtt_password.',
  },
  {
    path: 'exports.mqtt.client_id',
    kind: 'string',
    default: 'kaifareader',
    description: 'MQTT client id; must be unique on the broker.',
  },
  {
    path: 'exports.mqtt.keepalive',
    kind: 'integer',
    min: 5,
    max: 3600,
    default: 60,
    description: 'Keepalive in seconds.',
  },
  {
    path: 'exports.mqtt.instance',
    kind: 'id',
    example: 'decoder-a',
    description:
      "Id of this daemon among several that decode one fleet into the same base_topic (1 to 64 letters, digits, _ or -): its status and diagnostics go to <base>/instances/<instance>/, and Home Assistant entities follow the meters' availability only. Unset: <base>/status and <base>/diagnostics.",
  },
  {
    path: 'exports.mqtt.base_topic',
    kind: 'string',
    default: 'kaifareader',
    description: 'Topic prefix. Old key: export_mqtt_basetopic.',
  },
  {
    path: 'exports.mqtt.qos',
    kind: 'integer',
    min: 0,
    max: 2,
    default: 1,
    description: 'QoS of the readings.',
  },
  {
    path: 'exports.mqtt.legacy_topics',
    kind: 'boolean',
    default: false,
    description:
      'Also publish the old <base>/RealEnergyIn_S and <base>/RealEnergyOut_S in kWh (on automatically for old configs).',
  },
  {
    path: 'exports.mqtt.per_value_topics',
    kind: 'boolean',
    default: false,
    description: 'Also publish one topic per value: <base>/<meter id>/<key>.',
  },
  { path: 'exports.mqtt.discovery', kind: 'section', description: 'Home Assistant MQTT discovery.' },
  {
    path: 'exports.mqtt.discovery.enabled',
    kind: 'boolean',
    default: true,
    description: 'Publish discovery configs so Home Assistant creates the sensors.',
  },
  {
    path: 'exports.mqtt.discovery.prefix',
    kind: 'string',
    default: 'homeassistant',
    description: 'Discovery prefix configured in Home Assistant.',
  },
  {
    path: 'exports.mqtt.expire_after',
    kind: 'integer',
    min: 0,
    max: 604_800,
    description:
      "Home Assistant expire_after (s) of the reading sensors, a second guard beside each meter's availability; 0 = off. Default: twice the meter's availability timeout (from its cadence), rounded up to 30 s.",
  },
  { path: 'exports.mqtt.tls', kind: 'section', description: 'TLS options for mqtts://.' },
  {
    path: 'exports.mqtt.tls.ca_file',
    kind: 'path',
    description: 'CA certificate (PEM) for a self-signed broker.',
  },
  { path: 'exports.mqtt.tls.cert_file', kind: 'path', description: 'Client certificate (PEM).' },
  { path: 'exports.mqtt.tls.key_file', kind: 'path', description: 'Client private key (PEM).' },
  {
    path: 'exports.mqtt.tls.reject_unauthorized',
    kind: 'boolean',
    default: true,
    description: 'Verify the broker certificate.',
  },
  {
    path: 'exports.mqtt.outbox',
    kind: 'section',
    description: 'Messages kept while the broker is unreachable.',
  },
  {
    path: 'exports.mqtt.outbox.max_messages',
    kind: 'integer',
    min: 100,
    max: 100_000_000,
    default: 500_000,
    description:
      'Bound on undelivered messages; the oldest are dropped beyond it (~29 days at one telegram per 5 s).',
  },
];

export const MQTT_OPTIONS = defineOptions(MQTT_ROWS, (v) => buildMqtt(v));

export type MqttConfig = ConfigOf<typeof MQTT_OPTIONS>;

function buildTls(v: Values) {
  const tls = dropUndefined({
    caFile: v.get<string>('exports.mqtt.tls.ca_file'),
    certFile: v.get<string>('exports.mqtt.tls.cert_file'),
    keyFile: v.get<string>('exports.mqtt.tls.key_file'),
    rejectUnauthorized: v.def<boolean>('exports.mqtt.tls.reject_unauthorized'),
  });
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    v.issue(
      tls.certFile ? 'exports.mqtt.tls.key_file' : 'exports.mqtt.tls.cert_file',
      'required: a client certificate needs both cert_file and key_file',
    );
  }
  return tls;
}

function buildMqtt(v: Values) {
  if (!v.present('exports.mqtt')) return undefined;
  const url = v.need<string>('exports.mqtt.url', 'the broker URL, e.g. "mqtt://192.168.0.10:1883"');
  if (url === undefined) return undefined;
  const mqtt = dropUndefined({
    /** `mqtt://host:1883` or `mqtts://host:8883` */
    url,
    username: v.get<string>('exports.mqtt.username'),
    password: v.get<string>('exports.mqtt.password'),
    clientId: v.def<string>('exports.mqtt.client_id'),
    keepalive: v.def<number>('exports.mqtt.keepalive'),
    baseTopic: v.def<string>('exports.mqtt.base_topic').replace(/\/+$/, ''),
    /** One daemon of a fleet on one base topic: `<base>/instances/<instance>/status|diagnostics` (topics.ts). */
    instance: v.get<string>('exports.mqtt.instance'),
    qos: v.def<0 | 1 | 2>('exports.mqtt.qos'),
    /** Publish the old `<base>/RealEnergyIn_S` and `<base>/RealEnergyOut_S` topics in kWh (on for old configs). */
    legacyTopics: v.def<boolean>('exports.mqtt.legacy_topics'),
    /** Also publish one topic per value: `<base>/<meter id>/<key>`. */
    perValueTopics: v.def<boolean>('exports.mqtt.per_value_topics'),
    discovery: {
      enabled: v.def<boolean>('exports.mqtt.discovery.enabled'),
      prefix: v.def<string>('exports.mqtt.discovery.prefix'),
    },
    /** HA `expire_after` in s (0 = off); undefined = from each meter's cadence (availability.ts). */
    expireAfter: v.get<number>('exports.mqtt.expire_after'),
    tls: v.present('exports.mqtt.tls') ? buildTls(v) : undefined,
    outbox: {
      /** Bound on undelivered messages; the oldest are dropped beyond it (counted and warned). */
      maxMessages: v.def<number>('exports.mqtt.outbox.max_messages'),
    },
  });
  if (/^(mqtt|tcp|ws):/i.test(url) && mqtt.password && !isLoopbackHost(new URL(url).hostname)) {
    v.warn(
      'exports.mqtt: the password is sent unencrypted over mqtt:// — use mqtts:// when the broker is not on a trusted network',
    );
  }
  return mqtt;
}
