import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/daemon/config-schema.js';
import { redactConfig } from '../../src/config/redact.js';
import { toHex } from '../../src/util/hex.js';
import { inspect } from 'node:util';

test('redactConfig hides keys, passwords, tokens and URL passwords, and leaves the input alone', () => {
  const r = parseConfig({
    source: '/dev/ttyUSB0',
    key: '36C66639E48A8CA4D6BC8B282A793BBB',
    auth_key: '00112233445566778899AABBCCDDEEFF',
    exports: { mqtt: { url: 'mqtts://meter:pw-in-url@broker:8883', password: 'pw-field' } },
    http: {
      host: '0.0.0.0',
      token: 'tok-123456789012345',
      basic_auth: { username: 'admin', password: 'pw-basic' },
    },
  });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  const shown = redactConfig(r.config);
  // Keys are Key objects now (util/key.ts): they redact themselves in JSON, text and inspect.
  assert.equal(JSON.stringify(shown.meters[0]?.key), '"<redacted>"');
  assert.equal(String(shown.meters[0]?.authKey), '<redacted>');
  assert.equal(inspect(shown).includes('36'), false);
  assert.equal(shown.exports.mqtt?.url, 'mqtts://meter:<redacted>@broker:8883');
  assert.equal(shown.exports.mqtt?.password, '<redacted>');
  assert.equal(shown.http?.token, '<redacted>');
  assert.deepEqual(shown.http?.basicAuth, { username: 'admin', password: '<redacted>' });
  const text = JSON.stringify(shown);
  for (const s of ['36C666', '001122', 'pw-in-url', 'pw-field', 'tok-123', 'pw-basic'])
    assert.equal(text.includes(s), false, s);
  assert.equal(
    toHex(r.config.meters[0]!.key!.bytes),
    '36C66639E48A8CA4D6BC8B282A793BBB',
    'the original is not modified',
  );
  assert.equal(r.config.exports.mqtt?.password, 'pw-field', 'the original is not modified');
});
