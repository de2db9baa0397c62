/**
 * `kaifareader decode` as a user runs it: the real bin/kaifareader in a child process (needs `npx tsc -p
 * tsconfig.json` first; `npm test` builds before testing). Input forms, output forms, exit codes, messages.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVector, truncatedCapture } from '../helpers/vectors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'kaifareader');
const DIR = mkdtempSync(join(tmpdir(), 'kaifareader-decode-test-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const E450 = loadVector('burgenland_amsreader-gh501_1');
const NO_KEY = loadVector('tinetz_gurux18232_1');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function decode(args: string[], input?: string | Buffer, env?: Record<string, string>): Run {
  assert.ok(
    existsSync(join(ROOT, 'dist', 'cli', 'main.js')),
    'dist/ is missing: run `npx tsc -p tsconfig.json` first',
  );
  const r = spawnSync(process.execPath, [BIN, 'decode', ...args], {
    input,
    encoding: 'utf8',
    timeout: 20_000,
    env: env && { PATH: process.env.PATH ?? '', ...env },
  });
  assert.equal(r.error, undefined);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (s: string): Array<Record<string, unknown>> =>
  s
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const expectedReadings = (v = VKW) =>
  Object.entries(v.expected!).map(([obis, x]) => ({ obis, value: x.value, unit: x.unit ?? null }));

function assertVkwJson(stdout: string): void {
  const [t, ...more] = jsonLines(stdout);
  assert.equal(more.length, 0, 'one line per telegram');
  assert.equal(t!.meter_id, '1KFM0200175269');
  assert.equal(t!.meter_time, '2023-07-26T20:05:20+02:00');
  const readings = t!.readings as Array<{ obis: string; key: string; value: unknown; unit: unknown }>;
  assert.deepEqual(
    readings.map(({ obis, value, unit }) => ({ obis, value, unit })),
    expectedReadings(),
  );
  const key = (obis: string) => readings.find((r) => r.obis === obis)?.key;
  assert.equal(key('1.0.32.7.0.255'), 'voltage_l1_v');
  assert.equal(key('1.0.1.8.0.255'), 'energy_import_wh');
  assert.equal(key('1.0.1.7.0.255'), 'power_import_w');
}

test('table output: header and one row per reading', () => {
  const r = decode(['--key', VKW.key_hex!, ...VKW.frames_hex]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^meter id: +1KFM0200175269 \(Kaifa MA309\)$/m);
  assert.match(r.stdout, /^meter time: +2023-07-26T20:05:20\+02:00$/m);
  assert.match(r.stdout, /^security: +AES-128-GCM encrypted, no tag \(SC 0x21/m);
  for (const { obis, value, unit } of expectedReadings()) {
    const row = new RegExp(
      `^${obis.replace(/\./g, '\\.')} .* ${String(value)}${unit ? `  ${unit}` : ''}$`,
      'm',
    );
    assert.match(r.stdout, row, `row of ${obis}`);
  }
  assert.match(r.stdout, /^1\.0\.32\.7\.0\.255 +Voltage L1 +233 +V$/m);
});

test('--json: one line per telegram with meter_id, meter_time and readings {obis, key, value, unit}', () => {
  const r = decode(['--json', '--key', VKW.key_hex!, ...VKW.frames_hex]);
  assert.equal(r.code, 0, r.stderr);
  assertVkwJson(r.stdout);
  const twice = decode(['--json', '--key', VKW.key_hex!, ...VKW.frames_hex, ...VKW.frames_hex]);
  assert.equal(jsonLines(twice.stdout).length, 2);
});

test('hex with spaces and newlines in one argument; key in lower case with spaces and 0x', () => {
  const spaced = VKW.frames_hex.map((h) => h.replace(/(..)/g, '$1 ').toLowerCase()).join('\n');
  const key = VKW.key_hex!.toLowerCase().replace(/(....)/g, '0x$1 ');
  const r = decode(['--json', '--key', key, spaced]);
  assert.equal(r.code, 0, r.stderr);
  assertVkwJson(r.stdout);
});

test('--file: plain hex, a capture file and binary', () => {
  const plain = join(DIR, 'plain.hex');
  writeFileSync(plain, VKW.frames_hex.join('\n') + '\n');
  const capture = join(DIR, 'capture.txt');
  const halves = VKW.frames_hex.join('');
  writeFileSync(
    capture,
    [
      '# kaifareader capture /dev/ttyUSB0 2400 8N1 started 2026-11-24T23:40:00.000Z',
      `2026-11-24T23:40:01.100Z ${halves.slice(0, 300)}`,
      `2026-11-24T23:40:01.600Z ${halves.slice(300)}`,
      '',
    ].join('\n'),
  );
  const binary = join(DIR, 'capture.bin');
  writeFileSync(binary, Buffer.from(halves, 'hex'));
  for (const file of [plain, capture, binary]) {
    const r = decode(['--json', '--key', VKW.key_hex!, '--file', file]);
    assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    assertVkwJson(r.stdout);
  }
});

test('--file with a capture cut mid-line: the complete telegram decodes, the cut line is named', () => {
  const { text, cutLine } = truncatedCapture(VKW);
  const file = join(DIR, 'cut.txt');
  writeFileSync(file, text);
  const r = decode(['--json', '--key', VKW.key_hex!, '--file', file]);
  assert.equal(r.code, 0, r.stderr);
  assertVkwJson(r.stdout);
  assert.match(r.stderr, new RegExp(`^warning: ${file}: capture line ${cutLine} is cut off`, 'm'));
});

test('- reads stdin', () => {
  const r = decode(['--json', '--key', VKW.key_hex!, '-'], VKW.frames_hex.join('\n'));
  assert.equal(r.code, 0, r.stderr);
  assertVkwJson(r.stdout);
  const bin = decode(['--json', '--key', VKW.key_hex!, '-'], Buffer.from(VKW.frames_hex.join(''), 'hex'));
  assert.equal(bin.code, 0, bin.stderr);
  assertVkwJson(bin.stdout);
});

test('wrong key: plaintext.invalid as JSON, exit 1; as text on stderr', () => {
  const wrong = '00112233445566778899AABBCCDDEEFF';
  const r = decode(['--json', '--key', wrong, ...VKW.frames_hex]);
  assert.equal(r.code, 1);
  const [e] = jsonLines(r.stdout) as Array<{ error: { code: string; message: string } }>;
  assert.equal(e!.error.code, 'plaintext.invalid');
  assert.match(e!.error.message, /the key is probably wrong or belongs to another meter/);
  const text = decode(['--key', wrong, ...VKW.frames_hex]);
  assert.equal(text.code, 1);
  assert.match(
    text.stderr,
    /error \[plaintext\.invalid\]: .*the key is probably wrong or belongs to another meter/,
  );
  assert.doesNotMatch(text.stdout + text.stderr, new RegExp(wrong, 'i'), 'the key is never printed');
});

test('a key of the wrong length: a clear message, exit 64, the key text never in the output', () => {
  for (const [flag, key] of [
    ['--key', 'DEADBEEFCAFE1234'],
    ['--key', 'DEADBEEFCAFE1234DEADBEEFCAFE1234AB'],
    ['--auth-key', 'C0FFEE'],
  ] as const) {
    for (const json of [false, true]) {
      const r = decode([...(json ? ['--json'] : []), flag, key, ...VKW.frames_hex]);
      assert.equal(r.code, 64, `${flag} ${key}`);
      assert.match(r.stdout + r.stderr, /must be 32 hex digits \(16 bytes\), got \d+ digits/);
      assert.ok(!(r.stdout + r.stderr).toUpperCase().includes(key), 'key text not echoed');
    }
  }
  const nonHex = decode(['--key', 'ZZ112233445566778899AABBCCDDEEFF', ...VKW.frames_hex]);
  assert.equal(nonHex.code, 64);
  assert.match(nonHex.stderr, /non-hex characters/);
  assert.ok(!nonHex.stderr.includes('ZZ112233'));
});

test('--key-file and $KAIFAREADER_KEY: the key off the command line (whitespace trimmed)', () => {
  const file = join(DIR, 'meter.key');
  writeFileSync(file, `  ${VKW.key_hex!.toLowerCase()}\n\n`, { mode: 0o600 });
  const fromFile = decode(['--json', '--key-file', file, ...VKW.frames_hex]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assertVkwJson(fromFile.stdout);
  const fromEnv = decode(['--json', ...VKW.frames_hex], undefined, { KAIFAREADER_KEY: VKW.key_hex! });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assertVkwJson(fromEnv.stdout);
  // The command line wins over the environment.
  const wrong = decode(['--key', '00112233445566778899AABBCCDDEEFF', ...VKW.frames_hex], undefined, {
    KAIFAREADER_KEY: VKW.key_hex!,
  });
  assert.equal(wrong.code, 1, wrong.stderr);
});

test('key file or variable problems: exit 64, a message naming the source, never the key', () => {
  const secret = 'DEADBEEFCAFE1234DEADBEEFCAFE12';
  const short = join(DIR, 'short.key');
  writeFileSync(short, secret + '\n');
  const badHex = join(DIR, 'bad.key');
  writeFileSync(badHex, secret + 'ZZ');
  const cases: Array<[string[], Record<string, string> | undefined, RegExp]> = [
    [
      ['--key-file', join(DIR, 'missing.key')],
      undefined,
      /cannot read --key-file .*missing\.key: no such file/,
    ],
    [['--key-file', DIR], undefined, /cannot read --key-file .*: it is a directory/],
    [['--auth-key-file', join(DIR, 'nope')], undefined, /cannot read --auth-key-file .*nope: no such file/],
    [
      ['--key-file', short],
      undefined,
      /the key must be 32 hex digits \(16 bytes\), got 30 digits \(from .*short\.key\)/,
    ],
    [['--key-file', badHex], undefined, /non-hex characters \(from .*bad\.key\)/],
    [[], { KAIFAREADER_KEY: secret }, /got 30 digits \(from \$KAIFAREADER_KEY\)/],
    [[], { KAIFAREADER_AUTH_KEY: secret }, /authentication key must be .* \(from \$KAIFAREADER_AUTH_KEY\)/],
    [
      ['--key', VKW.key_hex!, '--key-file', short],
      undefined,
      /either on the command line or with --key-file, not both/,
    ],
  ];
  for (const [args, env, message] of cases) {
    for (const json of [false, true]) {
      const r = decode([...(json ? ['--json'] : []), ...args, ...VKW.frames_hex], undefined, env);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout + r.stderr, message);
      assert.ok(!(r.stdout + r.stderr).toUpperCase().includes(secret), 'key text not echoed');
      assert.ok(!(r.stdout + r.stderr).toUpperCase().includes(VKW.key_hex!), 'key text not echoed');
    }
  }
});

test('an encrypted telegram without a key: key.missing says where the key goes, exit 1', () => {
  const r = decode(NO_KEY.frames_hex);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error \[key\.missing\]: .*key_hex_string in meter\.json or --key/);
});

test('bad input gives a message and exit 64, never a stack trace', () => {
  const cases: Array<[string[], RegExp]> = [
    [['zz'], /not hex/],
    [['--file', join(DIR, 'missing.hex')], /cannot read .*missing\.hex: no such file/],
    [[], /nothing to decode/],
    [['--profile', 'no-such-meter', ...VKW.frames_hex], /unknown profile "no-such-meter".*obis-structures/],
  ];
  for (const [args, message] of cases) {
    const r = decode(args);
    assert.equal(r.code, 64, args.join(' '));
    assert.match(r.stderr, message);
  }
  const none = decode(['00112233']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /framing\.none|no complete/);
});

test('--profile overrides detection', () => {
  const keys = ['--key', E450.key_hex!, '--auth-key', E450.auth_key_hex!];
  const detected = jsonLines(decode(['--json', ...keys, ...E450.frames_hex]).stdout)[0]!;
  assert.equal(detected.profile, 'burgenland-e450');
  const given = decode(['--json', ...keys, '--profile', 'burgenland-e450', ...E450.frames_hex]);
  assert.equal(given.code, 0, given.stderr);
  assert.deepEqual(jsonLines(given.stdout)[0], detected);
  const misfit = decode(['--json', '--key', VKW.key_hex!, '--profile', 'burgenland-e450', ...VKW.frames_hex]);
  assert.equal(misfit.code, 1);
  assert.equal((jsonLines(misfit.stdout)[0] as { error: { code: string } }).error.code, 'layout.unknown');
});
