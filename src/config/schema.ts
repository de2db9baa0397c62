/**
 * The one documented schema of meter.json (new nested keys, snake_case). A data table: the parser validates
 * against it, `kaifareader config schema` prints it, the docs are generated from it. The old Python tool's flat keys
 * are translated onto these paths by `legacy.ts` before validation.
 */

export type FieldKind =
  | 'section' // an object holding more keys
  | 'source' // section that may also be written as one string
  | 'string'
  | 'device' // serial device path
  | 'secret' // password / token: never printed
  | 'aes-key' // 32 hex digits, never printed
  | 'p256-point' // uncompressed P-256 public key, 130 hex digits
  | 'path'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'parity'
  | 'stopbits'
  | 'bytesize'
  | 'level'
  | 'mqtt-url'
  | 'host'
  | 'host-list' // array of host names (no port, no scheme)
  | 'obis-scalers'; // {"1.1.31.7.0.255": -2}: OBIS code → power of ten

export interface FieldSpec {
  /** Dotted path in meter.json, e.g. `exports.mqtt.base_topic`. */
  path: string;
  kind: FieldKind;
  description: string;
  /** Default as shown to the user; absent when the key has none (optional or required). */
  default?: string | number | boolean;
  /** Allowed values for `enum`. */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Example value for messages. */
  example?: string;
  /** A section that may also be written as `true` (all defaults) or `false` (off). */
  toggle?: boolean;
}

export const CONFIG_SCHEMA: readonly FieldSpec[] = [
  {
    path: 'source',
    kind: 'source',
    description:
      'Where the telegrams come from: an object (serial port, tcp, replay) or a string: "/dev/ttyUSB0" or "tcp://host:port". Old keys: port, baudrate, parity, stopbits, bytesize.',
  },
  {
    path: 'source.port',
    kind: 'device',
    example: '/dev/ttyUSB0',
    description:
      'Serial device of the M-Bus adapter; /dev/serial/by-id/… survives re-plugging. Old key: port.',
  },
  {
    path: 'source.baudrate',
    kind: 'integer',
    min: 300,
    max: 921600,
    default: 2400,
    description: 'Baud rate; the MA309 M-Bus port sends at 2400. Old key: baudrate.',
  },
  {
    path: 'source.parity',
    kind: 'parity',
    default: 'none',
    description:
      'none | even | odd | mark | space (old "serial.PARITY_EVEN" accepted). TINETZ documents even; most adapters read either.',
  },
  {
    path: 'source.bytesize',
    kind: 'bytesize',
    default: 8,
    description: 'Data bits 5..8 (old "serial.EIGHTBITS" accepted).',
  },
  {
    path: 'source.stopbits',
    kind: 'stopbits',
    default: 1,
    description: 'Stop bits 1, 1.5 or 2 (old "serial.STOPBITS_ONE" accepted).',
  },
  {
    path: 'source.tcp',
    kind: 'string',
    example: '192.168.0.20:8899',
    description: 'Instead of port: a serial-to-TCP bridge as "host:port" or "tcp://host:port".',
  },
  {
    path: 'source.replay',
    kind: 'path',
    example: '/var/lib/kaifareader/capture.hex',
    description: 'Instead of port: replay a recorded capture file (demo, tests).',
  },
  {
    path: 'source.speed',
    kind: 'enum',
    values: ['realtime', 'fast'],
    default: 'realtime',
    description: 'Replay cadence: realtime keeps the recorded gaps, fast feeds as fast as possible.',
  },
  { path: 'source.loop', kind: 'boolean', default: false, description: 'Replay: start again at the end.' },
  {
    path: 'key',
    kind: 'aes-key',
    example: '36C66639E48A8CA4D6BC8B282A793BBB',
    description:
      'AES-128 encryption key (global unicast key) from the grid operator, 32 hex digits; spaces and case do not matter. Never printed. Old key: key_hex_string. Env: KAIFAREADER_KEY.',
  },
  {
    path: 'auth_key',
    kind: 'aes-key',
    description:
      'Authentication key (only meters with security control 0x30 send a tag to verify). Never printed. Env: KAIFAREADER_AUTH_KEY.',
  },
  {
    path: 'signature_public_key',
    kind: 'p256-point',
    example:
      '04CF711F82714BE5EC70F17F35C77A57A735F30D48914D7A479B77427922A9EACB17215D6A895BBBBE09EE109D83B079A39AE0B285E8A23B5487C5B944BC19CC7F',
    description:
      'Meter public key for frame signatures (Wiener Netze publishes one per meter): the uncompressed P-256 point, 04 followed by x and y, 130 hex digits. When set, a frame whose 96-byte signature trailer does not verify gives signature.invalid and no readings.',
  },
  {
    path: 'profile',
    kind: 'string',
    description: 'Force a meter layout (profile id); by default it is detected from the telegram.',
  },
  {
    path: 'scalers',
    kind: 'obis-scalers',
    example: '{"1.1.31.7.0.255": -2}',
    description:
      "Scaler (power of ten) per OBIS code for registers the meter sends without one, overriding the documented implied scaler (Kamstrup CT meters). The register as sent stays in each reading's raw.",
  },
  {
    path: 'supplier',
    kind: 'string',
    description:
      'Old key: grid operator (TINETZ, EVN, KSMWest, …). Only a hint now: the layout is detected from the telegram.',
  },
  {
    path: 'interval',
    kind: 'number',
    min: 0,
    max: 3600,
    description:
      'Old key: serial read timeout of the Python tool. Accepted and ignored: telegrams are read as they arrive.',
  },
  {
    path: 'data_dir',
    kind: 'path',
    default: '/var/lib/kaifareader',
    description: 'Directory for state (history database, MQTT outbox).',
  },
  {
    path: 'logging',
    kind: 'section',
    description: 'Log output: always stderr (journald), optionally also a file with size rotation.',
  },
  {
    path: 'logging.level',
    kind: 'level',
    default: 'info',
    description: 'debug | info | warn | error (old "logging.INFO" accepted). Old key: loglevel.',
  },
  {
    path: 'logging.file',
    kind: 'path',
    example: '/var/log/kaifareader/kaifa.log',
    description: 'Also write the log to this file. Old key: logfile.',
  },
  {
    path: 'logging.max_bytes',
    kind: 'integer',
    min: 10_000,
    max: 1_000_000_000,
    default: 2_097_152,
    description: 'Rotate the log file when it would grow beyond this size (2 MiB like the old tool).',
  },
  {
    path: 'logging.backups',
    kind: 'integer',
    min: 0,
    max: 50,
    default: 1,
    description: 'Rotated files kept: file.1 … file.N (0: truncate instead).',
  },
  { path: 'exports', kind: 'section', description: 'Where the readings go; any combination at once.' },
  {
    path: 'exports.solarview',
    kind: 'section',
    description:
      'Solarview text file (1.8.0 / 2.8.0 in kWh), rewritten atomically on every telegram. Old keys: export_format "SOLARVIEW" + export_file_abspath.',
  },
  {
    path: 'exports.solarview.file',
    kind: 'path',
    example: '/run/kaifareader/kaifa.txt',
    description: 'Absolute path of the file Solarview reads (required).',
  },
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
  {
    path: 'exports.history',
    kind: 'section',
    toggle: true,
    description: 'SQLite history for the dashboard; true for all defaults.',
  },
  {
    path: 'exports.history.path',
    kind: 'path',
    default: '<data_dir>/history.db',
    description: 'SQLite database file.',
  },
  {
    path: 'exports.history.retention_days',
    kind: 'integer',
    min: 1,
    max: 36_500,
    default: 30,
    description: 'Days of full-resolution rows kept; hourly/daily rollups are kept for ever.',
  },
  {
    path: 'exports.history.time_zone',
    kind: 'string',
    default: 'Europe/Vienna',
    example: 'Europe/Vienna',
    description: 'IANA time zone whose local midnights and months divide energy per day/month.',
  },
  {
    path: 'http',
    kind: 'section',
    toggle: true,
    description: 'HTTP dashboard, JSON API and /metrics; off when absent, true for all defaults.',
  },
  {
    path: 'http.host',
    kind: 'host',
    default: '127.0.0.1',
    example: '127.0.0.1',
    description: 'Listen address; anything but loopback requires token or basic_auth.',
  },
  {
    path: 'http.port',
    kind: 'integer',
    min: 0,
    max: 65535,
    default: 8080,
    description: 'Listen port (0: any free port, logged at start).',
  },
  {
    path: 'http.token',
    kind: 'secret',
    description: 'Bearer token required by the API and dashboard. Never printed.',
  },
  {
    path: 'http.allowed_hosts',
    kind: 'host-list',
    example: 'meter.home.arpa',
    description:
      'Without token or basic_auth only requests whose Host header is a loopback name or address are answered (DNS rebinding guard); list further names that reach this server, e.g. ["meter.home.arpa"].',
  },
  { path: 'http.basic_auth', kind: 'section', description: 'HTTP basic authentication.' },
  { path: 'http.basic_auth.username', kind: 'string', description: 'User name (required in basic_auth).' },
  {
    path: 'http.basic_auth.password',
    kind: 'secret',
    description: 'Password (required in basic_auth). Never printed.',
  },
];

export const SCHEMA_BY_PATH: ReadonlyMap<string, FieldSpec> = new Map(CONFIG_SCHEMA.map((f) => [f.path, f]));

/** Keys allowed directly under `parent` ('' = top level). */
export function childKeys(parent: string): string[] {
  const prefix = parent === '' ? '' : parent + '.';
  return CONFIG_SCHEMA.filter(
    (f) => f.path.startsWith(prefix) && !f.path.slice(prefix.length).includes('.'),
  ).map((f) => f.path.slice(prefix.length));
}
