/** Config `scalers`: a per-meter scaler override for registers sent without one (Kamstrup CT meters). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/daemon/config-schema.js';

const base = { source: '/dev/ttyUSB0' };

test('scalers: OBIS code → power of ten reaches the config', () => {
  const r = parseConfig({ ...base, scalers: { '1.1.31.7.0.255': -2, '1.1.1.8.0.255': 1 } });
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  assert.deepEqual(r.config.meters[0]?.scalers, { '1.1.31.7.0.255': -2, '1.1.1.8.0.255': 1 });
});

test('scalers: a short code, a fraction or a list each get a message that shows the form', () => {
  const cases: Array<[unknown, string]> = [
    [{ '1.1.31.7': -2 }, 'write all six groups, e.g. "1.1.31.7.0.255"'],
    [{ '1.1.31.7.0.255': -1.5 }, 'must be an integer from -9 to 9'],
    [[-2], 'expected an object such as {"1.1.31.7.0.255": -2}'],
  ];
  for (const [scalers, message] of cases) {
    const r = parseConfig({ ...base, scalers });
    assert.equal(r.ok, false);
    if (r.ok) continue;
    const hit = r.errors.find((e) => e.path === 'scalers');
    assert.ok(hit?.message.includes(message), JSON.stringify(r.errors));
  }
});
