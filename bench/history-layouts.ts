/**
 * Layouts for the v4 `readings` table (many meters in one file), compared in file bytes per row and insert rate:
 * v3 (ts as rowid, one meter only), `PRIMARY KEY (meter, ts) WITHOUT ROWID`, meter · 2^44 + ts as rowid (the v4
 * choice, see src/store/history-schema.ts) and rowid + unique index (meter, ts). Same columns as the store, 720 rows
 * per transaction, one and two meters interleaved. Run: `node --import tsx bench/history-layouts.ts [rows]`.
 */
import Database from 'libsql';
import { mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
const cols =
  'e1 INTEGER, e2 INTEGER, p1 INTEGER, p2 INTEGER, v1 INTEGER, v2 INTEGER, v3 INTEGER, c1 INTEGER, c2 INTEGER, c3 INTEGER, q1 INTEGER, q2 INTEGER, q3 INTEGER';
const K = 2 ** 44;
const layouts: Record<string, [string, (m: number, ts: number) => unknown[]]> = {
  v3_rowid_ts: [`CREATE TABLE r (ts INTEGER PRIMARY KEY, num INTEGER NOT NULL, ${cols})`, (m, ts) => [ts, 1]],
  without_rowid: [
    `CREATE TABLE r (meter INTEGER NOT NULL, ts INTEGER NOT NULL, num INTEGER NOT NULL, ${cols}, PRIMARY KEY (meter, ts)) WITHOUT ROWID`,
    (m, ts) => [m, ts, 1],
  ],
  rowid_meter_major: [
    `CREATE TABLE r (id INTEGER PRIMARY KEY, num INTEGER NOT NULL, ${cols})`,
    (m, ts) => [m * K + ts, 1],
  ],
  rowid_plus_index: [
    `CREATE TABLE r (meter INTEGER NOT NULL, ts INTEGER NOT NULL, num INTEGER NOT NULL, ${cols}); CREATE UNIQUE INDEX r_key ON r (meter, ts)`,
    (m, ts) => [m, ts, 1],
  ],
};
const N = Number(process.argv[2] ?? 200000);
for (const meters of [1, 2])
  for (const [name, [ddl, key]] of Object.entries(layouts)) {
    if (meters > 1 && name.startsWith('v3')) continue; // one meter only: ts alone is the key
    const f = join(mkdtempSync(join(tmpdir(), 'lay-')), 'x.db');
    const db = new Database(f);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(ddl);
    const nk = key(1, 0).length;
    const ins = db.prepare(
      `INSERT INTO r VALUES (${Array(nk + 13)
        .fill('?')
        .join(',')})`,
    );
    const T = 1_767_225_600_000;
    const t0 = performance.now();
    for (let b = 0; b < N / 720; b++) {
      db.exec('BEGIN');
      for (let i = b * 720; i < (b + 1) * 720; i++)
        for (let m = 1; m <= meters; m++)
          ins.run(
            ...key(m, T + i * 5000 + (i % 7)),
            12345678 + i,
            2345678 + (i >> 3),
            200 + (i % 3000),
            0,
            2300 + (i % 80),
            2310 + (i % 70),
            2320 + (i % 60),
            1000 + (i % 5000),
            900 + (i % 4000),
            800 + (i % 3000),
            null,
            null,
            null,
          );
      db.exec('COMMIT');
    }
    const s = (performance.now() - t0) / 1000;
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const size = statSync(f).size;
    console.log(
      `${meters} meter(s) ${name.padEnd(18)} ${(size / (N * meters)).toFixed(1)} B/row  ${Math.round((N * meters) / s)} rows/s`,
    );
    db.close();
  }
