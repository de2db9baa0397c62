import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { formatKwh, formatSolarview } from '../../src/sinks/solarview/solarview-format.js';
import { createSolarviewSink, type SolarviewSink } from '../../src/sinks/solarview/solarview-sink.js';
import type { MeterSnapshot, Reading } from '../../src/model/snapshot.js';
import type { Logger } from '../../src/log/logger.js';
import { readableInstall } from '../helpers/readable-install.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import { toHistoryRow } from '../../src/store/history-row.js';

const VKW = JSON.parse(
  readFileSync(new URL('../fixtures/vectors/vorarlberg_philippsev-vkw_1.json', import.meta.url), 'utf8'),
) as {
  expected: Record<string, { value: number | string; unit?: string }>;
};

function snapshot(readings: Array<Pick<Reading, 'obis' | 'value' | 'unit'>>): MeterSnapshot {
  return {
    meter: 'default',
    meterId: '1KFM0200175269',
    profile: 'obis-triples',
    receivedAt: 0,
    framing: 'mbus',
    security: { mode: 'encrypted' },
    readings: readings.map((r) => ({ ...r, key: `obis_${r.obis.replaceAll('.', '_')}`, name: r.obis })),
  };
}

const vkwSnapshot = () => snapshot(Object.entries(VKW.expected).map(([obis, v]) => ({ obis, ...v })));
const energy = (imp?: number, exp?: number) =>
  snapshot([
    ...(imp === undefined ? [] : [{ obis: '1.0.1.8.0.255', value: imp, unit: 'Wh' }]),
    ...(exp === undefined ? [] : [{ obis: '1.0.2.8.0.255', value: exp, unit: 'Wh' }]),
  ]);

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => lines.push(`${level} ${m}`);
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

/** Hands one snapshot to the sink (which returns at once) and waits until its writes are done. */
async function write(sink: SolarviewSink, s: MeterSnapshot): Promise<void> {
  sink.handle(s);
  await sink.idle();
}

function withDir(fn: (dir: string, t: TestContext) => Promise<void>) {
  return async (t: TestContext) => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-solarview-'));
    try {
      await fn(dir, t);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test("the Vorarlberg capture gives the old script's exact text", () => {
  assert.equal(
    formatSolarview(vkwSnapshot()),
    '/?!\n/KAIFA\n1.8.0(003744.082*kWh)\n2.8.0(003929.988*kWh)\n!\n',
  );
});

test('a value the telegram lacks is left out, never "None"', () => {
  assert.equal(formatSolarview(energy(3744082)), '/?!\n/KAIFA\n1.8.0(003744.082*kWh)\n!\n');
  assert.equal(formatSolarview(energy(undefined, 3929988)), '/?!\n/KAIFA\n2.8.0(003929.988*kWh)\n!\n');
  assert.equal(formatSolarview(energy()), '/?!\n/KAIFA\n!\n');
  const odd = snapshot([
    { obis: '1.0.1.8.0.255', value: 'n/a' },
    { obis: '1.0.2.8.0.255', value: 5, unit: 'varh' },
  ]);
  assert.equal(formatSolarview(odd), '/?!\n/KAIFA\n!\n');
});

test('numeric text in Wh is accepted; a kWh reading is left out (the decoder already states Wh)', () => {
  const s = snapshot([
    { obis: '1.0.1.8.0.255', value: 3744.082, unit: 'kWh' },
    { obis: '1.0.2.8.0.255', value: '3929988', unit: 'Wh' },
  ]);
  assert.equal(formatSolarview(s), '/?!\n/KAIFA\n2.8.0(003929.988*kWh)\n!\n');
});

function decoded(id: string): MeterSnapshot {
  const v = JSON.parse(readFileSync(new URL(`../fixtures/vectors/${id}.json`, import.meta.url), 'utf8')) as {
    frames_hex: string[];
    key_hex?: string;
  };
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const d = new TelegramDecoder({ keys: { encryptionKey: v.key_hex ? hex(v.key_hex) : undefined } });
  const ev = d.push(hex(v.frames_hex.join('')), 0).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram', id);
  return ev.snapshot;
}

test('a Kamstrup on channel B = 1 (1.1.1.8.0.255) gets its 1.8.0/2.8.0 lines, the same values as its history row', () => {
  const s = decoded('kamstrup-omnipower_dlmsparser_1'); // 1.1.1.8.0.255 = 63074980 Wh, 1.1.2.8.0.255 = 0 Wh
  const row = toHistoryRow(s);
  assert.equal(row.energy_import_wh, 63074980);
  assert.equal(row.energy_export_wh, 0);
  assert.equal(formatSolarview(s), '/?!\n/KAIFA\n1.8.0(063074.980*kWh)\n2.8.0(000000.000*kWh)\n!\n');
});

test('a DSMR meter stating kWh: the Solarview line is the same number (6.695 kWh sent, 6695 Wh decoded)', () => {
  const s = decoded('luxembourg-smarty_nexxtlab_1'); // 1-0:1.8.0(000006.695*kWh)
  assert.match(formatSolarview(s), /^1\.8\.0\(000006\.695\*kWh\)$/m);
  assert.equal(toHistoryRow(s).energy_import_wh, 6695);
});

test('a billing-period object (1.0.1.8.0.101) is never the current A+ line', () => {
  const s = snapshot([
    { obis: '1.0.1.8.0.101', value: 1000, unit: 'Wh' },
    { obis: '1.0.2.8.0.255', value: 2000, unit: 'Wh' },
  ]);
  assert.equal(formatSolarview(s), '/?!\n/KAIFA\n2.8.0(000002.000*kWh)\n!\n');
});

// Expected strings printed by CPython 3.11: '{:010.3F}'.format(wh / 1000)
const PYTHON: Array<[number, string]> = [
  [3744082, '003744.082'],
  [3929988, '003929.988'],
  [0, '000000.000'],
  [1, '000000.001'],
  [999, '000000.999'],
  [1000, '000001.000'],
  [12345678901, '12345678.901'],
  [62.5, '000000.062'],
  [187.5, '000000.188'],
  [1234.5, '000001.234'],
  [0.5, '000000.001'],
  [1000.5, '000001.000'],
  [-3744082, '-03744.082'],
];

test('number format matches Python {:010.3F} of Wh/1000, including ties', () => {
  for (const [wh, want] of PYTHON) assert.equal(formatKwh(wh), want, String(wh));
});

test('number format against a live python3, when installed', (t) => {
  const values: number[] = [];
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 400; i++) values.push(Math.floor(rnd() * 1e10));
  for (let i = 0; i < 400; i++) values.push(Math.floor(rnd() * 1e7) / 2 ** Math.floor(rnd() * 6));
  const py = spawnSync(
    'python3',
    ['-c', 'import sys\nfor l in sys.stdin: print("{:010.3F}".format(float(l) / 1000))'],
    {
      input: values.map((v) => v.toString()).join('\n') + '\n',
      encoding: 'utf8',
    },
  );
  if (py.error || py.status !== 0) return t.skip('python3 not available');
  assert.deepEqual(values.map(formatKwh), py.stdout.trimEnd().split('\n'));
});

test(
  'the sink writes the file atomically: a concurrent reader never sees partial content',
  withDir(async (dir) => {
    const file = join(dir, 'kaifa.txt');
    const stop = join(dir, 'stop');
    const sink = createSolarviewSink({ file }, recorder().logger);
    await write(sink, energy(1, 1));
    const reader = spawn(process.execPath, [
      '-e',
      `const fs = require('fs'); let reads = 0, bad = [];
       const ok = /^\\/\\?!\\n\\/KAIFA\\n1\\.8\\.0\\(\\d{6}\\.\\d{3}\\*kWh\\)\\n2\\.8\\.0\\(\\d{6}\\.\\d{3}\\*kWh\\)\\n!\\n$/;
       while (!fs.existsSync(${JSON.stringify(stop)})) { const t = fs.readFileSync(${JSON.stringify(file)}, 'utf8'); reads++; if (!ok.test(t)) bad.push(t); }
       console.log(JSON.stringify({ reads, bad }));`,
    ]);
    let out = '';
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((resolve) => reader.on('exit', () => resolve()));
    try {
      const inodes = new Set<number>();
      for (let i = 0; i < 300; i++) {
        await write(sink, energy(3744082 + i * 1111, 3929988 + i));
        inodes.add(statSync(file).ino);
      }
      assert.ok(inodes.size > 1, 'each write replaces the file (rename), not rewrites it in place');
    } finally {
      writeFileSync(stop, '');
      await done;
    }
    const result = JSON.parse(out) as { reads: number; bad: string[] };
    assert.ok(result.reads > 0);
    assert.deepEqual(result.bad, []);
    assert.equal(
      readFileSync(file, 'utf8'),
      '/?!\n/KAIFA\n1.8.0(004076.271*kWh)\n2.8.0(003930.287*kWh)\n!\n',
    );
    assert.deepEqual(readdirSync(dir).sort(), ['kaifa.txt', 'stop'], 'no temp file left behind');
    assert.deepEqual(sink.status?.(), { ok: true, state: `writing ${file}` });
  }),
);

test(
  'telegrams arriving during a write are coalesced to the newest',
  withDir(async (dir) => {
    const file = join(dir, 'kaifa.txt');
    const sink = createSolarviewSink({ file }, recorder().logger, { fsync: true });
    for (let i = 0; i < 20; i++) assert.equal(sink.handle(energy(1000 * i, 7)), undefined, 'returns at once');
    await sink.idle();
    assert.equal(
      readFileSync(file, 'utf8'),
      '/?!\n/KAIFA\n1.8.0(000019.000*kWh)\n2.8.0(000000.007*kWh)\n!\n',
    );
  }),
);

test(
  'a telegram without 1.8.0 and 2.8.0 leaves the file unchanged',
  withDir(async (dir) => {
    const file = join(dir, 'kaifa.txt');
    const sink = createSolarviewSink({ file }, recorder().logger);
    await write(sink, energy(5000, 6000));
    await write(sink, snapshot([{ obis: '1.0.32.7.0.255', value: 230, unit: 'V' }]));
    assert.equal(
      readFileSync(file, 'utf8'),
      '/?!\n/KAIFA\n1.8.0(000005.000*kWh)\n2.8.0(000006.000*kWh)\n!\n',
    );
  }),
);

test(
  'a missing directory: one specific message per interval, counted in status, retried on the next telegram',
  withDir(async (dir) => {
    const file = join(dir, 'run', 'kaifareader', 'kaifa.txt');
    const { logger, lines } = recorder();
    let t = 0;
    const sink = createSolarviewSink({ file }, logger, { now: () => t });
    for (let i = 0; i < 5; i++) {
      t += 1000;
      await write(sink, energy(1, 2));
    }
    const msg = `cannot write the Solarview file ${file}: the directory ${join(dir, 'run', 'kaifareader')} does not exist — create it (or set exports.solarview.file to a path in an existing directory)`;
    assert.deepEqual(lines, [`error ${msg}`]);
    assert.deepEqual(sink.status?.(), { ok: false, state: 'failing (5 in a row)', lastError: msg });
    mkdirSync(join(dir, 'run', 'kaifareader'), { recursive: true });
    await write(sink, energy(1, 2));
    assert.equal(
      readFileSync(file, 'utf8'),
      '/?!\n/KAIFA\n1.8.0(000000.001*kWh)\n2.8.0(000000.002*kWh)\n!\n',
    );
    assert.deepEqual(sink.status?.(), { ok: true, state: `writing ${file}` });
    assert.equal(lines.at(-1), `info Solarview file ${file} written again after 5 failed attempts`);
    await sink.stop?.();
    assert.equal(lines.at(-1), `error ${msg} … repeated 4 times in the last 4 s`);
  }),
);

test(
  'a path whose parent is a regular file gets its own message',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'notadir'), '');
    const file = join(dir, 'notadir', 'kaifa.txt');
    const { logger, lines } = recorder();
    const sink = createSolarviewSink({ file }, logger);
    await write(sink, energy(1, 2));
    assert.deepEqual(lines, [
      `error cannot write the Solarview file ${file}: a part of ${join(dir, 'notadir')} is a file, not a directory — fix exports.solarview.file`,
    ]);
    assert.equal(sink.status?.().ok, false);
  }),
);

test(
  'a directory the service user may not write: permission message (as user nobody when root)',
  withDir(async (dir) => {
    // Uses the built sink (dist/, `npx tsc -p tsconfig.json`) in a child process so it can drop root.
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(dir, 0o755);
    chmodSync(ro, 0o555);
    const file = join(ro, 'kaifa.txt');
    const root = process.getuid?.() === 0;
    // As nobody, from a copy that user may read (the checkout may be private); else the checkout's dist/.
    const install = root ? readableInstall() : undefined;
    const dist =
      install?.dist('sinks/solarview/solarview-sink.js') ??
      new URL('../../dist/sinks/solarview/solarview-sink.js', import.meta.url).href;
    const script = `const { createSolarviewSink } = await import(${JSON.stringify(dist)});
      const lines = []; const l = { debug() {}, info() {}, warn() {}, error: (m) => lines.push(m), child: () => l };
      const sink = createSolarviewSink({ file: ${JSON.stringify(file)} }, l);
      sink.handle(${JSON.stringify(energy(1, 2))}); await sink.idle();
      console.log(JSON.stringify({ lines, status: sink.status() }));`;
    const asNobody = root ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const argv = [...asNobody, process.execPath, '--input-type=module', '-e', script];
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000, cwd: install?.root });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { lines: string[]; status: { ok: boolean; lastError: string } };
    // Names the user that runs it (issue 9, item 15: it used to say `kaifareader` whoever ran it).
    const user = asNobody.length > 0 ? 'nobody' : userInfo().username;
    const msg = `cannot write the Solarview file ${file}: permission denied — the user ${user} needs write access to ${ro} (e.g. \`sudo chown ${user} ${ro}\`), or change exports.solarview.file`;
    assert.deepEqual(out.lines, [msg]);
    assert.equal(out.status.ok, false);
    assert.equal(out.status.lastError, msg);
  }),
);

test(
  'disk full (ENOSPC) on a tiny tmpfs: specific message, file keeps its last good content',
  withDir(async (dir, t) => {
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]).status !== 0) {
      return t.skip('cannot mount a tmpfs here (needs root)');
    }
    try {
      const file = join(mnt, 'kaifa.txt');
      const { logger, lines } = recorder();
      const sink = createSolarviewSink({ file }, logger);
      await write(sink, energy(1000, 2000));
      let i = 0;
      try {
        for (;;) writeFileSync(join(mnt, `fill${i++}`), Buffer.alloc(4096));
      } catch {
        // full
      }
      await write(sink, energy(9999, 9999));
      assert.deepEqual(lines, [
        `error cannot write the Solarview file ${file}: no space left on the device — free space on the file system holding ${mnt}`,
      ]);
      assert.equal(
        readFileSync(file, 'utf8'),
        '/?!\n/KAIFA\n1.8.0(000001.000*kWh)\n2.8.0(000002.000*kWh)\n!\n',
      );
      assert.equal(existsSync(join(mnt, `.kaifa.txt.tmp-${process.pid}`)), false);
    } finally {
      spawnSync('umount', [mnt]);
    }
  }),
);

/** A temp-file writer that hangs until `release()` (NFS, a failing SD card), then writes for real. */
function hangingWriter() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const texts: string[] = [];
  return {
    texts,
    release: () => release(),
    writeTemp: async (path: string, text: string) => {
      texts.push(text);
      await gate;
      writeFileSync(path, text);
    },
  };
}

test(
  'a write that hangs: handle() returns at once, one write waits, the newest text is written once it unblocks',
  withDir(async (dir) => {
    const file = join(dir, 'kaifa.txt');
    const w = hangingWriter();
    const sink = createSolarviewSink({ file }, recorder().logger, { writeTemp: w.writeTemp });
    for (let i = 1; i <= 50_000; i++) assert.equal(sink.handle(energy(i * 1000, 7)), undefined);
    await new Promise((r) => setImmediate(r));
    assert.equal(w.texts.length, 1, 'only the first write started; the rest wait as ONE pending text');
    assert.equal(existsSync(file), false);
    w.release();
    await sink.idle();
    assert.equal(w.texts.length, 2, 'then exactly one more write: the newest');
    assert.equal(
      readFileSync(file, 'utf8'),
      '/?!\n/KAIFA\n1.8.0(050000.000*kWh)\n2.8.0(000000.007*kWh)\n!\n',
    );
  }),
);

test(
  'a write that hangs: memory stays bounded however many telegrams arrive (through the sink hub)',
  withDir(async (dir) => {
    const { SinkHub } = await import('../../src/daemon/sink-hub.js');
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const w = hangingWriter();
    const sink = createSolarviewSink({ file: join(dir, 'kaifa.txt') }, recorder().logger, {
      writeTemp: w.writeTemp,
    });
    const hub = new SinkHub([sink], { log: () => undefined, flush: () => undefined });
    // Snapshots with a realistic size (the Vorarlberg reading set, ~1 kB each).
    const readings = vkwSnapshot().readings;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    hub.dispatch({ ...vkwSnapshot() });
    const before = heap();
    for (let i = 0; i < 100_000; i++)
      hub.dispatch({ ...vkwSnapshot(), readings: readings.map((r) => ({ ...r })) });
    const grown = heap() - before;
    // Holding every snapshot (the old shared-promise code) costs > 100 MB here; bounded code a few kB.
    assert.ok(grown < 10 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MB`);
    assert.equal(w.texts.length, 1);
    w.release();
    await sink.idle();
    assert.equal(w.texts.length, 2);
  }),
);
