/**
 * meter.json with many meters (`meters: [...]`) and the single-meter forms as meter `default`: every error with
 * its exact message, env keys, redaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadConfig, parseConfig } from '../../src/daemon/config-schema.js';
import type { ConfigIssue } from '../../src/config/issues.js';
import type { AppConfig } from '../../src/config/types.js';
import { toHex } from '../../src/util/hex.js';
import { runCheck } from '../../src/cli/config-command.js';

const KEY = '36C66639E48A8CA4D6BC8B282A793BBB';
const KEY2 = '00112233445566778899AABBCCDDEEFF';
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

function ok(json: unknown, ctx = {}): { config: AppConfig; warnings: string[] } {
  const r = parseConfig(json, ctx);
  if (!r.ok) assert.fail(`expected ok, got ${JSON.stringify(r.errors)}`);
  return r;
}
function errors(json: unknown, ctx = {}): ConfigIssue[] {
  const r = parseConfig(json, ctx);
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors;
}
const SV = { solarview: { file: '/run/k/kaifa-{meter}.txt' } };
const SERIAL0 = {
  type: 'serial',
  port: '/dev/ttyUSB0',
  baudRate: 2400,
  parity: 'none',
  dataBits: 8,
  stopBits: 1,
};

test('the list form: each meter with its own source, keys, profile, scalers and exports', () => {
  const point = '04' + 'AB'.repeat(64);
  const { config, warnings } = ok({
    meters: [
      {
        id: 'home',
        name: 'Haus',
        source: '/dev/ttyUSB0',
        key: KEY,
        auth_key: KEY2,
        profile: 'obis-triples',
        signature_public_key: point,
        scalers: { '1.1.31.7.0.255': -2 },
        exports: ['solarview', 'mqtt'],
      },
      { id: 'heat_pump-2', source: { tcp: '10.0.0.5:2000' }, key: KEY2 },
    ],
    exports: { ...SV, mqtt: { url: 'mqtt://127.0.0.1:1883' } },
  });
  assert.deepEqual(warnings, []);
  assert.equal(config.meters.length, 2);
  const [home, heat] = config.meters;
  assert.deepEqual(
    {
      ...home,
      key: toHex(home!.key!.bytes),
      authKey: toHex(home!.authKey!.bytes),
      signaturePublicKey: toHex(home!.signaturePublicKey!),
    },
    {
      id: 'home',
      name: 'Haus',
      source: SERIAL0,
      key: KEY,
      authKey: KEY2,
      profile: 'obis-triples',
      signaturePublicKey: point,
      scalers: { '1.1.31.7.0.255': -2 },
      exports: ['solarview', 'mqtt'],
    },
  );
  assert.equal(home!.signaturePublicKey!.length, 65);
  assert.deepEqual(
    { ...heat, key: toHex(heat!.key!.bytes) },
    {
      id: 'heat_pump-2',
      source: { type: 'tcp', host: '10.0.0.5', port: 2000 },
      key: KEY2,
    },
  );
  assert.equal(heat!.exports, undefined, 'no exports list: every enabled sink');
});

test('the flat forms are one meter "default" with the same values as before', () => {
  const old = ok(fixture('meter_template.json')).config;
  assert.equal(old.meters.length, 1);
  assert.equal(old.meters[0]!.id, 'default');
  assert.deepEqual(
    { ...old.meters[0], key: toHex(old.meters[0]!.key!.bytes) },
    { id: 'default', source: SERIAL0, key: KEY },
  );
  const nested = ok(fixture('meter_new.json')).config;
  assert.deepEqual(
    nested.meters.map((m) => m.id),
    ['default'],
  );
  assert.deepEqual(nested.meters[0]!.source, { ...SERIAL0, parity: 'even' });
  assert.equal(toHex(nested.meters[0]!.key!.bytes), KEY);
});

test('both forms in one file: an error that names the keys to move (as written, old keys too)', () => {
  assert.deepEqual(
    errors({ meters: [{ id: 'a', source: '/dev/ttyUSB0' }], port: '/dev/ttyUSB1', key: KEY }),
    [
      {
        path: 'meters',
        message:
          '"meters" and the single-meter keys "port", "key" are both set: move port, key into each meter of "meters" (as "source", "key", …), or remove "meters" for one meter',
      },
    ],
  );
  assert.equal(
    errors({ meters: [{ id: 'a', source: '/dev/ttyUSB0' }], source: '/dev/ttyUSB1', profile: 'x' })[0]
      ?.message,
    '"meters" and the single-meter keys "source", "profile" are both set: move source, profile into each meter of "meters" (as "source", "key", …), or remove "meters" for one meter',
  );
});

test('ids: required, [A-Za-z0-9_-] 1–64, unique — duplicates name both positions', () => {
  const e = errors({
    meters: [
      { id: 'home', source: '/dev/ttyUSB0' },
      { source: '/dev/ttyUSB1' },
      { id: 'home', source: '/dev/ttyUSB2' },
      { id: 'bad id', source: '/dev/ttyUSB3' },
      { id: 'x'.repeat(65), source: '/dev/ttyUSB4' },
    ],
  });
  assert.deepEqual(e, [
    {
      path: 'meters[2].id (meter "home")',
      message: 'meters[0].id and meters[2].id are both "home": every meter needs its own id',
    },
    {
      path: 'meters[1].id',
      message: 'required: a unique id of 1 to 64 letters, digits, _ or -, e.g. "home"',
    },
    {
      path: 'meters[3].id',
      message:
        'expected an id of 1 to 64 letters A-Z a-z, digits, "_" or "-" such as "home", got the string "bad id"',
    },
    {
      path: 'meters[4].id',
      message: `expected an id of 1 to 64 letters A-Z a-z, digits, "_" or "-" such as "home", got the string "${'x'.repeat(57)}..."`,
    },
  ]);
});

test('two meters on one port: the same device (also through a symlink), tcp host:port or replay file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-meters-'));
  try {
    const dev = join(dir, 'ttyUSB0');
    writeFileSync(dev, '');
    const link = join(dir, 'usb-FTDI-if00');
    symlinkSync(dev, link);
    assert.deepEqual(
      errors({
        meters: [
          { id: 'a', source: dev },
          { id: 'b', source: { port: link, baudrate: 9600 } },
        ],
      }),
      [
        {
          path: 'meters[1].source (meter "b")',
          message: `meters[0].source and meters[1].source are both ${link} (${dev}): one port carries one meter's telegrams — give each meter its own source`,
        },
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(
    errors({
      meters: [
        { id: 'a', source: 'tcp://Bridge:2000' },
        { id: 'b', source: { tcp: 'bridge:2000' } },
      ],
    })[0]?.message,
    "meters[0].source and meters[1].source are both tcp://bridge:2000: one port carries one meter's telegrams — give each meter its own source",
  );
  assert.equal(
    errors(
      {
        meters: [
          { id: 'a', source: { replay: 'cap.hex' } },
          { id: 'b', source: { replay: '/etc/k/cap.hex' } },
        ],
      },
      { baseDir: '/etc/k' },
    )[0]?.message,
    "meters[0].source and meters[1].source are both /etc/k/cap.hex: one port carries one meter's telegrams — give each meter its own source",
  );
  // Different ports on one bridge are fine.
  ok({
    meters: [
      { id: 'a', source: 'tcp://bridge:2000' },
      { id: 'b', source: 'tcp://bridge:2001' },
    ],
    exports: SV,
  });
});

test('exports: an unknown sink is an error with a suggestion, a sink not enabled is a warning', () => {
  assert.deepEqual(
    errors({ meters: [{ id: 'home', source: '/dev/ttyUSB0', key: KEY, exports: ['mqqt'] }] }),
    [
      {
        path: 'meters[0].exports (meter "home")',
        message:
          'unknown sink "mqqt" — did you mean "mqtt"?; known: solarview, mqtt, history, postgresql, line_protocol',
      },
    ],
  );
  const { warnings } = ok({
    meters: [{ id: 'home', source: '/dev/ttyUSB0', key: KEY, exports: ['solarview', 'history'] }],
    exports: SV,
  });
  assert.deepEqual(warnings, [
    'meters[0].exports (meter "home"): "history" is not enabled (no "exports.history" section), so this meter feeds it nothing — add the section or remove "history"',
  ]);
  assert.equal(
    errors({ meters: [{ id: 'home', source: '/dev/ttyUSB0', exports: 'mqtt' }] })[0]?.message,
    'expected a list of names such as ["mqtt", "history"], got the string "mqtt"',
  );
});

test('errors name the meter by position and id; all errors at once', () => {
  const e = errors({
    meters: [
      { id: 'home', source: '/dev/ttyUSB0', key: 'abc' },
      { id: 'heatpump', source: { port: '/dev/ttyUSB1', baudrate: 'fast' }, auth_key: 12 },
      { name: 'no id', source: 'COM3' },
    ],
  });
  assert.deepEqual(
    e.map((i) => i.path),
    [
      'meters[0].key (meter "home")',
      'meters[1].source.baudrate (meter "heatpump")',
      'meters[1].auth_key (meter "heatpump")',
      'meters[2].id',
      'meters[2].source',
    ],
  );
  assert.equal(JSON.stringify(e).includes('abc'), false, 'a key is never echoed');
});

test('an unknown key in a meter is a warning naming the meter, with a suggestion', () => {
  const { warnings } = ok({
    meters: [{ id: 'home', source: '/dev/ttyUSB0', key: KEY, profil: 'x' }],
    exports: SV,
  });
  assert.deepEqual(warnings, [
    'unknown key meters[0].profil (meter "home") is ignored — did you mean "profile"?',
  ]);
});

test('a world-readable file with keys inside the meters list is warned about', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-meters-mode-'));
  try {
    const f = join(dir, 'meter.json');
    writeFileSync(
      f,
      JSON.stringify({ meters: [{ id: 'home', source: '/dev/ttyUSB0', key: KEY }], exports: SV }),
    );
    chmodSync(f, 0o644);
    const r = loadConfig(f, { env: {} });
    assert.equal(r.ok, true);
    assert.deepEqual(r.warnings, [
      `${f} holds a key or password and every user can read it (mode 644): run \`sudo chmod 640 ${f}\``,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty or non-list meters, and a non-object element', () => {
  assert.deepEqual(errors({ meters: [] }), [
    {
      path: 'meters',
      message: 'needs at least one meter, e.g. [{"id": "home", "source": "/dev/ttyUSB0", "key": "…"}]',
    },
  ]);
  assert.deepEqual(errors({ meters: { id: 'a' } }), [
    { path: 'meters', message: 'expected a list [ {…}, … ], got an object' },
  ]);
  assert.deepEqual(errors({ meters: ['/dev/ttyUSB0'] }), [
    {
      path: 'meters[0]',
      message: 'expected an object {"id": …, "source": …}, got the string "/dev/ttyUSB0"',
    },
  ]);
});

test('env keys: applied to the single-meter file, ignored with a warning in the list form', () => {
  const flat = ok(
    { source: '/dev/ttyUSB0' },
    { env: { KAIFAREADER_KEY: KEY2, KAIFAREADER_AUTH_KEY: KEY } },
  ).config;
  assert.equal(toHex(flat.meters[0]!.key!.bytes), KEY2);
  assert.equal(toHex(flat.meters[0]!.authKey!.bytes), KEY);
  const list = ok(
    { meters: [{ id: 'home', source: '/dev/ttyUSB0', key: KEY }], exports: SV },
    { env: { KAIFAREADER_KEY: KEY2 } },
  );
  assert.equal(toHex(list.config.meters[0]!.key!.bytes), KEY);
  assert.deepEqual(list.warnings, [
    'KAIFAREADER_KEY is set but ignored: it applies to the single-meter file only; with "meters" set each meter\'s "key" in meter.json (meters[].key)',
  ]);
});

test('solarview: several meters need {meter} in the path; one meter keeps its path unchanged', () => {
  const two = [
    { id: 'home', source: '/dev/ttyUSB0', key: KEY },
    { id: 'heat', source: '/dev/ttyUSB1', key: KEY2 },
  ];
  assert.deepEqual(errors({ meters: two, exports: { solarview: { file: '/run/k/kaifa.txt' } } }), [
    {
      path: 'exports.solarview.file',
      message:
        'two meters would overwrite one file: put {meter} in exports.solarview.file, e.g. "/run/kaifareader/kaifa-{meter}.txt" (2 meters feed it)',
    },
  ]);
  // Only one of them feeds solarview: fine without {meter}.
  ok({ meters: [two[0], { ...two[1], exports: [] }], exports: { solarview: { file: '/run/k/kaifa.txt' } } });
  ok({ meters: two, exports: SV });
  assert.equal(
    ok({ source: '/dev/ttyUSB0', key: KEY, exports: { solarview: { file: '/run/k/kaifa.txt' } } }).config
      .exports.solarview?.file,
    '/run/k/kaifa.txt',
  );
});

test('redaction: no key digits in JSON.stringify(config), inspect, or config check output', () => {
  const json = {
    meters: [
      { id: 'home', name: 'Haus', source: '/dev/ttyUSB0', key: KEY, auth_key: KEY2, exports: ['solarview'] },
      { id: 'heat', source: 'tcp://10.0.0.5:2000' },
    ],
    exports: SV,
  };
  const { config } = ok(json);
  for (const text of [JSON.stringify(config), inspect(config, { depth: 9 }), String(config.meters[0]!.key)]) {
    for (const digits of [KEY, KEY2, KEY.slice(0, 8), KEY2.slice(0, 8), KEY.toLowerCase().slice(0, 8)])
      assert.equal(text.toUpperCase().includes(digits.toUpperCase()), false, text);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kr-meters-check-'));
  try {
    const f = join(dir, 'meter.json');
    writeFileSync(f, JSON.stringify(json), { mode: 0o600 });
    let out = '';
    let err = '';
    const code = runCheck(
      f,
      {},
      (s) => (out += s),
      (s) => (err += s),
    );
    assert.equal(code, 0, err);
    assert.ok(
      out.includes(
        'meters (2):\n' +
          '  home "Haus": source /dev/ttyUSB0 2400 8N1; profile detected; exports solarview; key present, auth_key present\n' +
          '  heat: source tcp://10.0.0.5:2000; profile detected; exports all enabled (solarview); key absent, auth_key absent\n',
      ),
      out,
    );
    const printed = JSON.parse(out.slice(out.indexOf('\n{') + 1)) as {
      meters: Array<Record<string, unknown>>;
    };
    assert.equal(printed.meters[0]!.key, '<redacted, 16 bytes>');
    assert.equal(printed.meters[1]!.key, undefined);
    for (const digits of [KEY.slice(0, 8), KEY2.slice(0, 8)])
      assert.equal((out + err).toUpperCase().includes(digits), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MQTT sources: meters may share one + filter (the + level names each); a malformed filter says what to write', () => {
  const url = 'mqtt://10.0.0.9:1883/$share/decoders/site/+/telegram';
  const { config } = ok({
    meters: [
      { id: 'flat-1', source: url, key: KEY },
      { id: 'flat-2', source: { mqtt: url, client_id: 'decoder-a' }, key: KEY2 },
    ],
  });
  assert.deepEqual(
    config.meters.map((m) => m.source),
    [
      { type: 'mqtt', url },
      { type: 'mqtt', url, clientId: 'decoder-a' },
    ],
  );
  for (const [topic, why] of [
    ['site/flat+/telegram', '"flat+": + and # stand for whole topic levels only'],
    ['site/#/telegram', '# may only be the last topic level'],
  ] as const) {
    const e = errors({ meters: [{ id: 'a', source: `mqtt://10.0.0.9/${topic}`, key: KEY }] });
    assert.deepEqual(
      e.map((x) => [x.path, x.message]),
      [
        [
          'meters[0].source (meter "a")',
          `not an MQTT topic filter (${why}), e.g. "mqtt://broker:1883/$share/decoders/site/+/telegram"`,
        ],
      ],
    );
  }
});
