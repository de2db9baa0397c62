/**
 * The Solarview sink with several meters: `{meter}` in exports.solarview.file gives one file per configured
 * meter id (snapshot.meter), each written atomically and coalesced on its own; without `{meter}` the path is used
 * unchanged (the single-meter file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSolarview } from '../../src/sinks/solarview/solarview-format.js';
import { createSolarviewSink, solarviewFileFor } from '../../src/sinks/solarview/solarview-sink.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import type { Logger } from '../../src/log/logger.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

function snapshot(meter: string, importWh: number): MeterSnapshot {
  return {
    meter,
    meterId: `serial-of-${meter}`,
    profile: 'obis-triples',
    receivedAt: 0,
    framing: 'mbus',
    security: { mode: 'encrypted' },
    readings: [
      { obis: '1.0.1.8.0.255', value: importWh, unit: 'Wh', key: 'energy_import_wh', name: 'import' },
    ],
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kr-solarview-meters-'));
}

test('solarviewFileFor replaces every {meter} and leaves a path without it alone', () => {
  assert.equal(solarviewFileFor('/run/k/{meter}/kaifa-{meter}.txt', 'home'), '/run/k/home/kaifa-home.txt');
  assert.equal(solarviewFileFor('/run/k/kaifa.txt', 'home'), '/run/k/kaifa.txt');
});

test('{meter}: one file per meter id, each with its own newest telegram', async () => {
  const dir = tempDir();
  try {
    const sink = createSolarviewSink({ file: join(dir, 'kaifa-{meter}.txt') }, quiet);
    sink.handle(snapshot('home', 1_234_500));
    sink.handle(snapshot('heatpump', 98_700));
    sink.handle(snapshot('home', 1_234_600));
    await sink.idle();
    assert.deepEqual(readdirSync(dir).sort(), ['kaifa-heatpump.txt', 'kaifa-home.txt']);
    assert.equal(
      readFileSync(join(dir, 'kaifa-home.txt'), 'utf8'),
      formatSolarview(snapshot('home', 1_234_600)),
    );
    assert.equal(
      readFileSync(join(dir, 'kaifa-heatpump.txt'), 'utf8'),
      formatSolarview(snapshot('heatpump', 98_700)),
    );
    assert.notEqual(
      formatSolarview(snapshot('home', 1_234_600)),
      formatSolarview(snapshot('heatpump', 98_700)),
    );
    assert.match(sink.status!().state, /^writing .*kaifa-home\.txt, .*kaifa-heatpump\.txt$/);
    await sink.stop!();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('{meter}: each file is coalesced on its own — a hung write of one meter does not hold the other', async () => {
  const dir = tempDir();
  let release!: () => void;
  const hung = new Promise<void>((r) => (release = r));
  const writes: string[] = [];
  try {
    const sink = createSolarviewSink({ file: join(dir, '{meter}.txt') }, quiet, {
      writeTemp: async (path, text) => {
        writes.push(path);
        if (path.includes('.home.txt')) await hung; // home's disk hangs
        writeFileSync(path, text);
      },
    });
    sink.handle(snapshot('home', 1));
    sink.handle(snapshot('home', 2)); // pending, replaces nothing yet
    sink.handle(snapshot('home', 3)); // replaces 2
    sink.handle(snapshot('heatpump', 7));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(readFileSync(join(dir, 'heatpump.txt'), 'utf8'), formatSolarview(snapshot('heatpump', 7)));
    release();
    await sink.idle();
    assert.equal(readFileSync(join(dir, 'home.txt'), 'utf8'), formatSolarview(snapshot('home', 3)));
    // home: the hung write (1) and the newest (3); 2 was superseded. heatpump: one write.
    assert.equal(writes.filter((p) => p.includes('.home.txt')).length, 2);
    assert.equal(writes.filter((p) => p.includes('.heatpump.txt')).length, 1);
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without {meter} the configured path is used unchanged (the single meter "default")', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'kaifa.txt');
    const sink = createSolarviewSink({ file }, quiet);
    sink.handle(snapshot('default', 5_000));
    await sink.idle();
    assert.deepEqual(readdirSync(dir), ['kaifa.txt']);
    assert.equal(readFileSync(file, 'utf8'), formatSolarview(snapshot('default', 5_000)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
