/**
 * Issue 9, item 4: telegrams flooding the port faster than the Solarview file can be replaced must not make the
 * daemon's memory grow. The real daemon reads a socat pty that the test fills with the Vorarlberg capture as fast
 * as the daemon takes it (the pty's buffer is the back-pressure) for FLOOD_MS, while its resident memory
 * (/proc/<pid>/status VmRSS) is sampled. The Solarview write hangs meanwhile, as on a stuck NFS mount or a failing
 * SD card: the daemon's temp file is a FIFO nobody reads, so open() blocks. Before the fix every telegram stayed in
 * memory behind the Solarview sink's shared write promise (291–508 MB in the probe; this test saw > 150 MB within
 * seconds); now the sink keeps one pending text. When the FIFO is read the newest values reach the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { runCli, waitUntil } from './helpers/cli-process.js';
import {
  holdsOpen,
  makeTempDir,
  openMeterEnd,
  readIfExists,
  writeLegacyConfig,
  VKW,
  VKW_FRAMES,
} from './helpers/daemon-fixtures.js';

const FLOOD_MS = 12_000;
/** Generous: the daemon idles at 60–85 MB; holding every telegram passes this within seconds. */
const RSS_LIMIT_MB = 150;

function rssMb(pid: number): number | undefined {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readIfExists(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) / 1024 : undefined;
}

test(`a flood of telegrams on the port: resident memory stays below ${RSS_LIMIT_MB} MB`, async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const out = join(dir.path, 'kaifa.txt');
  const config = writeLegacyConfig(dir.path, {
    port: pty.b,
    key_hex_string: VKW.key_hex,
    logfile: undefined,
    export_file_abspath: out,
  });
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  // The daemon's temp file (`.<name>.tmp-<pid>`, see sinks/solarview/solarview-sink.ts) as a FIFO: its first write hangs in open().
  const fifo = join(dir.path, `.kaifa.txt.tmp-${daemon.pid}`);
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
    context: log,
    process: daemon,
  });
  const meter = await openMeterEnd(pty.a);
  t.after(() => meter.close());
  const burst = Array<Uint8Array[]>(50).fill(VKW_FRAMES).flat();
  const deadline = Date.now() + FLOOD_MS;
  let sent = 0;
  let peak = 0;
  while (Date.now() < deadline) {
    await meter.write(burst);
    sent += 50;
    const rss = rssMb(daemon.pid);
    assert.ok(rss !== undefined, `the daemon is gone:\n${log()}`);
    peak = Math.max(peak, rss);
    assert.ok(rss < RSS_LIMIT_MB, `RSS ${rss.toFixed(0)} MB after ${sent} telegrams`);
  }
  assert.ok(sent > 5000, `only ${sent} telegrams were taken in ${FLOOD_MS} ms`);
  assert.equal(readIfExists(out), undefined, 'the write was not hanging');
  // Unblock: read the FIFO. The hung write completes (and its rename moves the FIFO to kaifa.txt), then the
  // pending newest text replaces it with a regular file.
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'ignore', 'ignore'] });
  t.after(() => reader.kill());
  await waitUntil(
    () => existsSync(out) && statSync(out).isFile() && readIfExists(out)?.includes('1.8.0(003744.082*kWh)'),
    'the Solarview file with the newest values',
    { context: log, process: daemon },
  );
  assert.equal(daemon.exit(), undefined, 'the daemon exited');
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null }, log());
  t.diagnostic(`${sent} telegrams, peak RSS ${peak.toFixed(0)} MB`);
  assert.doesNotMatch(readFileSync(out, 'utf8'), /None/);
});
