/**
 * `kaifareader simulate` → real pty (socat) → the real daemon: live telegrams decode one after the other (the
 * Solarview file is rewritten, counters only grow, the status API says ok); with a wrong key the daemon says
 * so in the log, and the key never shows up in any output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { DEMO_KEY } from '../../src/simulator/simulated-meter.js';
import { freePort, runCli, waitUntil } from './helpers/cli-process.js';
import { holdsOpen, makeTempDir, readIfExists, writeLegacyConfig } from './helpers/daemon-fixtures.js';

const COUNTER = /^1\.8\.0\((\d+\.\d{3})\*kWh\)\n2\.8\.0\((\d+\.\d{3})\*kWh\)$/m;

interface Sample {
  telegrams: number;
  bytes: number;
  imported: number;
  exported: number;
  inode: number;
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

test('simulator → pty → daemon: telegrams keep decoding, the file is rewritten and counters only grow', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const out = join(dir.path, 'kaifa.txt');
  const config = writeLegacyConfig(dir.path, {
    port: pty.b,
    key_hex_string: DEMO_KEY,
    logfile: undefined,
    export_file_abspath: out,
    http: { host: '127.0.0.1', port: await freePort() },
  });
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  const port = await waitUntil(
    () => /dashboard on http:\/\/127\.0\.0\.1:(\d+)\//.exec(log())?.[1],
    'the dashboard line',
    {
      context: log,
      process: daemon,
    },
  );
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
    context: log,
    process: daemon,
  });
  const sim = runCli(['simulate', '--port', pty.a, '--period', '0.3']);
  t.after(() => sim.stop('SIGKILL'));

  const samples: Sample[] = [];
  const sample = async (): Promise<Sample | undefined> => {
    const status = await getJson(`http://127.0.0.1:${port}/api/v1/status`);
    const text = readIfExists(out);
    const m = text === undefined ? null : COUNTER.exec(text);
    if (!m) return undefined;
    return {
      telegrams: status.telegrams_ok as number,
      bytes: status.bytes_received as number,
      imported: Number(m[1]),
      exported: Number(m[2]),
      inode: statSync(out).ino,
    };
  };
  await waitUntil(
    async () => {
      const s = await sample();
      if (s && (samples.length === 0 || s.telegrams > samples.at(-1)!.telegrams)) samples.push(s);
      return samples.length >= 5;
    },
    'five decoded telegrams',
    { context: () => `${log()}\n${sim.stderr()}`, process: daemon },
  );
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    assert.ok(b.telegrams > a.telegrams && b.bytes > a.bytes, JSON.stringify(samples));
    assert.ok(
      b.imported >= a.imported && b.exported >= a.exported,
      `counters went down: ${JSON.stringify(samples)}`,
    );
  }
  assert.ok(new Set(samples.map((s) => s.inode)).size > 1, 'the Solarview file was never rewritten');
  const status = await getJson(`http://127.0.0.1:${port}/api/v1/status`);
  assert.deepEqual(status.diagnosis, { state: 'ok', hint: 'telegrams arrive and decode' });
  assert.equal(status.meter_id, '1KFM0200004242');
  assert.deepEqual(status.errors_by_code, {});
  assert.match(log(), /1KFM0200004242: 1\.8\.0 \d+\.\d{3} kWh/);

  assert.deepEqual(await sim.stop('SIGTERM'), { code: 0, signal: null });
  assert.match(sim.stderr(), /sent \d+ telegram\(s\)/);
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
});

test('wrong key: the daemon diagnoses it in the log and never prints the key', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const key = '9E3779B97F4A7C15F39CC0605CEDC834';
  const logfile = join(dir.path, 'kaifa.log');
  const config = writeLegacyConfig(dir.path, {
    port: pty.b,
    key_hex_string: key.toLowerCase(),
    loglevel: 'logging.DEBUG',
    logfile,
    export_file_abspath: join(dir.path, 'kaifa.txt'),
  });
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
    context: log,
    process: daemon,
  });
  // The simulator encrypts with a key derived from --key, i.e. not the configured one.
  const sim = runCli(['simulate', '--port', pty.a, '--period', '0.2', '--key', key, '--wrong-key']);
  t.after(() => sim.stop('SIGKILL'));
  await waitUntil(() => log().includes('diagnosis: wrong-key'), 'the wrong-key diagnosis', {
    context: () => `${log()}\n${sim.stderr()}`,
    process: daemon,
  });
  assert.deepEqual(await sim.stop('SIGTERM'), { code: 0, signal: null });
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });

  assert.match(
    log(),
    /WARN {2}\[meter\] diagnosis: wrong-key — .*the key is probably wrong or belongs to another meter/,
  );
  assert.equal(
    readIfExists(join(dir.path, 'kaifa.txt')),
    undefined,
    'a wrongly decrypted telegram was exported',
  );
  const everything = [daemon.stdout(), daemon.stderr(), readIfExists(logfile) ?? ''].join('\n');
  assert.ok(everything.includes('diagnosis: wrong-key'), 'the log file lacks the diagnosis');
  for (const form of [
    key,
    key.toLowerCase(),
    key.match(/../g)!.join(' '),
    key.match(/../g)!.join(' ').toLowerCase(),
  ]) {
    assert.ok(!everything.includes(form), `the key appears in the output as "${form}"`);
  }
});
