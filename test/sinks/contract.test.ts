/**
 * The sink contract, run over every entry of the registry (src/sinks/registry.ts) the same way — a new sink gets
 * these cases by being listed, and the first test fails until it has a config here:
 *   - built from a meter.json section through the real config parser and the entry's lazy `load()`;
 *   - `start()` and `stop()` each within 1.5 s, also when its peer is down (the SIGTERM budget is 2 s);
 *   - `handle()` never throws and returns at once, for real snapshots of two meters and for odd ones;
 *   - `status()` has the documented shape (ok, state, optional backlog/dropped/lastError);
 *   - a full disk (a 64 kB tmpfs, root only): handle still never throws, status says not ok, stop is prompt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SINKS, type SinkContext } from '../../src/sinks/registry.js';
import type { Sink, SinkStatus } from '../../src/sinks/sink.js';
import { parseConfig } from '../../src/daemon/config-schema.js';
import { StatusHub } from '../../src/daemon/status-hub.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { Key } from '../../src/util/key.js';
import { freePort } from '../helpers/mosquitto.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';
import { captureLogger } from '../store/helpers.js';

const BUDGET_MS = 1500;

/** Each sink's meter.json section for a data dir, with its peer down where it has one. */
const SECTIONS: Record<string, (dir: string, downPort: number) => unknown> = {
  solarview: (dir) => ({ file: join(dir, '{meter}.txt') }),
  mqtt: (_dir, port) => ({ url: `mqtt://127.0.0.1:${port}` }),
  history: (dir) => ({ path: join(dir, 'history.db') }),
  postgresql: (_dir, port) => ({ url: `postgresql://kaifareader@127.0.0.1:${port}/meters` }),
  line_protocol: (_dir, port) => ({ url: `http://127.0.0.1:${port}/write` }),
};

function snapshotsOf(id: string, meter: string): MeterSnapshot[] {
  const v = loadVector(id);
  const d = new TelegramDecoder({ keys: { encryptionKey: Key.parse(v.key_hex!).bytes }, meter });
  return d
    .push(captureBytes(v), 1_700_000_000_000)
    .flatMap((e) => (e.type === 'telegram' ? [e.snapshot] : []));
}

const SNAPSHOTS: MeterSnapshot[] = [
  ...snapshotsOf('vorarlberg_philippsev-vkw_1', 'home'),
  ...snapshotsOf('evn_netznoe-pdf_1', 'flat'),
  // Odd but possible: no readings at all, and text where numbers usually are.
  { ...snapshotsOf('evn_netznoe-pdf_1', 'flat')[0]!, readings: [] },
  {
    ...snapshotsOf('vorarlberg_philippsev-vkw_1', 'home')[0]!,
    readings: [{ obis: '1.0.1.8.0.255', key: 'energy_import_wh', name: 'x', value: 'n/a', unit: 'Wh' }],
  },
];

async function within<T>(what: string, p: Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const v = await p;
  const ms = performance.now() - t0;
  assert.ok(ms < BUDGET_MS, `${what} took ${Math.round(ms)} ms (budget ${BUDGET_MS} ms)`);
  return v;
}

function assertStatusShape(name: string, s: SinkStatus | undefined): void {
  assert.ok(s, `${name}: status() is missing`);
  assert.equal(typeof s.ok, 'boolean', name);
  assert.equal(typeof s.state, 'string', name);
  assert.ok(s.state.length > 0, `${name}: empty state`);
  for (const k of ['backlog', 'dropped'] as const)
    if (s[k] !== undefined) assert.ok(Number.isInteger(s[k]) && s[k]! >= 0, `${name}.${k} = ${s[k]}`);
  if (s.lastError !== undefined) assert.equal(typeof s.lastError, 'string', name);
  const allowed = new Set(['ok', 'state', 'backlog', 'dropped', 'lastError']);
  for (const k of Object.keys(s)) assert.ok(allowed.has(k), `${name}: unexpected status key ${k}`);
}

/** Builds the entry's sink from its section through the config parser and `load()`, as the daemon does. */
async function build(name: string, dir: string, downPort: number): Promise<{ sink: Sink; lines: string[] }> {
  const json = {
    meters: [
      { id: 'home', source: '/dev/ttyKAIFA_HOME' },
      { id: 'flat', source: '/dev/ttyKAIFA_FLAT' },
    ],
    data_dir: dir,
    exports: { [name]: SECTIONS[name]!(dir, downPort) },
  };
  const r = parseConfig(json, { baseDir: dir });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const entry = SINKS.find((e) => e.name === name)!;
  const section = (r.config.exports as Record<string, unknown>)[name];
  assert.ok(section !== undefined, `${name}: the parser gave no config for exports.${name}`);
  const logger = captureLogger();
  const ctx: SinkContext = {
    logger,
    dataDir: dir,
    status: new StatusHub(Date.now()),
    now: Date.now,
    meters: r.config.meters,
  };
  const create = (await entry.load()) as (c: unknown, ctx: SinkContext) => Sink | Promise<Sink>;
  const sink = await create(section, ctx);
  assert.equal(sink.name, name);
  return { sink, lines: logger.lines };
}

async function exercise(sink: Sink): Promise<void> {
  await within(`${sink.name}.start()`, sink.start?.());
  for (const s of SNAPSHOTS) {
    const t0 = performance.now();
    let result: unknown;
    assert.doesNotThrow(() => {
      result = sink.handle(s);
    }, `${sink.name}.handle() threw`);
    assert.ok(performance.now() - t0 < 100, `${sink.name}.handle() did not return at once`);
    if (result instanceof Promise) await result.catch(() => undefined);
  }
  assertStatusShape(sink.name, sink.status?.());
}

test('every registered sink has a contract config here', () => {
  assert.deepEqual(SINKS.map((e) => e.name).sort(), Object.keys(SECTIONS).sort());
  for (const e of SINKS) assert.equal(e.section, `exports.${e.name}`);
});

for (const entry of SINKS) {
  test(`${entry.name}: built from its section, start/stop within ${BUDGET_MS} ms with its peer down, handle never throws, status shape`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `kr-contract-${entry.name}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { sink } = await build(entry.name, dir, await freePort());
    await exercise(sink);
    await within(`${entry.name}.stop()`, sink.stop?.());
    assertStatusShape(entry.name, sink.status?.());
  });

  test(`${entry.name}: a full disk — handle never throws, status says not ok, stop is prompt`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `kr-contract-full-${entry.name}-`));
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return t.skip('cannot mount a tmpfs here (needs root)');
    }
    t.after(() => {
      spawnSync('umount', ['-l', mnt]);
      rmSync(dir, { recursive: true, force: true });
    });
    try {
      writeFileSync(join(mnt, 'fill'), Buffer.alloc(64 * 1024));
    } catch {
      // ENOSPC once the tmpfs is full: that is the point
    }
    const { sink, lines } = await build(entry.name, mnt, await freePort());
    await exercise(sink);
    if (entry.name === 'history') await (sink as Sink & { flush(): Promise<boolean> }).flush();
    await new Promise((r) => setTimeout(r, 100));
    const st = sink.status!();
    assertStatusShape(entry.name, st);
    assert.equal(st.ok, false, `${entry.name} on a full disk says ok: ${JSON.stringify(st)}`);
    // …and the log says it is the disk, with what to do (never a bare stack).
    assert.ok(
      lines.some((l) => /no space|is full|ENOSPC|full disk|free some space|data_dir is writable/i.test(l)),
      `${entry.name}: no line names the full disk:\n${lines.join('\n')}\nstatus: ${JSON.stringify(st)}`,
    );
    await within(`${entry.name}.stop()`, sink.stop?.());
  });
}
