/**
 * When the daemon may send systemd WATCHDOG=1: an open source read within the silence limit, a source that is
 * reconnecting or ended; not an open source silent past the limit, nor an open that never finishes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  pipelineHealth,
  recordRead,
  recordState,
  type SourceActivity,
} from '../../src/service/pipeline-health.js';

const LIMIT = 300_000;

test('an open source read within the limit is healthy; silent past it, it is not', () => {
  const a: SourceActivity = { state: 'starting', stateAt: 0 };
  recordState(a, { state: 'open' }, 1_000);
  recordRead(a, 5_000);
  assert.deepEqual(pipelineHealth(a, 5_000 + LIMIT, LIMIT), { healthy: true, reason: 'reading' });
  assert.deepEqual(pipelineHealth(a, 5_000 + LIMIT + 1, LIMIT), {
    healthy: false,
    reason: 'no bytes read for 300 s',
  });
  recordRead(a, 400_000);
  assert.equal(pipelineHealth(a, 400_000 + 10, LIMIT).healthy, true);
});

test('an open source that never delivered a byte counts its silence from the open', () => {
  const a: SourceActivity = { state: 'starting', stateAt: 0 };
  recordState(a, { state: 'open' }, 10_000);
  assert.equal(pipelineHealth(a, 10_000 + LIMIT, LIMIT).healthy, true);
  assert.deepEqual(pipelineHealth(a, 10_000 + LIMIT + 2_000, LIMIT), {
    healthy: false,
    reason: 'no bytes read for 302 s since the source opened',
  });
});

test('a reopened source starts a new silence window (bytes before the outage do not count against it)', () => {
  const a: SourceActivity = { state: 'open', stateAt: 0, lastReadAt: 1_000 };
  recordState(a, { state: 'error', code: 'serial.lost', message: 'lost', retryInMs: 250 }, 2_000);
  recordState(a, { state: 'open' }, 900_000);
  assert.equal(pipelineHealth(a, 900_000 + 60_000, LIMIT).healthy, true);
});

test('a reconnecting source is healthy however long the outage lasts (the retry loop runs on its own timer)', () => {
  const a: SourceActivity = { state: 'open', stateAt: 0, lastReadAt: 0 };
  recordState(a, { state: 'error', code: 'serial.missing', message: 'gone', retryInMs: 5000 }, 1_000);
  assert.deepEqual(pipelineHealth(a, 1_000 + 10 * LIMIT, LIMIT), {
    healthy: true,
    reason: 'source reconnecting',
  });
});

test('an open that never finishes turns unhealthy after the limit; an ended replay stays healthy', () => {
  const a: SourceActivity = { state: 'starting', stateAt: 0 };
  recordState(a, { state: 'connecting' }, 0);
  assert.equal(pipelineHealth(a, LIMIT, LIMIT).healthy, true);
  assert.deepEqual(pipelineHealth(a, LIMIT + 1_000, LIMIT), {
    healthy: false,
    reason: 'source still opening after 301 s',
  });
  const s: SourceActivity = { state: 'starting', stateAt: 0 };
  assert.equal(pipelineHealth(s, LIMIT + 1, LIMIT).healthy, false);
  recordState(s, { state: 'ended' }, 5);
  assert.deepEqual(pipelineHealth(s, 100 * LIMIT, LIMIT), { healthy: true, reason: 'source ended' });
});

test('a repeated state does not move the window (open → open keeps the first time)', () => {
  const a: SourceActivity = { state: 'starting', stateAt: 0 };
  recordState(a, { state: 'open' }, 0);
  recordState(a, { state: 'open' }, 200_000);
  assert.equal(a.stateAt, 0);
  assert.equal(pipelineHealth(a, LIMIT + 1, LIMIT).healthy, false);
});
