/** With several meters the systemd keep-alive stops only when no source is healthy (service-link.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinedHealth } from '../../src/service/service-link.js';
import type { SourceActivity } from '../../src/service/pipeline-health.js';

const T = 1_700_000_000_000;
const LIMIT = 300_000;
const silent: SourceActivity = { state: 'open', stateAt: T - 400_000, lastReadAt: T - 400_000 };
const reading: SourceActivity = { state: 'open', stateAt: T - 400_000, lastReadAt: T - 1000 };

test('one wedged meter among reading ones keeps the keep-alive; all wedged stops it; one meter is itself', () => {
  assert.equal(combinedHealth([silent, reading], T, LIMIT).healthy, true);
  const all = combinedHealth([silent, { ...silent }], T, LIMIT);
  assert.equal(all.healthy, false);
  assert.match(all.reason, /no bytes read for 400 s/);
  assert.equal(combinedHealth([silent], T, LIMIT).healthy, false);
  assert.equal(combinedHealth([reading], T, LIMIT).healthy, true);
});
