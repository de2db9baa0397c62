/** `http.allowed_hosts` (issue 9 item 2): a list of host names, validated, suggested when misspelt, in the schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/daemon/config-schema.js';
import { SCHEMA_BY_PATH } from '../../src/daemon/config-schema.js';
import { formatSchemaTable } from '../../src/cli/config-command.js';
import { CONFIG_SCHEMA } from '../../src/daemon/config-schema.js';

const base = { source: '/dev/ttyUSB0', key: '36C66639E48A8CA4D6BC8B282A793BBB' };

test('http.allowed_hosts: names are lower-cased into http.allowedHosts; a single string is a list of one', () => {
  const r = parseConfig({ ...base, http: { allowed_hosts: ['Meter.Home.Arpa', 'pi4.local'] } });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(r.config.http, {
    host: '127.0.0.1',
    port: 8080,
    allowedHosts: ['meter.home.arpa', 'pi4.local'],
  });
  assert.deepEqual(r.warnings, []);
  const one = parseConfig({ ...base, http: { allowed_hosts: 'meter.home.arpa' } });
  assert.deepEqual(one.ok && one.config.http?.allowedHosts, ['meter.home.arpa']);
  const empty = parseConfig({ ...base, http: { allowed_hosts: [] } });
  assert.deepEqual(empty.ok && empty.config.http, { host: '127.0.0.1', port: 8080 });
});

test('http.allowed_hosts: a port, a URL, a number or an object is an error that says what to write', () => {
  const cases: [unknown, RegExp][] = [
    [
      ['meter.home.arpa:8080'],
      /list of host names such as \["meter\.home\.arpa"\] \(without the port\), got the string "meter\.home\.arpa:8080" at position 1/,
    ],
    [
      ['ok.example', 'http://meter.home.arpa/'],
      /got the string "http:\/\/meter\.home\.arpa\/" at position 2/,
    ],
    [[8080], /got 8080 at position 1/],
    [{ name: 'x' }, /expected a list of host names such as \["meter\.home\.arpa"\], got an object/],
  ];
  for (const [value, message] of cases) {
    const r = parseConfig({ ...base, http: { allowed_hosts: value } });
    assert.equal(r.ok, false, JSON.stringify(value));
    const issue = !r.ok ? r.errors.find((e) => e.path === 'http.allowed_hosts') : undefined;
    assert.match(issue?.message ?? '', message);
  }
});

test('a misspelt allowed_hosts gets a "did you mean"', () => {
  const r = parseConfig({ ...base, http: { allowed_host: ['meter.home.arpa'] } });
  assert.ok(
    r.warnings.some((w) => w.includes('"http.allowed_host"') && w.includes('did you mean "allowed_hosts"')),
    r.warnings.join('\n'),
  );
});

test('the schema lists http.allowed_hosts as a host-list with an example', () => {
  const spec = SCHEMA_BY_PATH.get('http.allowed_hosts');
  assert.equal(spec?.kind, 'host-list');
  assert.match(formatSchemaTable(CONFIG_SCHEMA), /\nhttp\.allowed_hosts +Without token or basic_auth/);
});

test('http.allowed_hosts beside auth: a warning that it has no effect there', () => {
  const token = parseConfig({
    ...base,
    http: { allowed_hosts: ['meter.home.arpa'], token: 'a-long-random-token-0123456789' },
  });
  assert.ok(token.ok);
  assert.ok(
    token.warnings.some((w) => w.startsWith('http.allowed_hosts: has no effect while')),
    token.warnings.join('\n'),
  );
  const basic = parseConfig({
    ...base,
    http: { allowed_hosts: ['meter.home.arpa'], basic_auth: { username: 'u', password: 'p' } },
  });
  assert.ok(basic.warnings.some((w) => w.startsWith('http.allowed_hosts: has no effect while')));
  const alone = parseConfig({ ...base, http: { allowed_hosts: ['meter.home.arpa'] } });
  assert.deepEqual(alone.warnings, []);
});
