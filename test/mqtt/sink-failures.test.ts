/** The MQTT sink when the broker refuses it: wrong password, untrusted or unreadable TLS files; and mutual TLS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createQuarterHourMessages } from '../../src/sinks/mqtt/quarter-hour-messages.js';
import { createMqttSink, MEMORY_OUTBOX_MAX } from '../../src/sinks/mqtt/mqtt-sink.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { mqttConfig, recordingLogger, subscribe, waitFor, tempDir } from './fixtures/support.js';
import { EXPECTED_STATE, vorarlbergSnapshot } from './fixtures/vorarlberg.js';

const RECEIVED = Date.parse('2023-07-26T18:05:21Z');
const FAST = { minMs: 100, maxMs: 400 };
const STATE = 'kaifareader/1KFM0200175269/state';

test('wrong password: one clear error, handle() keeps queueing, delivered once the broker accepts it', async (t) => {
  const broker = await startMosquitto({ users: { kaifa: 'correct-horse', watcher: 'watch-pw' } });
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [STATE], { username: 'watcher', password: 'watch-pw' });
  t.after(() => sub.end());
  const log = recordingLogger();
  const cfg = mqttConfig(broker.url, { username: 'kaifa', password: 'Wr0ng-Secret' });
  const sink = createMqttSink(cfg, { logger: log, dataDir: tempDir(t), backoff: FAST });
  t.after(() => sink.stop?.());
  await sink.start?.();
  for (let i = 0; i < 3; i++) await sink.handle(vorarlbergSnapshot(RECEIVED + i * 1000));
  await waitFor('three refused attempts', () => (broker.log().match(/not authori[sz]ed/g) ?? []).length >= 3);
  const refused = log.lines.filter((l) => /the broker refused the username\/password/.test(l.message));
  assert.equal(refused.length, 1, log.text());
  assert.equal(refused[0]!.level, 'error');
  assert.ok(!log.text().includes('Wr0ng-Secret'));
  const st = sink.status?.();
  assert.equal(st?.ok, false);
  assert.equal(st?.backlog, 3);
  assert.match(st?.lastError ?? '', /refused the username\/password/);
  assert.ok(!JSON.stringify(st).includes('Wr0ng-Secret'));

  broker.setPassword('kaifa', 'Wr0ng-Secret'); // the admin fixes the broker side
  await waitFor('3 states', () => sub.on(STATE).length >= 3);
  assert.equal(sub.on(STATE)[0]!.payload, EXPECTED_STATE);
  await waitFor('connected', () => sink.status?.().ok === true && sink.status?.().backlog === 0);
});

test('TLS with a throwaway CA and a client certificate; an untrusted CA and a missing file say what to do', async (t) => {
  const broker = await startMosquitto({ tls: { requireClientCert: true } });
  t.after(() => broker.close());
  const files = broker.tls!;
  const sub = await subscribe(broker.url, ['+/1KFM0200175269/state']);
  t.after(() => sub.end());

  const good = createMqttSink(
    mqttConfig(broker.tlsUrl!, {
      baseTopic: 'good',
      tls: {
        caFile: files.caFile,
        certFile: files.clientCertFile,
        keyFile: files.clientKeyFile,
        rejectUnauthorized: true,
      },
    }),
    { logger: recordingLogger(), dataDir: tempDir(t), backoff: FAST },
  );
  t.after(() => good.stop?.());
  await good.start?.();
  await good.handle(vorarlbergSnapshot(RECEIVED));
  await waitFor('state over TLS', () => sub.on('good/').length === 1);
  assert.equal(sub.on('good/')[0]!.payload, EXPECTED_STATE);

  const log = recordingLogger();
  const untrusted = createMqttSink(
    mqttConfig(broker.tlsUrl!, {
      baseTopic: 'untrusted',
      tls: {
        caFile: files.otherCaFile,
        certFile: files.clientCertFile,
        keyFile: files.clientKeyFile,
        rejectUnauthorized: true,
      },
    }),
    { logger: log, dataDir: tempDir(t), backoff: FAST },
  );
  t.after(() => untrusted.stop?.());
  await untrusted.start?.();
  await untrusted.handle(vorarlbergSnapshot(RECEIVED));
  await waitFor('tls error', () => log.lines.some((l) => l.level === 'error'));
  assert.match(
    log.lines.find((l) => l.level === 'error')!.message,
    /certificate not trusted .* set exports\.mqtt\.tls\.ca_file/,
  );
  assert.equal(untrusted.status?.().backlog, 1);
  assert.equal(sub.on('untrusted/').length, 0);

  const missingLog = recordingLogger();
  const missing = createMqttSink(
    mqttConfig(broker.tlsUrl!, {
      baseTopic: 'missing',
      tls: { caFile: join(broker.dir, 'nope.crt'), rejectUnauthorized: true },
    }),
    { logger: missingLog, dataDir: tempDir(t), backoff: FAST },
  );
  t.after(() => missing.stop?.());
  await missing.start?.();
  await missing.handle(vorarlbergSnapshot(RECEIVED));
  assert.match(
    missingLog.text(),
    /cannot read MQTT exports\.mqtt\.tls\.ca_file .*nope\.crt \(ENOENT\) — check the path/,
  );
  assert.equal(missing.status?.().backlog, 1);
  assert.equal(missing.status?.().ok, false);
});

test('an outbox that cannot be opened is reported and MQTT still works from memory', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [STATE]);
  t.after(() => sub.end());
  const log = recordingLogger();
  const notADir = join(broker.dir, 'mosquitto.conf'); // a file: the outbox directory cannot be created below it
  const sink = createMqttSink(mqttConfig(broker.url), { logger: log, dataDir: notADir, backoff: FAST });
  t.after(() => sink.stop?.());
  assert.match(
    log.text(),
    /cannot open the MQTT outbox .*mqtt-outbox\.db .* — check that data_dir is writable/,
  );
  await sink.start?.();
  await sink.handle(vorarlbergSnapshot(RECEIVED));
  await waitFor('state', () => sub.on(STATE).length === 1);
  assert.equal(sub.on(STATE)[0]!.payload, EXPECTED_STATE);
});

test('the in-memory fallback outbox is bounded (MEMORY_OUTBOX_MAX) while the broker is unreachable', async (t) => {
  const dir = tempDir(t);
  const log = recordingLogger();
  const notADir = join(dir, 'file');
  writeFileSync(notADir, '');
  // A port nobody listens on: every message stays queued.
  const sink = createMqttSink(mqttConfig('mqtt://127.0.0.1:1', { outbox: { maxMessages: 500_000 } }), {
    logger: log,
    dataDir: notADir,
    backoff: { minMs: 60_000, maxMs: 60_000 },
  });
  t.after(() => sink.stop?.());
  assert.match(log.text(), new RegExp(`keeping at most ${MEMORY_OUTBOX_MAX} MQTT messages in memory only`));
  await sink.start?.();
  // the 14 h of telegrams also close quarter hours (two messages each, quarter-hour-messages.ts): counted with
  // the same code, they are dropped too
  const quarterHours = createQuarterHourMessages('kaifareader');
  let closed = 0;
  for (let i = 0; i < MEMORY_OUTBOX_MAX + 500; i++) {
    const s = vorarlbergSnapshot(RECEIVED + i * 5000);
    closed += quarterHours.messages(s).length;
    sink.handle(s);
  }
  const st = sink.status!();
  assert.equal(st.backlog, MEMORY_OUTBOX_MAX);
  assert.ok(closed > 50, String(closed));
  assert.equal(st.dropped, 500 + closed);
});
