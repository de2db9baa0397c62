/**
 * The history file cannot be opened at start-up (issue 9, item 7): a directory the service user may not write
 * (as user nobody, run from a readable copy of dist/) and a disk that is full or fills up during the schema set-up
 * (a small tmpfs, root only). Each gives one message with the path, the cause and what to do — never libsql's
 * `ConnectionFailed(…: 14)` or "cannot rollback - no transaction is active" — history reports itself failed in
 * status, and the other exports keep running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import { createSolarviewSink } from '../../src/sinks/solarview/solarview-sink.js';
import { describeHistoryOpenError } from '../../src/store/history-open.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { createDaemon } from '../../src/daemon/daemon.js';
import { Key } from '../../src/util/key.js';
import type { ByteSource } from '../../src/transport/types.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';
import { AS_NOBODY, canDropToNobody } from '../helpers/as-nobody.js';
import { readableInstall } from '../helpers/readable-install.js';
import { captureLogger, tempDir } from './helpers.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1');

test(
  'an unwritable directory (as nobody): permission message naming the user and the directory',
  { skip: !canDropToNobody && 'needs root and setpriv to run a child as nobody' },
  (t) => {
    const dir = tempDir(t);
    chmodSync(dir, 0o755);
    const ro = join(dir, 'ro');
    mkdirSync(ro, { mode: 0o755 }); // owned by root: nobody may enter, not write
    const copy = readableInstall(['libsql']);
    const script = `const { createHistorySink } = await import(${JSON.stringify(copy.dist('sinks/history/history-sink.js'))});
      const lines = []; const l = { debug() {}, info() {}, warn: (m) => lines.push(m), error: (m) => lines.push(m), child: () => l };
      const out = {};
      for (const path of [${JSON.stringify(join(ro, 'history.db'))}, ${JSON.stringify(join(ro, 'sub', 'history.db'))}]) {
        const sink = createHistorySink({ path, retentionDays: 0 }, { logger: l });
        await sink.start();
        sink.handle({ meterId: 'M', profile: 'p', receivedAt: 1, framing: 'mbus', security: { mode: 'encrypted' }, readings: [] });
        out[path] = sink.status();
        await sink.stop();
      }
      console.log(JSON.stringify({ lines, out }));`;
    const argv = [...AS_NOBODY, process.execPath, '--input-type=module', '-e', script];
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000, cwd: copy.root });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as {
      lines: string[];
      out: Record<string, { ok: boolean; state: string; lastError?: string; backlog: number }>;
    };
    for (const path of [join(ro, 'history.db'), join(ro, 'sub', 'history.db')]) {
      const msg = `cannot open the history database ${path}: permission denied — the user nobody may not write ${ro} (\`sudo chown nobody ${ro}\`), or set exports.history.path to a writable location; history is off until then (retried by itself); the other exports keep running`;
      assert.deepEqual(got.out[path], { ok: false, state: msg, backlog: 1, dropped: 0, lastError: msg });
      assert.ok(got.lines.includes(`history: ${msg}`), got.lines.join('\n'));
    }
    assert.equal(got.lines.length, 2, got.lines.join('\n'));
    assert.doesNotMatch(got.lines.join('\n'), /ConnectionFailed|: 14/);
  },
);

test("libsql's bare ConnectionFailed(…: 14) is explained as a permission problem", () => {
  const path = '/var/lib/kaifareader/history.db';
  const e = new Error(`ConnectionFailed("Unable to open connection to local database ${path}: 14")`);
  const msg = describeHistoryOpenError(e, '/nonexistent-kr/x/history.db', 'alice');
  // /nonexistent-kr does not exist: / is the nearest existing directory, writable for root, so the code decides
  if (process.getuid?.() === 0) {
    assert.equal(
      msg,
      'cannot open the history database /nonexistent-kr/x/history.db: permission denied — the user alice may not write /nonexistent-kr/x (`sudo chown alice /nonexistent-kr/x`), or set exports.history.path to a writable location; history is off until then (retried by itself); the other exports keep running',
    );
  } else {
    assert.match(msg, /permission denied — the user alice may not write \//);
  }
});

function mountTmpfs(dir: string, kb: number): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir]).status === 0;
}

/** A byte source that pushes the Vorarlberg capture once when started. */
function oneTelegram(): ByteSource {
  return {
    describe: () => 'one telegram',
    start(onData, onState) {
      onState?.({ state: 'open' });
      onData(captureBytes(VKW));
    },
    stop: async () => undefined,
  };
}

for (const leftKb of [0, 8, 48]) {
  test(`a full disk at start-up (${leftKb} kB left on a 64 kB tmpfs): a clear message, Solarview keeps writing`, async (t) => {
    const dir = tempDir(t);
    const mnt = join(dir, 'mnt');
    if (!mountTmpfs(mnt, 64)) return t.skip('cannot mount a tmpfs here (needs root)');
    try {
      await fullDiskCase(dir, mnt, leftKb);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
}

async function fullDiskCase(dir: string, mnt: string, leftKb: number): Promise<void> {
  {
    if (leftKb < 64) writeFileSync(join(mnt, 'fill'), Buffer.alloc((64 - leftKb) * 1024));
    const logger = captureLogger();
    const path = join(mnt, 'history.db');
    const history = createHistorySink({ path, retentionDays: 30 }, { logger });
    const out = join(dir, 'kaifa.txt');
    const solarview = createSolarviewSink({ file: out }, logger);
    const source = oneTelegram();
    const daemon = createDaemon({
      meters: [{ id: 'default', key: Key.parse(VKW.key_hex!) }],
      sourceFor: () => source,
      sinks: [history, solarview],
      logger,
      tickMs: 3_600_000,
    });
    await daemon.start();
    await solarview.idle();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(readFileSync(out, 'utf8'), '/?!\n/KAIFA\n1.8.0(003744.082*kWh)\n2.8.0(003929.988*kWh)\n!\n');
    const st = daemon.status.get().sinks.history!;
    assert.equal(st.ok, false);
    assert.match(
      st.lastError!,
      new RegExp(
        `^cannot open the history database ${path}: the disk holding ${mnt} is full \\(\\d+ kB free\\) — free some space or set exports.history.path to another disk; history is off until then`,
      ),
    );
    assert.equal(daemon.status.get().sinks.solarview?.ok, true);
    const errors = logger.lines.filter((l) => l.startsWith('error'));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.doesNotMatch(errors[0]!, /cannot rollback|disk I\/O error/);
    await daemon.stop();
  }
}

test('a migration that fails after SQLite already rolled back reports its own error, not "cannot rollback"', (t) => {
  // SQLITE_FULL and I/O errors end the transaction inside SQLite; the inner ROLLBACK stands in for that here.
  const path = join(tempDir(t), 'm.db');
  assert.throws(
    () =>
      openDatabase(path, [{ version: 1, sql: 'CREATE TABLE a (x); ROLLBACK; SELECT * FROM missing_table' }]),
    /no such table: missing_table/,
  );
  const db = openDatabase(path, []); // the failed open left nothing open or half-migrated
  t.after(() => db.close());
  assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 0);
});
