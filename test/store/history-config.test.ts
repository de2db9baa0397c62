/** `exports.history.time_zone`: parsed and checked by the config, handed through the sink to energy per day. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config-schema.js';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import { silentLogger } from '../../src/log/logger.js';
import { snapshot, tempDir } from './helpers.js';

const history = (h: unknown) => parseConfig({ source: '/dev/ttyUSB0', exports: { history: h } });

test('exports.history.time_zone: an IANA name is kept as written, absent means the store default', () => {
  const r = history({ time_zone: 'Asia/Kolkata' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.config.exports.history?.timeZone, 'Asia/Kolkata');
  const d = history(true);
  assert.ok(d.ok);
  assert.deepEqual(d.config.exports.history, { path: '/var/lib/kaifareader/history.db', retentionDays: 30 });
});

test('exports.history.time_zone: an unknown zone or a non-text is a config error that says what to write', () => {
  const bad = history({ time_zone: 'Europe/Wien' });
  assert.deepEqual(!bad.ok && bad.errors, [
    {
      path: 'exports.history.time_zone',
      message:
        'unknown time zone "Europe/Wien": use an IANA name such as "Europe/Vienna" (list: timedatectl list-timezones)',
    },
  ]);
  const r = history({ time_zone: 1 });
  assert.equal(r.ok, false);
  assert.match(
    JSON.stringify(!r.ok && r.errors),
    /time_zone.*expected a non-empty text such as \\"Europe\/Vienna\\"/,
  );
});

test('the configured zone reaches energy per day through the sink', async (t) => {
  const r = history({ path: join(tempDir(t), 'h.db'), time_zone: 'America/New_York' });
  assert.ok(r.ok);
  const cfg = r.config.exports.history!;
  const sink = createHistorySink(cfg, { logger: silentLogger, timeZone: cfg.timeZone });
  await sink.start!();
  t.after(() => sink.stop!());
  // 2026-06-01 02:00 and 03:00 UTC are still May 31 in New York (UTC-4), but June 1 in Vienna
  const t0 = Date.UTC(2026, 5, 1, 2);
  sink.handle(snapshot(t0, [['1.0.1.8.0.255', 500, 'Wh']]));
  sink.handle(snapshot(t0 + 3_600_000, [['1.0.1.8.0.255', 800, 'Wh']]));
  assert.equal(sink.flush(), true);
  assert.deepEqual(await sink.history.energy('default', 'day', t0 / 1000, t0 / 1000 + 1), [
    { start: Date.UTC(2026, 4, 31, 4) / 1000, label: '2026-05-31', import_wh: 300, export_wh: 0 },
  ]);
});
