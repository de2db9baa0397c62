/**
 * `kaifareader capture`: records the raw bytes of the meter port into a capture file (`<ISO time> <hex>` per
 * chunk, see transport/capture-file.ts) for support and replay. Nothing is decoded, so no key is needed and
 * the file holds only ciphertext.
 *
 *   kaifareader capture --port /dev/ttyUSB0 --out meter.capture --duration 60
 *   kaifareader capture --port tcp://192.168.1.50:2000 --out meter.capture
 *
 * Prints the byte/chunk count on stderr every 10 s and at the end; stops on Ctrl-C / SIGTERM or after
 * `--duration`. The port reconnects by itself like in the daemon.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Parity, SerialSourceConfig, SourceConfig } from '../config/types.js';
import { silentLogger } from '../log/logger.js';
import { createCaptureWriter, type CaptureWriter } from '../transport/capture-file.js';
import { createSource, parseTcpAddress } from '../transport/create-source.js';
import type { ByteSource, SourceState } from '../transport/types.js';
import { onStopSignals } from './stop-signals.js';

export const PROGRESS_INTERVAL_MS = 10_000;

/** `--port` and the line settings, shared by `capture` and `bridge`. */
export interface PortOptions {
  port: string;
  baud: number;
  parity: Parity;
  databits: SerialSourceConfig['dataBits'];
  stopbits: SerialSourceConfig['stopBits'];
}

interface CaptureOptions extends PortOptions {
  out: string;
  duration?: number;
}

export function oneOf<T extends string | number>(
  what: string,
  allowed: readonly T[],
  parse: (s: string) => T,
) {
  return (text: string): T => {
    const value = parse(text);
    if (!allowed.includes(value))
      throw new InvalidArgumentError(`${what} must be one of ${allowed.join(', ')}.`);
    return value;
  };
}

function positive(what: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new InvalidArgumentError(`${what} must be a positive number.`);
    return value;
  };
}

export function positiveInteger(what: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0)
      throw new InvalidArgumentError(`${what} must be a positive whole number.`);
    return value;
  };
}

export function toSourceConfig(o: PortOptions): SourceConfig {
  const tcp = parseTcpAddress(o.port);
  if (tcp) return tcp;
  return {
    type: 'serial',
    port: o.port,
    baudRate: o.baud,
    parity: o.parity,
    dataBits: o.databits,
    stopBits: o.stopbits,
  };
}

function describeState(state: SourceState, source: ByteSource): string | undefined {
  if (state.state === 'open') return `capture: reading ${source.describe()}`;
  if (state.state === 'error') {
    const hint = state.hint ? ` — ${state.hint}` : '';
    return `capture: ${state.message}${hint} (retrying, next in ${state.retryInMs} ms)`;
  }
  if (state.state === 'ended') return `capture: ${source.describe()} ended`;
  return undefined;
}

function progress(writer: CaptureWriter, out: string): string {
  return `capture: ${writer.bytes} bytes in ${writer.chunks} chunks written to ${out}`;
}

/** Runs one capture until a signal or the duration; resolves with the exit code. */
export async function runCapture(o: CaptureOptions, stderr: (line: string) => void): Promise<number> {
  let cfg: SourceConfig;
  try {
    cfg = toSourceConfig(o);
  } catch (e) {
    stderr(`capture: ${(e as Error).message}`);
    return 64; // EX_USAGE: a --port that is no device path nor tcp://host:port
  }
  let writer: CaptureWriter;
  try {
    writer = createCaptureWriter(o.out);
  } catch (e) {
    stderr(`capture: cannot write ${o.out}: ${(e as Error).message} — choose a writable --out path`);
    return 73;
  }
  const source = createSource(cfg, { logger: silentLogger });
  writer.comment(`kaifareader capture ${source.describe()} started ${new Date().toISOString()}`);
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const onSignal = (): void => finish();
  const offSignals = onStopSignals(onSignal);
  const ticker = setInterval(() => stderr(progress(writer, o.out)), PROGRESS_INTERVAL_MS);
  const limit = o.duration === undefined ? undefined : setTimeout(finish, o.duration * 1000);
  source.start(
    (chunk) => writer.write(chunk, new Date()),
    (state) => {
      const line = describeState(state, source);
      if (line) stderr(line);
      if (state.state === 'ended') finish();
    },
  );
  await done;
  clearInterval(ticker);
  if (limit) clearTimeout(limit);
  await source.stop();
  await writer.close();
  offSignals(); // only now: a second Ctrl-C during the close must not kill the process before the file is whole
  stderr(progress(writer, o.out));
  if (writer.bytes === 0) {
    stderr(
      'capture: no bytes received — check the wiring and the adapter (the meter pushes every few seconds only ' +
        'when the M-Bus is powered and the customer interface is enabled by the grid operator)',
    );
  }
  return 0;
}

/** Adds `--port`, `--baud`, `--parity`, `--databits`, `--stopbits` to a command. */
export function portOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--port <path>', 'serial device (/dev/serial/by-id/…, /dev/ttyUSB0) or tcp://host:port')
    .option('--baud <rate>', 'baud rate', positiveInteger('--baud'), 2400)
    .option(
      '--parity <parity>',
      'none | even | odd | mark | space',
      oneOf('--parity', ['none', 'even', 'odd', 'mark', 'space'] as Parity[], (s) => s as Parity),
      'none' as Parity,
    )
    .option(
      '--databits <bits>',
      '5 | 6 | 7 | 8',
      oneOf('--databits', [5, 6, 7, 8] as const, Number),
      8 as const,
    )
    .option(
      '--stopbits <bits>',
      '1 | 1.5 | 2',
      oneOf('--stopbits', [1, 1.5, 2] as const, Number),
      1 as const,
    );
}

export function register(program: Command): void {
  portOptions(program.command('capture'))
    .description(
      'record the raw bytes of the meter port (serial or tcp://host:port) into a capture file for support and replay',
    )
    .requiredOption('--out <file>', 'capture file to append to (`<ISO time> <hex>` lines)')
    .option(
      '--duration <seconds>',
      'stop after this many seconds (default: until Ctrl-C)',
      positive('--duration'),
    )
    .action(async (o: CaptureOptions) => {
      process.exitCode = await runCapture(o, (line) => process.stderr.write(`${line}\n`));
    });
}
