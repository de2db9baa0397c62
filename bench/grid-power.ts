/**
 * Grid power latency: the real `kaifareader` daemon (spawned CLI, old meter.json with export_format MQTT) reading
 * a real pty pair (socat) and publishing to a real mosquitto; a subscriber in this process (QoS 0) on
 * `<base>/<meter>/grid_power`, as a battery controller or meter emulator would subscribe.
 *
 * Method as bench/daemon.ts: each Vorarlberg Kaifa MA309 telegram (2 M-Bus frames, 376 bytes, SC 0x21) is written
 * as the meter sends it — first frame, a short gap, second frame —, the clock starts when the write of its last
 * byte returns and stops when the subscriber's `message` event for grid_power fires. Then a pause, so
 * telegrams never overlap. The first WARMUP telegrams are not counted.
 *
 * Case: grid-power-latency   last byte written → grid_power received: p50, p99, max (ms).
 *
 * Needs Linux, socat, mosquitto and a built dist/. Runnable alone: node --import tsx bench/grid-power.ts [--quick]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { createPtyPair } from '../test/helpers/pty.js';
import { loadVector } from '../test/helpers/vectors.js';
import { assertBuilt, runCli, waitUntil } from '../test/e2e/helpers/cli-process.js';
import { holdsOpen, makeTempDir, writeLegacyConfig } from '../test/e2e/helpers/daemon-fixtures.js';

const WARMUP = 5;
const FRAME_GAP_MS = 5;
const PAUSE_MS = 20;
const TOPIC = 'kaifa/1KFM0200175269/grid_power';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function measureGridPower(telegrams: number): Promise<number[]> {
  assertBuilt();
  const v = loadVector('vorarlberg_philippsev-vkw_1');
  const frames = v.frames_hex.map((h) => Buffer.from(h, 'hex'));
  const dir = makeTempDir('kaifareader-bench-grid-');
  const broker = await startMosquitto();
  const pty = await createPtyPair();
  const sub = await mqtt.connectAsync(broker.url, { clientId: `bench-grid-${process.pid}` });
  await sub.subscribeAsync(TOPIC, { qos: 0 });
  let received: ((at: number) => void) | undefined;
  sub.on('message', (topic) => {
    if (topic === TOPIC) received?.(performance.now());
  });
  const config = writeLegacyConfig(dir.path, {
    port: pty.b,
    key_hex_string: v.key_hex,
    logfile: undefined,
    export_format: 'MQTT',
    export_file_abspath: undefined,
    export_mqtt_server: '127.0.0.1',
    export_mqtt_port: broker.port,
    export_mqtt_basetopic: 'kaifa',
    data_dir: dir.path,
  });
  const daemon = runCli(['--config', config]);
  let fd: number | undefined;
  try {
    await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
      context: () => daemon.stderr(),
      process: daemon,
    });
    fd = openSync(pty.a, 'w');
    const latencies: number[] = [];
    for (let i = 0; i < WARMUP + telegrams; i++) {
      const seen = new Promise<number>((resolve) => (received = resolve));
      writeSync(fd, frames[0]!);
      await sleep(FRAME_GAP_MS);
      writeSync(fd, frames[1]!);
      const start = performance.now();
      const at = await Promise.race([seen, sleep(5000).then(() => NaN)]);
      if (Number.isNaN(at)) throw new Error(`no grid_power within 5 s:\n${daemon.stderr()}`);
      if (i >= WARMUP) latencies.push(at - start);
      await sleep(PAUSE_MS);
    }
    return latencies;
  } finally {
    if (fd !== undefined) closeSync(fd);
    await daemon.stop('SIGTERM');
    await sub.endAsync(true);
    await pty.close();
    await broker.close();
    dir.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = process.argv.includes('--quick') ? 50 : 300;
  const sorted = (await measureGridPower(n)).sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(2));
  console.log(
    JSON.stringify({
      case: 'grid-power-latency',
      telegrams: sorted.length,
      p50_ms: r(percentile(sorted, 50)),
      p99_ms: r(percentile(sorted, 99)),
      max_ms: r(sorted.at(-1)!),
    }),
  );
}
