/**
 * `kaifareader simulate --port PATH [--layout ID] [--key HEX] [--period 5] [faults…]`: a virtual meter that writes
 * encrypted M-Bus telegrams to a serial port or pty (e.g. one end of `socat pty,raw,echo=0,link=/tmp/a
 * pty,raw,echo=0,link=/tmp/b`), for trying the daemon or a Solarview setup without a meter. When the port
 * disappears it waits and reopens it. Stops on SIGINT/SIGTERM (at once, also while the port is full: a telegram
 * not yet written is abandoned) or after --count telegrams.
 */
import type { Command } from 'commander';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { createTelegramFactory, DEMO_KEY, type Faults } from '../simulator/simulated-meter.js';
import { SIM_LAYOUTS, type SimLayout } from '../simulator/body-builders.js';
import { parseKey, toHex } from '../util/hex.js';
import { DecodeError } from '../errors.js';
import { onStopSignals } from './stop-signals.js';

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

/** How often a full port (EAGAIN) is tried again. */
const FULL_RETRY_MS = 20;

/**
 * The port is opened non-blocking: a pty nobody reads (or a serial line slower than the telegrams) makes a
 * blocking write() wait in the thread pool until the line drains, and SIGTERM could not end it. Here a full port
 * answers EAGAIN, the rest of the frame is tried again every 20 ms, and a stop abandons it at once.
 */
function openPort(path: string): number {
  return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
}

/** A stop signal that every wait races against. */
function stopper() {
  let stopped = false;
  let wake: () => void = () => undefined;
  const signal = new Promise<void>((r) => (wake = r));
  return {
    get stopped() {
      return stopped;
    },
    stop() {
      stopped = true;
      wake();
    },
    /** Sleeps `ms`, or less when stopped. */
    sleep(ms: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), signal]).finally(() =>
        clearTimeout(timer),
      );
    },
  };
}

/** Writes all of `bytes` to the non-blocking fd, waiting while it is full; false when stopped first. */
async function writeAll(fd: number, bytes: Uint8Array, stop: ReturnType<typeof stopper>): Promise<boolean> {
  let at = 0;
  while (at < bytes.length) {
    if (stop.stopped) return false;
    try {
      at += writeSync(fd, bytes, at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      await stop.sleep(FULL_RETRY_MS);
    }
  }
  return true;
}

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
  const stop = stopper();
  const onSignal = () => stop.stop();
  const offSignals = onStopSignals(onSignal);
  let fd: number | undefined;
  const closePort = () => {
    const was = fd;
    fd = undefined;
    try {
      if (was !== undefined) closeSync(was); // nothing is pending on a non-blocking fd: the close is immediate
    } catch {
      // already gone (unplugged)
    }
  };
  let sent = 0;
  let warned = false;
  process.stderr.write(
    `simulating a Kaifa MA309 on ${opts.port} every ${period / 1000} s (${opts.layout})\n`,
  );
  while (!stop.stopped && sent < count) {
    const started = Date.now();
    try {
      fd ??= openPort(opts.port);
      if (warned) process.stderr.write(`${opts.port} is back\n`);
      warned = false;
      const paused = faults.pause && sent > 0 && sent % faults.pause.every === 0;
      if (paused) await stop.sleep(faults.pause!.forMs);
      let whole = true;
      for (const [i, frame] of factory.next(Date.now()).entries()) {
        if (i > 0) await stop.sleep(200);
        const pieces = opts.split
          ? Array.from({ length: Math.ceil(frame.length / 16) }, (_, k) =>
              frame.subarray(k * 16, k * 16 + 16),
            )
          : [frame];
        for (const piece of pieces) whole = whole && (await writeAll(fd, piece, stop));
      }
      if (whole) sent++;
    } catch (e) {
      closePort();
      if (!warned)
        process.stderr.write(
          `cannot write to ${opts.port} (${(e as NodeJS.ErrnoException).code ?? e}); retrying\n`,
        );
      warned = true;
    }
    await stop.sleep(Math.max(0, period - (Date.now() - started)));
  }
  offSignals();
  closePort();
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
