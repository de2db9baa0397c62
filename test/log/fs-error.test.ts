/**
 * describeFsError's permission hint names the user this process runs as (issue 9, item 15: it always said
 * `kaifareader`, also when another user ran it), for every file the user chose: the Solarview file, the log file.
 * Provoked for real as user nobody in test/sinks/solarview.test.ts; here the mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { describeFsError } from '../../src/log/fs-error.js';
import { serviceUser } from '../../src/log/service-user.js';

const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });

test('the permission hint names the user running the process, by default', () => {
  assert.equal(serviceUser(), userInfo().username);
  const user = userInfo().username;
  assert.equal(
    describeFsError(eacces, '/var/log/kaifa/kaifa.log', 'the log file', 'logging.file'),
    `cannot write the log file /var/log/kaifa/kaifa.log: permission denied — the user ${user} needs write access to /var/log/kaifa (e.g. \`sudo chown ${user} /var/log/kaifa\`), or change logging.file`,
  );
});

test('an explicit user is named as given', () => {
  assert.match(
    describeFsError(eacces, '/run/kaifa.txt', 'the Solarview file', 'exports.solarview.file', 'alice'),
    /the user alice needs write access to \/run \(e\.g\. `sudo chown alice \/run`\)/,
  );
});
