/** createSource picks the transport from the config; `--port` parsing; transport imports stay at the edge. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/logger.js';
import { createSource, parseTcpAddress } from '../../src/transport/create-source.js';

test('createSource builds the source named by the config', () => {
  const serial = createSource(
    { type: 'serial', port: '/dev/ttyUSB0', baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 },
    { logger: silentLogger },
  );
  assert.equal(serial.describe(), '/dev/ttyUSB0 2400 8E1');
  const tcp = createSource({ type: 'tcp', host: '10.0.0.7', port: 2000 }, { logger: silentLogger });
  assert.equal(tcp.describe(), 'tcp://10.0.0.7:2000');
  const replay = createSource(
    { type: 'replay', file: 'a.capture', speed: 'realtime', loop: true },
    { logger: silentLogger },
  );
  assert.equal(replay.describe(), 'replay a.capture (loop)');
});

test('parseTcpAddress: tcp://host:port, device paths are not TCP, bad addresses explain the form', () => {
  assert.deepEqual(parseTcpAddress('tcp://192.168.1.50:2000'), {
    type: 'tcp',
    host: '192.168.1.50',
    port: 2000,
  });
  assert.deepEqual(parseTcpAddress('TCP://bridge.local:23'), { type: 'tcp', host: 'bridge.local', port: 23 });
  assert.deepEqual(parseTcpAddress('tcp://[::1]:2000'), { type: 'tcp', host: '::1', port: 2000 });
  assert.equal(parseTcpAddress('/dev/serial/by-id/usb-FTDI_FT232R-if00-port0'), undefined);
  assert.throws(
    () => parseTcpAddress('tcp://bridge'),
    /needs a host and a port.*tcp:\/\/192\.168\.1\.50:2000/,
  );
  assert.throws(() => parseTcpAddress('tcp://bridge:99999'), /tcp:\/\/host:port|needs a host and a port/);
});

test('transport files import no higher layer; only serial-source imports serialport, only mqtt-telegrams mqtt', () => {
  const dir = new URL('../../src/transport/', import.meta.url).pathname;
  const allowed =
    /^(node:|\.\/|\.\.\/(config\/(types|spec)|log\/logger|errors|util\/(hex|mqtt-topic))\.js$|@serialport\/(stream|bindings-cpp)$|mqtt$)/;
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'utf8');
    const imports = [...text.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    for (const spec of imports) {
      assert.match(spec, allowed, `${name} imports ${spec}`);
      if (spec.startsWith('@serialport/'))
        assert.equal(name, 'serial-source.ts', `${name} imports serialport`);
      if (spec === 'mqtt') assert.equal(name, 'mqtt-telegrams.ts', `${name} imports mqtt`);
    }
  }
});
