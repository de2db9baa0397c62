/**
 * The PostgreSQL sink against a real server (Debian's postgresql, a fresh cluster per test on 127.0.0.1): exact
 * rows for real vectors, the database stopped for 30 telegrams and restarted (all 30 arrive, in order), the
 * sink dropped without stop (as kill -9 would) while the database is down and a new one delivering the backlog,
 * a batch retried after it was committed (no duplicates), and a wrong password (one clear message, no password
 * in it, status not ok).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresqlSink } from '../../src/sinks/postgresql/postgresql-sink.js';
import type { PostgresqlConfig } from '../../src/sinks/postgresql/options.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import type { Sink } from '../../src/sinks/sink.js';
import { Key } from '../../src/util/key.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';
import { captureLogger } from '../store/helpers.js';
import { PG_PASSWORD, postgresUnavailable, startPostgres, type Postgres } from '../helpers/postgres.js';
import { waitUntil } from '../e2e/helpers/cli-process.js';

const skip = postgresUnavailable();
const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const EVN = loadVector('evn_netznoe-pdf_1');

function decoded(v: typeof VKW, meter: string, at: number): MeterSnapshot {
  const d = new TelegramDecoder({ keys: { encryptionKey: Key.parse(v.key_hex!).bytes }, meter });
  const ev = d.push(captureBytes(v), at).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  return ev.snapshot;
}

function config(pg: Postgres, over: Partial<PostgresqlConfig> = {}): PostgresqlConfig {
  return {
    url: pg.url,
    password: PG_PASSWORD,
    table: 'kaifareader_readings',
    batchSize: 500,
    outbox: { maxRows: 500_000 },
    ...over,
  };
}

/** Polls until `check` holds (the e2e helper: a deadline, not a timing assertion). */
const until = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) =>
  waitUntil(check, what, { timeoutMs, intervalMs: 50 });

async function setup(t: test.TestContext) {
  const pg = (await startPostgres())!;
  t.after(() => pg.close());
  const dir = mkdtempSync(join(tmpdir(), 'kr-pg-sink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logger = captureLogger();
  const make = (over: Partial<PostgresqlConfig> = {}) =>
    createPostgresqlSink(config(pg, over), { logger, dataDir: dir, backoff: { minMs: 50, maxMs: 200 } });
  const count = () => {
    try {
      return Number(pg.sql('SELECT count(*) FROM kaifareader_readings').trim());
    } catch {
      return 0; // before the sink created its table, or while the server is down
    }
  };
  return { pg, dir, logger, make, count };
}

test(
  'exact rows for two real meters: typed columns in the key unit, all readings as jsonb, primary key (meter, received_at)',
  { skip },
  async (t) => {
    const { pg, make, count } = await setup(t);
    const sink = make();
    await sink.start!();
    const T = Date.UTC(2026, 11, 2, 12, 0, 0, 123);
    sink.handle(decoded(VKW, 'home', T));
    sink.handle(decoded(EVN, 'flat', T));
    await until(() => count() === 2, 'two rows');
    const rows = pg
      .sql(
        "SELECT meter, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'), meter_id, energy_import_wh, energy_export_wh, power_import_w, voltage_l1_v, current_l1_a, readings->>'energy_import_wh' FROM kaifareader_readings ORDER BY meter",
      )
      .trim()
      .split('\n');
    // Every value from the fixtures' `expected` (what the meters showed), in the key units.
    const want = (v: typeof VKW, meter: string, number: string) => {
      const e = (obis: string) => String(v.expected![obis]!.value);
      const cells = ['1.0.1.8.0.255', '1.0.2.8.0.255', '1.0.1.7.0.255', '1.0.32.7.0.255', '1.0.31.7.0.255'];
      return [meter, '2026-12-02 12:00:00.123', number, ...cells.map(e), e('1.0.1.8.0.255')].join('|');
    };
    assert.deepEqual(rows, [want(EVN, 'flat', '181220000009'), want(VKW, 'home', '1KFM0200175269')]);
    assert.equal(
      pg
        .sql(
          "SELECT count(*) FROM information_schema.table_constraints WHERE table_name = 'kaifareader_readings' AND constraint_type = 'PRIMARY KEY'",
        )
        .trim(),
      '1',
    );
    await sink.stop!();
    assert.equal(sink.status!().backlog, 0);
  },
);

test(
  'database stopped for 30 telegrams and restarted: all 30 arrive, in order, with their own receive times',
  { skip },
  async (t) => {
    const { pg, make, count, logger } = await setup(t);
    const sink = make();
    await sink.start!();
    const T = Date.UTC(2026, 11, 2, 12, 0, 0);
    sink.handle(decoded(VKW, 'home', T));
    await until(() => count() === 1, 'the first row');
    await pg.stop();
    for (let i = 1; i <= 30; i++) sink.handle(decoded(VKW, 'home', T + i * 5000));
    await until(() => sink.status!().ok === false, 'the outage to show in the status');
    assert.equal(sink.status!().backlog, 30);
    assert.match(sink.status!().state, /^unreachable: PostgreSQL at 127\.0\.0\.1:\d+\/postgres/);
    await pg.start();
    await until(() => count() === 31, 'all 31 rows after the restart', 15_000);
    const times = pg
      .sql('SELECT extract(epoch FROM received_at)::bigint FROM kaifareader_readings ORDER BY received_at')
      .trim()
      .split('\n')
      .map(Number);
    assert.deepEqual(
      times,
      Array.from({ length: 31 }, (_, i) => T / 1000 + i * 5),
    );
    // The rows are visible a moment before the sink has marked them delivered.
    await until(() => sink.status!().ok && sink.status!().backlog === 0, 'the status to be ok again');
    assert.equal(
      logger.lines.filter((l) => /refuses connections|terminating|unreachable|does not answer/.test(l))
        .length >= 1,
      true,
    );
    assert.ok(
      logger.lines.some((l) => /is back; delivering/.test(l)),
      logger.lines.join('\n'),
    );
    await sink.stop!();
  },
);

test(
  'kaifareader killed with SIGKILL while the database is down: the next start delivers the backlog, no duplicates',
  { skip },
  async (t) => {
    const { pg, dir, make, count } = await setup(t);
    const T = Date.UTC(2026, 11, 2, 13, 0, 0);
    const snaps = Array.from({ length: 11 }, (_, i) => decoded(VKW, 'home', T + i * 1000));
    const first = make();
    await first.start!();
    first.handle(snaps[0]!);
    await until(() => count() === 1, 'the first row');
    await first.stop!();
    await pg.stop();
    // A real process with the sink takes 10 telegrams while the database is down, then gets SIGKILL.
    const file = join(dir, 'snaps.json');
    writeFileSync(file, JSON.stringify(snaps.slice(1)));
    const dist = new URL('../../dist/sinks/postgresql/postgresql-sink.js', import.meta.url).href;
    const cfg = config(pg);
    const script = `const { createPostgresqlSink } = await import(${JSON.stringify(dist)});
      const { readFileSync } = await import('node:fs');
      const l = { debug() {}, info() {}, warn() {}, error() {}, child: () => l };
      const sink = createPostgresqlSink(${JSON.stringify(cfg)}, { logger: l, dataDir: ${JSON.stringify(dir)} });
      await sink.start();
      for (const s of JSON.parse(readFileSync(${JSON.stringify(file)}, 'utf8'))) sink.handle(s);
      process.stdout.write('queued ' + sink.status().backlog + '\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    await until(() => out.includes('queued'), 'the child to queue the telegrams');
    assert.match(out, /queued 10/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await pg.start();
    const second: Sink = make();
    await second.start!();
    await until(() => count() === 11, 'the backlog from the outbox file', 15_000);
    // The same telegrams again (a redelivery, as after a lost acknowledgement): no duplicates.
    for (const s of snaps) second.handle(s);
    await until(() => second.status!().backlog === 0, 'the redelivery');
    assert.equal(count(), 11);
    await second.stop!();
  },
);

test(
  'a wrong password: one clear message without the password, status not ok, telegrams kept',
  { skip },
  async (t) => {
    const { make, logger } = await setup(t);
    const sink = make({ password: 'not-the-password' });
    await sink.start!();
    sink.handle(decoded(VKW, 'home', Date.UTC(2026, 11, 2, 14)));
    await until(() => sink.status!().lastError !== undefined, 'the error');
    await new Promise((r) => setTimeout(r, 400)); // a few retries: still one line
    const errors = logger.lines.filter((l) => l.startsWith('error'));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(
      errors[0]!,
      /refused the login of postgres: check exports\.postgresql\.password and pg_hba\.conf/,
    );
    assert.doesNotMatch(logger.lines.join('\n'), /not-the-password|kaifareader-test-password/);
    const st = sink.status!();
    assert.equal(st.ok, false);
    assert.equal(st.backlog, 1);
    await sink.stop!();
  },
);
