/**
 * `kaifareader simulate --port PATH [--layout ID] [--key HEX] [--period 5] [faults…]`: a virtual meter that writes
 * encrypted M-Bus telegrams to a serial port or pty (e.g. one end of `socat pty,raw,echo=0,link=/tmp/a
 * pty,raw,echo=0,link=/tmp/b`), for trying the daemon or a Solarview setup without a meter. When the port
 * disappears it waits and reopens it. Stops on SIGINT/SIGTERM or after --count telegrams.
 */
import type { Command } from 'commander';
import { open, type FileHandle } from 'node:fs/promises';
import { createTelegramFactory, DEMO_KEY, type Faults } from '../simulator/simulated-meter.js';
import { SIM_LAYOUTS, type SimLayout } from '../simulator/body-builders.js';
import { parseKey, toHex } from '../util/hex.js';
import { DecodeError } from '../errors.js';

interface SimulateOptions {
  port: string;
  layout: string;
  key?: string;
  period: string;
  count?: string;
  bitFlips?: string;
  truncate?: string;
  wrongKey?: boolean;
  pauseEvery?: string;
  pauseFor?: string;
  split?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseRate(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new Error(`${name} must be a probability 0–1, got "${v}"`);
  return n;
}

async function simulate(opts: SimulateOptions): Promise<number> {
  let key = DEMO_KEY;
  let faults: Faults;
  const period = Number(opts.period) * 1000;
  try {
    if (opts.key !== undefined) key = toHex(parseKey(opts.key));
    if (!SIM_LAYOUTS.includes(opts.layout as SimLayout))
      throw new Error(`--layout must be one of ${SIM_LAYOUTS.join(', ')}`);
    if (!(period >= 50)) throw new Error(`--period must be at least 0.05 seconds, got "${opts.period}"`);
    faults = {
      bitFlips: parseRate(opts.bitFlips, '--bit-flips'),
      truncate: parseRate(opts.truncate, '--truncate'),
      wrongKey: opts.wrongKey,
      pause: opts.pauseEvery
        ? { every: Number(opts.pauseEvery), forMs: Number(opts.pauseFor ?? '30') * 1000 }
        : undefined,
    };
  } catch (e) {
    process.stderr.write(
      `kaifareader simulate: ${e instanceof DecodeError || e instanceof Error ? e.message : String(e)}\n`,
    );
    return 64;
  }
  const factory = createTelegramFactory({ layout: opts.layout as SimLayout, key, faults });
  const count = opts.count === undefined ? Infinity : Number(opts.count);
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let fh: FileHandle | undefined;
  let sent = 0;
  let warned = false;
  process.stderr.write(
    `simulating a Kaifa MA309 on ${opts.port} every ${period / 1000} s (${opts.layout})\n`,
  );
  while (!stop && sent < count) {
    const started = Date.now();
    try {
      fh ??= await open(opts.port, 'w');
      if (warned) process.stderr.write(`${opts.port} is back\n`);
      warned = false;
      const paused = faults.pause && sent > 0 && sent % faults.pause.every === 0;
      if (paused) await sleep(faults.pause!.forMs);
      for (const [i, frame] of factory.next(Date.now()).entries()) {
        if (i > 0) await sleep(200);
        if (opts.split)
          for (let at = 0; at < frame.length; at += 16) await fh.write(frame.subarray(at, at + 16));
        else await fh.write(frame);
      }
      sent++;
    } catch (e) {
      await fh?.close().catch(() => undefined);
      fh = undefined;
      if (!warned)
        process.stderr.write(
          `cannot write to ${opts.port} (${(e as NodeJS.ErrnoException).code ?? e}); retrying\n`,
        );
      warned = true;
    }
    await sleep(Math.max(0, period - (Date.now() - started)));
  }
  await fh?.close().catch(() => undefined);
  process.stderr.write(`sent ${sent} telegram(s)\n`);
  return 0;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('act as a meter: write encrypted telegrams to a serial port or pty')
    .requiredOption('--port <path>', 'serial port or pty to write to')
    .option('--layout <id>', `telegram layout (${SIM_LAYOUTS.join(', ')})`, 'obis-structures')
    .option('-k, --key <hex>', 'encryption key (default: the demo key)')
    .option('--period <seconds>', 'seconds between telegrams', '5')
    .option('--count <n>', 'stop after n telegrams')
    .option('--bit-flips <rate>', 'fault: probability per telegram of a flipped bit')
    .option('--truncate <rate>', 'fault: probability per telegram of a cut-off last frame')
    .option('--wrong-key', 'fault: encrypt with a key that is not --key')
    .option('--pause-every <n>', 'fault: pause after every n telegrams')
    .option('--pause-for <seconds>', 'length of a pause', '30')
    .option('--split', 'write each frame in 16-byte pieces (like a slow line)')
    .action(async (opts: SimulateOptions) => {
      process.exitCode = await simulate(opts);
    });
}
