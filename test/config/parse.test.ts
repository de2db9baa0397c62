import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/daemon/config-schema.js';
import type { ConfigResult } from '../../src/config/parse.js';
import type { AppConfig } from '../../src/config/types.js';
import type { Key } from '../../src/util/key.js';
import { toHex } from '../../src/util/hex.js';

const FIXTURES = new URL('../fixtures/config/', import.meta.url);
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
const KEY = '36C66639E48A8CA4D6BC8B282A793BBB';
const SERIAL = { type: 'serial', port: '/dev/ttyUSB0', baudRate: 2400, dataBits: 8, stopBits: 1 } as const;

function okConfig(r: ConfigResult<AppConfig>): AppConfig {
  if (!r.ok) assert.fail(`expected ok, got ${JSON.stringify(r.errors)}`);
  return r.config;
}

/** The one meter of a single-meter file (id `default`). */
function only(c: AppConfig) {
  assert.equal(c.meters.length, 1);
  assert.equal(c.meters[0]!.id, 'default');
  return c.meters[0]!;
}
const serialOf = (c: AppConfig) => {
  const s = only(c).source;
  return s.type === 'serial' ? s : undefined;
};
const hex = (k: Key | Uint8Array | undefined): string | undefined =>
  k === undefined ? undefined : toHex(k instanceof Uint8Array ? k : k.bytes);

test('the old template (key filled in) is accepted unchanged', () => {
  const r = parseConfig(fixture('meter_template.json'));
  const c = okConfig(r);
  assert.equal(hex(only(c).key), KEY);
  const expected: AppConfig = {
    meters: [{ id: 'default', source: { ...SERIAL, parity: 'none' }, key: only(c).key! }],
    dataDir: '/var/lib/kaifareader',
    logging: { level: 'info', file: '/var/log/kaifareader/kaifa.log', maxBytes: 2_097_152, backups: 1 },
    exports: { solarview: { file: '/var/run/kaifareader/kaifa.txt' } },
  };
  assert.deepEqual(okConfig(r), expected);
  assert.equal(r.ok && r.legacy, true);
  assert.deepEqual(r.warnings, []);
});

test('the old MQTT layout becomes exports.mqtt with the old topics', () => {
  const c = okConfig(parseConfig(fixture('meter_mqtt.json')));
  assert.deepEqual(only(c).source, { ...SERIAL, parity: 'even' });
  assert.equal(c.logging.level, 'debug');
  assert.equal(only(c).supplier, 'EVN');
  assert.equal(c.exports.solarview, undefined);
  assert.deepEqual(c.exports.mqtt, {
    url: 'mqtt://192.168.0.99:1883',
    username: 'meter',
    password: 's3cret-pw',
    clientId: 'kaifareader',
    keepalive: 60,
    baseTopic: 'kaifareader',
    qos: 1,
    legacyTopics: true,
    perValueTopics: false,
    discovery: { enabled: true, prefix: 'homeassistant' },
    outbox: { maxMessages: 500_000 },
  });
});

test('the KSM-West variant template maps file_export_* and ignores disabled mqtt/influxdb', () => {
  const r = parseConfig(fixture('meter_ksmwest_template.json'));
  const c = okConfig(r);
  assert.deepEqual(c.exports, { solarview: { file: '/etc/kaifareader/export.txt' } });
  assert.equal(only(c).supplier, 'KSMWest');
  assert.deepEqual(r.warnings, []);
});

test('the new nested layout', () => {
  const c = okConfig(parseConfig(fixture('meter_new.json')));
  assert.equal(hex(only(c).key), KEY);
  assert.deepEqual(only(c).source, { ...SERIAL, parity: 'even' });
  assert.deepEqual(c.logging, {
    level: 'info',
    file: '/var/log/kaifareader/kaifareader.log',
    maxBytes: 2_000_000,
    backups: 1,
  });
  assert.deepEqual(c.exports.solarview, { file: '/run/kaifareader/kaifa.txt' });
  assert.equal(c.exports.mqtt?.legacyTopics, false);
  assert.deepEqual(c.exports.history, { path: '/var/lib/kaifareader/history.db', retentionDays: 30 });
  assert.deepEqual(c.http, { host: '127.0.0.1', port: 8080 });
});

const base0 = { port: '/dev/ttyUSB0', key_hex_string: KEY };
const base = { ...base0, export_format: 'SOLARVIEW', export_file_abspath: '/run/k.txt' };

test('every old value form is read as data', () => {
  const cases: Array<[Record<string, unknown>, (c: AppConfig) => unknown, unknown]> = [
    [{ parity: 'serial.PARITY_NONE' }, (c) => serialOf(c)?.parity, 'none'],
    [{ parity: 'serial.PARITY_EVEN' }, (c) => serialOf(c)?.parity, 'even'],
    [{ parity: 'serial.PARITY_ODD' }, (c) => serialOf(c)?.parity, 'odd'],
    [{ parity: 'serial.PARITY_MARK' }, (c) => serialOf(c)?.parity, 'mark'],
    [{ parity: 'serial.PARITY_SPACE' }, (c) => serialOf(c)?.parity, 'space'],
    [{ parity: 'E' }, (c) => serialOf(c)?.parity, 'even'],
    [{ parity: 'N' }, (c) => serialOf(c)?.parity, 'none'],
    [{ parity: 'even' }, (c) => serialOf(c)?.parity, 'even'],
    [{ stopbits: 'serial.STOPBITS_ONE' }, (c) => serialOf(c)?.stopBits, 1],
    [{ stopbits: 'serial.STOPBITS_ONE_POINT_FIVE' }, (c) => serialOf(c)?.stopBits, 1.5],
    [{ stopbits: 'serial.STOPBITS_TWO' }, (c) => serialOf(c)?.stopBits, 2],
    [{ stopbits: 1 }, (c) => serialOf(c)?.stopBits, 1],
    [{ stopbits: 2 }, (c) => serialOf(c)?.stopBits, 2],
    [{ bytesize: 'serial.EIGHTBITS' }, (c) => serialOf(c)?.dataBits, 8],
    [{ bytesize: 'serial.SEVENBITS' }, (c) => serialOf(c)?.dataBits, 7],
    [{ bytesize: 8 }, (c) => serialOf(c)?.dataBits, 8],
    [{ baudrate: 9600 }, (c) => serialOf(c)?.baudRate, 9600],
    [{ loglevel: 'logging.DEBUG' }, (c) => c.logging.level, 'debug'],
    [{ loglevel: 'logging.INFO' }, (c) => c.logging.level, 'info'],
    [{ loglevel: 'logging.WARNING' }, (c) => c.logging.level, 'warn'],
    [{ loglevel: 'logging.ERROR' }, (c) => c.logging.level, 'error'],
    [{ loglevel: 'logging.CRITICAL' }, (c) => c.logging.level, 'error'],
    [{ loglevel: 'info' }, (c) => c.logging.level, 'info'],
    [{ loglevel: 20 }, (c) => c.logging.level, 'info'],
    [{ interval: 15 }, (c) => only(c).source.type, 'serial'],
    [{ supplier: 'TINETZ' }, (c) => only(c).supplier, 'TINETZ'],
    [{ key_hex_string: '0x36c66639 e48a8ca4 d6bc8b28 2a793bbb' }, (c) => hex(only(c).key), KEY],
    [{ export_format: 'solarview' }, (c) => c.exports.solarview?.file, '/run/k.txt'],
    [{ logfile: '/var/log/k.log' }, (c) => c.logging.file, '/var/log/k.log'],
  ];
  for (const [extra, pick, want] of cases) {
    const c = okConfig(parseConfig({ ...base, ...extra }));
    assert.equal(pick(c), want, JSON.stringify(extra));
  }
});

test('old MQTT keys: port default 1883, empty user/password left out, IPv6 bracketed', () => {
  const c = okConfig(
    parseConfig({
      port: '/dev/ttyUSB0',
      export_format: 'MQTT',
      export_mqtt_server: 'fd00::5',
      export_mqtt_user: '',
      export_mqtt_password: '',
    }),
  );
  assert.equal(c.exports.mqtt?.url, 'mqtt://[fd00::5]:1883');
  assert.equal(c.exports.mqtt?.username, undefined);
  assert.equal(c.exports.mqtt?.password, undefined);
  assert.equal(c.exports.mqtt?.baseTopic, 'kaifareader');
});

/** [config, issue path, message substring] */
const BAD: Array<[Record<string, unknown>, string, string]> = [
  [{ ...base, port: undefined }, 'source', 'required: the serial port'],
  [{ ...base, baudrate: '2400' }, 'baudrate', 'without quotes'],
  [{ ...base, baudrate: 12 }, 'baudrate', 'from 300 to 921600'],
  [{ ...base, parity: 'serial.PARITY_FOO' }, 'parity', '"none", "even", "odd"'],
  [{ ...base, stopbits: 3 }, 'stopbits', 'expected 1, 1.5 or 2'],
  [{ ...base, bytesize: 'serial.NINEBITS' }, 'bytesize', 'expected 5, 6, 7 or 8'],
  [{ ...base, loglevel: 'logging.LOUD' }, 'loglevel', '"debug", "info", "warn" or "error"'],
  [{ ...base, key_hex_string: 'ABCD' }, 'key_hex_string', 'got 4 digits'],
  [{ ...base, key_hex_string: 'XX' + KEY.slice(2) }, 'key_hex_string', 'non-hex'],
  [{ ...base, key_hex_string: 42 }, 'key_hex_string', '32 hex digits in quotes'],
  [{ ...base, export_format: 'CSV' }, 'export_format', 'expected "SOLARVIEW" or "MQTT"'],
  [
    { ...base, export_file_abspath: undefined },
    'export_file_abspath',
    'required when export_format is "SOLARVIEW"',
  ],
  [{ ...base, export_format: 'MQTT' }, 'export_mqtt_server', 'required when export_format is "MQTT"'],
  [
    { ...base, export_format: 'MQTT', export_mqtt_server: 'h', export_mqtt_port: 70000 },
    'export_mqtt_port',
    'from 1 to 65535',
  ],
  [
    { ...base, export_format: 'MQTT', export_mqtt_server: 'mqtt://h:1883' },
    'export_mqtt_server',
    'host name or IP address',
  ],
  [{ ...base, file_export_enabled: 'yes' }, 'file_export_enabled', 'true or false'],
  [
    { ...base, source: { port: '/dev/ttyUSB1' } },
    'port',
    'both the old key "port" and the new key "source.port"',
  ],
  [{ ...base, port: undefined, source: { port: 8899 } }, 'source.port', 'tcp://host:8899'],
  [{ ...base, port: undefined, source: 'COM3' }, 'source', 'expected a serial device'],
  [{ ...base, port: undefined, source: 'tcp://host' }, 'source', 'tcp://host:port'],
  [{ ...base, port: undefined, source: { port: '/dev/a', tcp: 'h:1' } }, 'source', 'set only one of'],
  [{ ...base, port: undefined, source: { baudrate: 2400 } }, 'source', 'needs one of "port"'],
  [{ ...base, port: undefined, source: 5 }, 'source', 'expected an object'],
  [{ ...base, logging: { max_bytes: -1 } }, 'logging.max_bytes', 'whole number'],
  [{ ...base, exports: { mqtt: {} } }, 'exports.mqtt.url', 'required: the broker URL'],
  [
    { ...base, exports: { mqtt: { url: '192.168.0.10' } } },
    'exports.mqtt.url',
    'write "mqtt://192.168.0.10:1883"',
  ],
  [{ ...base, exports: { mqtt: { url: 'mqtt://h', qos: 3 } } }, 'exports.mqtt.qos', 'from 0 to 2'],
  [
    { ...base, exports: { mqtt: { url: 'mqtt://h', tls: { cert_file: '/c.pem' } } } },
    'exports.mqtt.tls.key_file',
    'both cert_file and key_file',
  ],
  [{ ...base0, exports: { solarview: {} } }, 'exports.solarview.file', 'required'],
  [{ ...base, exports: { history: 'yes' } }, 'exports.history', 'or true/false'],
  [{ ...base, http: { host: '0.0.0.0' } }, 'http.host', 'set "http.token" or "http.basic_auth"'],
  [{ ...base, http: { port: 70000 } }, 'http.port', 'from 0 to 65535'],
  [{ ...base, http: { basic_auth: { username: 'u' } } }, 'http.basic_auth.password', 'required'],
  [
    { ...base, exports: { mqtt: { url: 'mqtt://h', password: 7 } } },
    'exports.mqtt.password',
    'the value is not shown',
  ],
];

test('each bad config gets its message under the key the user wrote', () => {
  for (const [json, path, substring] of BAD) {
    const r = parseConfig(JSON.parse(JSON.stringify(json)));
    assert.equal(r.ok, false, `${path} should fail`);
    if (r.ok) continue;
    const hit = r.errors.find((e) => e.path === path);
    assert.ok(hit, `no issue at ${path}: ${JSON.stringify(r.errors)}`);
    assert.ok(hit.message.includes(substring), `${path}: "${hit.message}" lacks "${substring}"`);
  }
});

test('all errors are reported at once', () => {
  const r = parseConfig({
    port: 1,
    baudrate: 'x',
    parity: 'Q',
    key_hex_string: 'ab',
    export_format: 'MQTT',
    export_mqtt_port: 'p',
    http: { host: '10.0.0.1', port: 'x' },
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(
    r.errors.map((e) => e.path).sort(),
    [
      'baudrate',
      'export_mqtt_port',
      'export_mqtt_server',
      'http.host',
      'http.port',
      'key_hex_string',
      'parity',
      'port',
    ].sort(),
  );
});

test('no message and no warning ever contains a key or password', () => {
  const secret = 'A1B2C3D4E5F60718293A4B5C6D7E8F9';
  const configs = [
    { ...base, key_hex_string: secret },
    { ...base, key_hex_string: secret + 'Z' },
    { ...base, key: secret.toLowerCase(), key_hex_string: KEY },
    { ...base, auth_key: secret },
    { ...base, exports: { mqtt: { url: 'mqtt://u:' + secret + '@h', qos: 9 } } },
    { ...base, http: { host: '0.0.0.0', token: secret.slice(0, 10) } },
  ];
  for (const c of configs) {
    const text = JSON.stringify(parseConfig(c)).toUpperCase();
    const leaked = text.includes(secret.toUpperCase().slice(0, 12)) && !JSON.stringify(c).includes('"url"');
    assert.equal(leaked, false, `secret leaked for ${Object.keys(c).join(',')}`);
    const r = parseConfig(c);
    const messages = JSON.stringify(r.ok ? r.warnings : [r.errors, r.warnings]).toUpperCase();
    assert.equal(messages.includes(secret.toUpperCase().slice(0, 10)), false, messages);
  }
});

test('unknown keys are warnings with a suggestion', () => {
  const r = parseConfig({
    ...base0,
    key_hex_strng: 'x',
    exports: { solarview: { file: '/a', fiel: 1 } },
    zzz: 1,
  });
  okConfig(r);
  assert.ok(
    r.warnings.some((w) => w.includes('"key_hex_strng"') && w.includes('did you mean "key_hex_string"')),
    r.warnings.join('\n'),
  );
  assert.ok(
    r.warnings.some((w) => w.includes('"exports.solarview.fiel"') && w.includes('did you mean "file"')),
  );
  assert.ok(r.warnings.some((w) => w.includes('"zzz"') && w.includes('known keys here')));
});

test('source forms: string device, tcp string and object, replay', () => {
  const noPort = { ...base, port: undefined };
  assert.deepEqual(only(okConfig(parseConfig({ ...noPort, source: '/dev/ttyAMA0' }))).source, {
    ...SERIAL,
    port: '/dev/ttyAMA0',
    parity: 'none',
  });
  assert.deepEqual(only(okConfig(parseConfig({ ...noPort, source: 'tcp://10.0.0.5:2000' }))).source, {
    type: 'tcp',
    host: '10.0.0.5',
    port: 2000,
  });
  assert.deepEqual(only(okConfig(parseConfig({ ...noPort, source: { tcp: '10.0.0.5:2000' } }))).source, {
    type: 'tcp',
    host: '10.0.0.5',
    port: 2000,
  });
  assert.deepEqual(
    only(
      okConfig(
        parseConfig(
          { ...noPort, source: { replay: 'cap.hex', speed: 'fast' } },
          { baseDir: '/etc/kaifareader' },
        ),
      ),
    ).source,
    {
      type: 'replay',
      file: '/etc/kaifareader/cap.hex',
      speed: 'fast',
      loop: false,
    },
  );
});

test('env keys and overrides win over the file', () => {
  const other = '00112233445566778899AABBCCDDEEFF';
  const r = parseConfig(fixture('meter_template.json'), {
    env: { KAIFAREADER_KEY: other.toLowerCase() },
    overrides: { logging: { level: 'debug' } },
  });
  const c = okConfig(r);
  assert.equal(hex(only(c).key), other);
  assert.equal(c.logging.level, 'debug');
  assert.equal(c.logging.file, '/var/log/kaifareader/kaifa.log');
  const bad = parseConfig(fixture('meter_template.json'), { env: { KAIFAREADER_KEY: 'abc' } });
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.errors[0]?.path, 'KAIFAREADER_KEY');
});

test('http off loopback is fine with a token or basic auth; sections accept true', () => {
  const c = okConfig(
    parseConfig({ ...base, http: { host: '0.0.0.0', token: 'x'.repeat(24) }, exports: { history: true } }),
  );
  assert.deepEqual(c.http, { host: '0.0.0.0', port: 8080, token: 'x'.repeat(24) });
  assert.deepEqual(c.exports.history, { path: '/var/lib/kaifareader/history.db', retentionDays: 30 });
  const b = okConfig(
    parseConfig({ ...base, http: { host: '::', basic_auth: { username: 'u', password: 'p' } } }),
  );
  assert.deepEqual(b.http?.basicAuth, { username: 'u', password: 'p' });
  assert.equal(okConfig(parseConfig({ ...base, http: { host: 'localhost' } })).http?.host, 'localhost');
});

test('a missing key is a warning, not an error; a known-profile list is enforced', () => {
  const r = parseConfig({ ...base, key_hex_string: '' });
  assert.equal(only(okConfig(r)).key, undefined);
  assert.ok(r.warnings.some((w) => w.startsWith('no key set')));
  const p = parseConfig(
    { ...base, profile: 'obis-tripels' },
    { knownProfiles: ['obis-triples', 'evn-flat'] },
  );
  assert.equal(!p.ok && p.errors[0]?.message.includes('did you mean "obis-triples"'), true);
});

test('the top level must be an object', () => {
  for (const json of [[], 'x', 3, null]) {
    const r = parseConfig(json);
    assert.equal(!r.ok && r.errors[0]?.path, '(file)');
  }
});

test('signature_public_key: the uncompressed P-256 point (Wiener Netze), spaces and case ignored; anything else named', () => {
  // The published key of the IM350 in test/fixtures/peer/wienernetze-im350_pyir_1.json.
  const point =
    '04CF711F82714BE5EC70F17F35C77A57A735F30D48914D7A479B77427922A9EACB17215D6A895BBBBE09EE109D83B079A39AE0B285E8A23B5487C5B944BC19CC7F';
  const spaced = point.toLowerCase().replace(/(.{8})/g, '$1 ');
  const c = okConfig(parseConfig({ port: '/dev/ttyUSB0', key: KEY, signature_public_key: spaced }));
  assert.equal(hex(only(c).signaturePublicKey), point);
  assert.equal(only(c).signaturePublicKey?.length, 65);
  const r = parseConfig({ port: '/dev/ttyUSB0', key: KEY, signature_public_key: point.slice(2) });
  assert.equal(r.ok, false);
  assert.match(JSON.stringify(r.ok ? [] : r.errors), /130 hex digits starting with 04/);
});
