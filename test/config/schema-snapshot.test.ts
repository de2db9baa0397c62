/**
 * `kaifareader config schema --json` prints the same rows as before the options moved into their components
 * (snapshot taken from the single-schema-table version, test/fixtures/config/schema-before-meters.json), plus the
 * `meters` rows. The only changed rows are `key` and `auth_key`, whose descriptions now say that the env variable
 * applies to the single-meter file only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA } from '../../src/daemon/config-schema.js';
import type { FieldSpec } from '../../src/config/spec.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BEFORE = JSON.parse(
  readFileSync(new URL('../fixtures/config/schema-before-meters.json', import.meta.url), 'utf8'),
) as FieldSpec[];
const ENV_FLAT_ONLY =
  ' The env variable applies to the single-meter file only (not to "meters", where it is ignored with a warning).';

/**
 * Rows added after the snapshot, by path (a new sink's or option's keys): listed here on purpose, so a row that
 * appears or disappears by accident still fails.
 */
const ADDED_SINCE_SNAPSHOT: readonly string[] = [
  'source.mqtt',
  'source.client_id',
  'exports.mqtt.expire_after',
  'exports.mqtt.instance',
  'exports.postgresql',
  'exports.postgresql.url',
  'exports.postgresql.password',
  'exports.postgresql.table',
  'exports.postgresql.batch_size',
  'exports.postgresql.outbox',
  'exports.postgresql.outbox.max_rows',
  'exports.line_protocol',
  'exports.line_protocol.url',
  'exports.line_protocol.database',
  'exports.line_protocol.org',
  'exports.line_protocol.bucket',
  'exports.line_protocol.token',
  'exports.line_protocol.username',
  'exports.line_protocol.password',
  'exports.line_protocol.measurement',
  'exports.line_protocol.batch_size',
  'exports.line_protocol.gzip',
  'exports.line_protocol.outbox',
  'exports.line_protocol.outbox.max_rows',
];

function check(rows: FieldSpec[]): void {
  const old = rows.filter(
    (r) => r.path !== 'meters' && !r.path.startsWith('meters[]') && !ADDED_SINCE_SNAPSHOT.includes(r.path),
  );
  for (const p of ADDED_SINCE_SNAPSHOT)
    assert.ok(
      rows.some((r) => r.path === p),
      `${p} is listed as added but not in the schema`,
    );
  assert.equal(old.length, BEFORE.length);
  for (const [i, want] of BEFORE.entries()) {
    const got = old[i]!;
    if (want.path === 'key' || want.path === 'auth_key')
      assert.deepEqual(got, { ...want, description: want.description + ENV_FLAT_ONLY }, want.path);
    else assert.deepEqual(got, want, want.path);
  }
  // The meters rows come last, in one block.
  const tail = rows
    .filter((r) => !ADDED_SINCE_SNAPSHOT.includes(r.path))
    .slice(BEFORE.length)
    .map((r) => r.path);
  assert.equal(tail[0], 'meters');
  for (const p of [
    'meters[].id',
    'meters[].name',
    'meters[].source.port',
    'meters[].key',
    'meters[].exports',
  ])
    assert.ok(tail.includes(p), p);
  assert.ok(tail.every((p) => p === 'meters' || p.startsWith('meters[].')));
  assert.equal(new Set(rows.map((r) => r.path)).size, rows.length, 'no path twice');
}

test('the assembled schema: the rows of before, in the same order, plus the meters rows', () => {
  check(JSON.parse(JSON.stringify(CONFIG_SCHEMA)) as FieldSpec[]);
});

test('kaifareader config schema --json prints exactly those rows (built CLI)', () => {
  const r = spawnSync(process.execPath, ['bin/kaifareader', 'config', 'schema', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  check(JSON.parse(r.stdout) as FieldSpec[]);
});
