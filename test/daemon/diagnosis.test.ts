/** `diagnose()`: a table of what the daemon has seen → the state it reports, and the hint's promise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diagnose,
  HINTS,
  NO_FRAME_BYTES,
  SILENCE_MS,
  WRONG_KEY_STREAK,
  type DiagnosisInput,
} from '../../src/daemon/diagnosis.js';
import type { Diagnosis } from '../../src/status/status.js';

const T0 = 1_700_000_000_000;
const base: DiagnosisInput = { now: T0, sourceOpenedAt: T0, bytesSinceFrame: 0, failuresInARow: [] };
const at = (over: Partial<DiagnosisInput>): DiagnosisInput => ({ ...base, ...over });

const TABLE: Array<[name: string, input: DiagnosisInput, state: Diagnosis['state']]> = [
  ['just started', base, 'starting'],
  [
    'port open, a few bytes, no telegram yet',
    at({ now: T0 + 3000, lastByteAt: T0 + 2900, bytesSinceFrame: 100 }),
    'starting',
  ],
  [
    'a telegram decoded',
    at({ now: T0 + 5000, lastByteAt: T0 + 5000, lastFrameAt: T0 + 5000, lastTelegramAt: T0 + 5000 }),
    'ok',
  ],
  ['silence just under the limit', at({ now: T0 + SILENCE_MS - 1 }), 'starting'],
  ['silence since the port opened', at({ now: T0 + SILENCE_MS }), 'no-bytes'],
  [
    'silence since the last byte, after telegrams',
    at({ now: T0 + 60_000, lastByteAt: T0 + 10_000, lastTelegramAt: T0 + 10_000 }),
    'no-bytes',
  ],
  ['garbage just under the limit', at({ lastByteAt: T0, bytesSinceFrame: NO_FRAME_BYTES - 1 }), 'starting'],
  [
    'bytes but never a frame (baud/parity)',
    at({ lastByteAt: T0, bytesSinceFrame: NO_FRAME_BYTES }),
    'no-frames',
  ],
  [
    'frames stop framing after telegrams',
    at({ lastByteAt: T0, lastTelegramAt: T0 - 60_000, bytesSinceFrame: 2000 }),
    'no-frames',
  ],
  ['one plaintext failure (line noise)', at({ failuresInARow: ['plaintext.invalid'] }), 'starting'],
  [
    'streak one short of the limit',
    at({ failuresInARow: Array(WRONG_KEY_STREAK - 1).fill('plaintext.invalid') }),
    'starting',
  ],
  [
    'plaintext invalid in a row',
    at({ failuresInARow: Array(WRONG_KEY_STREAK).fill('plaintext.invalid') }),
    'wrong-key',
  ],
  [
    'GCM tag failures in a row',
    at({ failuresInARow: Array(WRONG_KEY_STREAK).fill('gcm.auth-failed') }),
    'wrong-key',
  ],
  [
    'mixed key failures in a row',
    at({ failuresInARow: ['gcm.auth-failed', 'plaintext.invalid', 'gcm.auth-failed'] }),
    'wrong-key',
  ],
  [
    'key failures after a good telegram',
    at({
      lastTelegramAt: T0 - 5000,
      failuresInARow: ['plaintext.invalid', 'plaintext.invalid', 'plaintext.invalid'],
    }),
    'wrong-key',
  ],
  [
    'streak broken by another error',
    at({ failuresInARow: ['plaintext.invalid', 'plaintext.invalid', 'axdr.truncated'] }),
    'starting',
  ],
  ['encrypted but no key', at({ failuresInARow: ['key.missing'] }), 'key-missing'],
  ['unknown layout', at({ failuresInARow: ['layout.unknown'] }), 'unknown-layout'],
  [
    'unknown layout from a meter on a slightly noisy line',
    at({ failuresInARow: Array(8).fill('layout.unknown'), frameErrors: 2 }),
    'unknown-layout',
  ],
  [
    'one "unknown layout" among rejected frames (random bytes): not the diagnosis',
    at({ failuresInARow: ['layout.unknown'], frameErrors: 19, lastByteAt: T0, bytesSinceFrame: 5000 }),
    'no-frames',
  ],
  [
    'one "key missing" among rejected frames (random bytes): not the diagnosis',
    at({ failuresInARow: ['key.missing'], frameErrors: 19, lastByteAt: T0, bytesSinceFrame: 5000 }),
    'no-frames',
  ],
  [
    'port error wins over everything',
    at({
      sourceError: { message: '/dev/ttyUSB0: no such port' },
      failuresInARow: Array(5).fill('plaintext.invalid'),
      bytesSinceFrame: 5000,
    }),
    'port-error',
  ],
  [
    'wrong key wins over silence',
    at({ now: T0 + 2 * SILENCE_MS, failuresInARow: Array(3).fill('gcm.auth-failed') }),
    'wrong-key',
  ],
];

for (const [name, input, state] of TABLE) {
  test(`diagnose: ${name} → ${state}`, () => {
    assert.equal(diagnose(input).state, state);
  });
}

test('diagnose: hints say what to do', () => {
  assert.equal(diagnose(at({ failuresInARow: Array(3).fill('plaintext.invalid') })).hint, HINTS.wrongKey);
  assert.match(HINTS.wrongKey, /the key is probably wrong or belongs to another meter/);
  assert.match(diagnose(at({ failuresInARow: ['key.missing'] })).hint, /key_hex_string/);
  assert.match(diagnose(at({ lastByteAt: T0, bytesSinceFrame: 10_000 })).hint, /baud rate .*parity/);
  assert.equal(diagnose(at({ now: T0 + 42_400 })).hint, `${HINTS.noBytes} (nothing for 42 s)`);
});

test('diagnose: a port error carries its message and hint', () => {
  const d = diagnose(
    at({
      sourceError: { message: '/dev/ttyUSB0: permission denied', hint: 'add the user to the dialout group' },
    }),
  );
  assert.deepEqual(d, {
    state: 'port-error',
    hint: '/dev/ttyUSB0: permission denied: add the user to the dialout group',
  });
  assert.deepEqual(diagnose(at({ sourceError: { message: 'tcp://h:2000: refused' } })), {
    state: 'port-error',
    hint: 'tcp://h:2000: refused',
  });
});
