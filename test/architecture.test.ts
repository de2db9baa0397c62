/**
 * Layering rules, read from the import lines (ARCHITECTURE.md: pure protocol code, I/O at the edges, one owning
 * file per external library, lower layers never import higher ones, sinks see only MeterSnapshot).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/^(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/import\(['"]([^'"]+)['"]\)/g),
  ].map((m) => m[1]!);
}

const all = files(SRC).map((f) => ({
  file: relative(SRC, f),
  layer: relative(SRC, f).split('/')[0]!,
  deps: imports(f),
}));

/** Layers that must stay pure (no I/O, no clocks): the decoder path. */
const PURE = ['framing', 'dlms', 'axdr', 'cosem', 'profiles', 'pipeline', 'model', 'errors.ts', 'util'];
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:child_process',
  'serialport',
  'mqtt',
  'libsql',
];
/** Lower layers may not import these higher ones. */
const ORDER = ['errors.ts', 'util', 'model', 'framing', 'axdr', 'cosem', 'dlms', 'profiles', 'pipeline'];

test('the decoder layers are pure: no file system, network, serial, MQTT or SQLite imports', () => {
  const bad = all
    .filter((f) => PURE.includes(f.layer))
    .flatMap((f) => f.deps.filter((d) => IO_MODULES.includes(d)).map((d) => `${f.file} → ${d}`));
  assert.deepEqual(bad, []);
});

test('the decoder layers never call Date.now() or new Date() (time is passed in)', () => {
  const bad = all
    .filter((f) => PURE.includes(f.layer))
    .filter((f) => /Date\.now\(\)|new Date\(\)/.test(readFileSync(join(SRC, f.file), 'utf8')))
    .map((f) => f.file);
  assert.deepEqual(bad, []);
});

test('lower layers never import higher ones', () => {
  const bad: string[] = [];
  for (const f of all) {
    const rank = ORDER.indexOf(f.layer);
    if (rank < 0) continue;
    for (const d of f.deps.filter((x) => x.startsWith('.'))) {
      const target = relative(SRC, join(SRC, f.file, '..', d))
        .split('/')[0]!
        .replace(/\.js$/, '.ts');
      const targetRank = ORDER.indexOf(target);
      if (targetRank > rank) bad.push(`${f.file} → ${d}`);
      if (targetRank < 0 && target !== f.layer) bad.push(`${f.file} → ${d} (outside the decoder)`);
    }
  }
  assert.deepEqual(bad, []);
});

test('each external library has one owning file', () => {
  const owners: Record<string, string[]> = {
    '@serialport/stream': [],
    '@serialport/bindings-cpp': [],
    mqtt: [],
    libsql: [],
    pg: [],
  };
  for (const f of all) for (const d of f.deps) if (d in owners) owners[d]!.push(f.file);
  assert.deepEqual(owners, {
    '@serialport/stream': ['transport/serial-source.ts'],
    '@serialport/bindings-cpp': ['transport/serial-source.ts'],
    // two sides of one protocol: the sink publishes, the telegram source (and `bridge`) subscribes/publishes
    // telegrams; each file loads lazily (sinks/mqtt/entry.ts, transport/create-source.ts)
    mqtt: ['sinks/mqtt/mqtt-client.ts', 'transport/mqtt-telegrams.ts'],
    libsql: ['store/sqlite.ts'],
    pg: ['sinks/postgresql/pg-client.ts'],
  });
});

test('sinks, store and http see snapshots, never bytes: no framing/dlms/pipeline imports', () => {
  const bad = all
    .filter((f) => ['sinks', 'store', 'http'].includes(f.layer))
    .flatMap((f) =>
      f.deps.filter((d) => /\/(framing|dlms|pipeline|axdr)\//.test(d)).map((d) => `${f.file} → ${d}`),
    );
  assert.deepEqual(bad, []);
});

test('service/ (systemd notify) sees only log, status and the source interface: no decoder, sinks, store or http', () => {
  const allowed = /^(\.\/|\.\.\/(log|status)\/|\.\.\/transport\/types\.js$|node:child_process$)/;
  const bad = all
    .filter((f) => f.layer === 'service')
    .flatMap((f) => f.deps.filter((d) => !allowed.test(d)).map((d) => `${f.file} → ${d}`));
  assert.deepEqual(bad, []);
  assert.ok(
    all.some((f) => f.file === 'service/systemd-notify.ts'),
    'src/service/systemd-notify.ts is missing',
  );
});

/**
 * The edge folders and what each may import (other top-level folders of src/, type-only imports included).
 * AGENTS.md's layer table states the same, row by row; the next test holds the two together.
 */
const EDGES: Record<string, readonly string[]> = {
  transport: ['errors.ts', 'util', 'model', 'config', 'log'],
  log: ['errors.ts', 'util', 'config'],
  store: ['errors.ts', 'util', 'model', 'cosem'],
  sinks: ['errors.ts', 'util', 'model', 'cosem', 'config', 'log', 'status', 'store'],
  http: ['errors.ts', 'util', 'model', 'cosem', 'config', 'log', 'status', 'store', 'sinks'],
  status: ['sinks'],
  service: ['log', 'status', 'transport'],
};

test('edge folders import only the layers their row allows (never the decoder, never the composition root)', () => {
  const bad: string[] = [];
  for (const f of all.filter((x) => x.layer in EDGES)) {
    for (const d of f.deps.filter((x) => x.startsWith('.'))) {
      const t = relative(SRC, join(SRC, f.file, '..', d))
        .split('/')[0]!
        .replace(/\.js$/, '.ts');
      if (t !== f.layer && !EDGES[f.layer]!.includes(t)) bad.push(`${f.file} → ${d}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("AGENTS.md's layer table says exactly what the edge rules check", () => {
  const md = readFileSync(join(SRC, '..', 'AGENTS.md'), 'utf8');
  for (const [layer, allowed] of Object.entries(EDGES)) {
    const row = md.split('\n').find((l) => l.startsWith(`| \`${layer}/\` |`));
    assert.ok(row, `AGENTS.md has no layer-table row for \`${layer}/\``);
    const stated = [...row.split('|')[2]!.matchAll(/`([^`]+)`/g)]
      .map((m) => m[1]!.replace(/\/$/, ''))
      .filter((name) => !name.startsWith('node:')); // node modules: the I/O rules above
    assert.deepEqual([...stated].sort(), [...allowed].sort(), `AGENTS.md row for ${layer}/`);
  }
});

/** Import lines with whether they are type-only (`import type` / `export type`: erased at compile time). */
function importLines(file: string): Array<{ spec: string; typeOnly: boolean; dynamic: boolean }> {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [
    ...[...text.matchAll(/^(import|export)(\s+type)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({
      spec: m[3]!,
      typeOnly: m[2] !== undefined,
      dynamic: false,
    })),
    ...[...text.matchAll(/import\(['"]([^'"]+)['"]\)/g)].map((m) => ({
      spec: m[1]!,
      typeOnly: false,
      dynamic: true,
    })),
  ];
}

/** `../sinks/mqtt/options.js` seen from `config/types.ts` → `sinks/mqtt/options.ts`. */
const target = (file: string, spec: string): string =>
  relative(SRC, join(SRC, file, '..', spec)).replace(/\.js$/, '.ts');
const isOptionsFile = (f: string): boolean => /(^|\/)options\.ts$|-options\.ts$/.test(f);

test('config/ is the generic kit: it imports no component (sinks, http, transport, log, daemon …) at run time', () => {
  const allowed = (t: string) => t.startsWith('config/') || t.startsWith('util/') || t === 'errors.ts';
  const bad: string[] = [];
  for (const f of all.filter((x) => x.layer === 'config')) {
    for (const d of importLines(f.file).filter((x) => x.spec.startsWith('.'))) {
      const t = target(f.file, d.spec);
      if (allowed(t)) continue;
      // The AppConfig contract (config/types.ts) re-exports the component config types, type-only, from the
      // options files that state them; nothing else in config/ may even name a component.
      if (f.file === 'config/types.ts' && d.typeOnly && (isOptionsFile(t) || t === 'sinks/registry.ts'))
        continue;
      bad.push(`${f.file} → ${d.spec}${d.typeOnly ? ' (type)' : ''}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('component options files import only the config kit, util and other options files', () => {
  const files = all.filter((f) => isOptionsFile(f.file));
  assert.deepEqual(files.map((f) => f.file).sort(), [
    'daemon/meter-options.ts',
    'http/options.ts',
    'log/options.ts',
    'sinks/history/options.ts',
    'sinks/line-protocol/options.ts',
    'sinks/mqtt/options.ts',
    'sinks/outbox-options.ts',
    'sinks/postgresql/options.ts',
    'sinks/solarview/options.ts',
    'transport/options.ts',
  ]);
  const bad: string[] = [];
  for (const f of files) {
    for (const d of importLines(f.file)) {
      if (d.spec === 'node:path') continue;
      const t = d.spec.startsWith('.') ? target(f.file, d.spec) : d.spec;
      const ok = /^config\/(spec|values|types)\.ts$/.test(t) || t.startsWith('util/') || isOptionsFile(t);
      if (!ok) bad.push(`${f.file} → ${d.spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('sink entries load their implementation lazily: statically only options files, the entry kit and types', () => {
  const entries = all.filter((f) => /^sinks\/[^/]+\/entry\.ts$/.test(f.file)).map((f) => f.file);
  assert.deepEqual(entries.sort(), [
    'sinks/history/entry.ts',
    'sinks/line-protocol/entry.ts',
    'sinks/mqtt/entry.ts',
    'sinks/postgresql/entry.ts',
    'sinks/solarview/entry.ts',
  ]);
  const bad: string[] = [];
  for (const file of entries) {
    for (const d of importLines(file)) {
      const t = target(file, d.spec);
      if (d.typeOnly || isOptionsFile(t) || t === 'sinks/sink-entry.ts') continue;
      if (d.dynamic && t.startsWith(file.slice(0, file.lastIndexOf('/') + 1))) continue; // its own implementation
      bad.push(`${file} → ${d.spec}`);
    }
  }
  assert.deepEqual(bad, []);
  // The registry is the list: one static import per sink's entry, nothing else at run time.
  const reg = importLines('sinks/registry.ts').filter((d) => !d.typeOnly);
  assert.deepEqual(
    reg.map((d) => target('sinks/registry.ts', d.spec)),
    [
      'sinks/solarview/entry.ts',
      'sinks/mqtt/entry.ts',
      'sinks/history/entry.ts',
      'sinks/postgresql/entry.ts',
      'sinks/line-protocol/entry.ts',
    ],
  );
});
