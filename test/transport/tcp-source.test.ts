/**
 * TCP source against a real server on 127.0.0.1 (a stand-in for ser2net): ordered bytes, the bridge going
 * away and coming back on the same port, a refused connection, and the errno → hint table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTcpSource, describeTcp, explainTcpError } from '../../src/transport/tcp-source.js';
import { collector, recordingLogger, waitFor } from './util.js';

interface Bridge {
  server: Server;
  port: number;
  clients: Socket[];
  stop(): Promise<void>;
}

/** A bridge that accepts clients and lets the test write to them. */
async function startBridge(port = 0): Promise<Bridge> {
  const clients: Socket[] = [];
  const server = createServer((socket) => {
    clients.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    clients,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.destroy();
        server.close(() => resolve());
      }),
  };
}

test('describe is a tcp:// address', () => {
  assert.equal(describeTcp({ type: 'tcp', host: '192.168.1.50', port: 2000 }), 'tcp://192.168.1.50:2000');
  assert.equal(describeTcp({ type: 'tcp', host: '::1', port: 2000 }), 'tcp://[::1]:2000');
});

test('bytes from the bridge arrive in order; a stopped and restarted bridge is reconnected by itself', async (t) => {
  let bridge = await startBridge();
  const port = bridge.port;
  t.after(() => bridge.stop());
  const log = recordingLogger();
  const got = collector();
  const source = createTcpSource(
    { type: 'tcp', host: '127.0.0.1', port },
    { logger: log, maxBackoffMs: 100 },
  );
  t.after(() => source.stop());
  source.start(got.onData, got.onState);
  const client = await waitFor('client', () => bridge.clients[0]);
  client.write(Buffer.from([0x68, 0xfa]));
  client.write(Buffer.from([0xfa, 0x68, 0x53]));
  await waitFor('5 bytes', () => got.bytes.length === 5);
  assert.deepEqual(got.bytes, [0x68, 0xfa, 0xfa, 0x68, 0x53]);

  await bridge.stop();
  await waitFor('refused', () => got.errors().some((e) => e.code === 'ECONNREFUSED'));
  const codes = got.errors().map((e) => e.code);
  assert.deepEqual(codes, ['closed', 'ECONNREFUSED']);
  assert.match(got.errors()[1]!.hint!, /ser2net/);

  bridge = await startBridge(port);
  const again = await waitFor('reconnected client', () => bridge.clients[0]);
  await waitFor('open again', () => got.states.filter((s) => s.state === 'open').length === 2);
  again.write(Buffer.from([0x16]));
  await waitFor('byte after reconnect', () => got.bytes.length === 6);
  assert.equal(got.bytes[5], 0x16);
  assert.equal(log.lines.filter((l) => l.level === 'warn').length, 2);
  assert.equal(log.lines.filter((l) => /reopened after/.test(l.message)).length, 1);
});

test('a refused connection reports once and retries until stopped', async () => {
  const bridge = await startBridge();
  const port = bridge.port;
  await bridge.stop(); // a port nobody listens on
  const log = recordingLogger();
  const got = collector();
  const source = createTcpSource({ type: 'tcp', host: '127.0.0.1', port }, { logger: log, maxBackoffMs: 20 });
  source.start(got.onData, got.onState);
  await waitFor('error', () => got.errors()[0]);
  await new Promise((r) => setTimeout(r, 200)); // several retries
  await source.stop();
  assert.equal(got.errors().length, 1);
  assert.equal(got.errors()[0]!.message, `tcp://127.0.0.1:${port}: connection refused`);
  assert.equal(log.lines.length, 1);
});

test('socket errors map to codes and hints', () => {
  const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
  const where = 'tcp://bridge:2000';
  assert.match(explainTcpError(where, err('EHOSTUNREACH'), false).message, /host unreachable/);
  assert.match(explainTcpError(where, err('ENOTFOUND'), false).hint!, /IP address/);
  assert.match(explainTcpError(where, err('ETIMEDOUT'), false).hint!, /firewall/);
  assert.equal(explainTcpError(where, undefined, true).code, 'closed');
  const odd = explainTcpError(where, err('EWHATEVER'), false);
  assert.equal(odd.code, 'EWHATEVER');
  assert.match(odd.hint!, /host.*port/);
});
