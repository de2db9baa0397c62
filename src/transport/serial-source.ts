/**
 * Serial byte source: the M-Bus slave adapter (or an IR head) on `/dev/ttyUSB0`, `/dev/serial/by-id/…` (a
 * symlink, which is the stable name to use), 2400 baud 8N1 for the Kaifa MA309. The only file that imports
 * `serialport`.
 *
 * The port is opened with an exclusive lock, so a second reader on the same adapter gets "port in use".
 * When the adapter is unplugged the port closes; the source reports it once and reopens it by itself when it
 * is back (see reconnect.ts). A wrong baud rate or parity cannot be seen here: bytes still arrive, they just
 * never frame — the daemon's diagnosis says that.
 */
// The stream + native binding without the `serialport` meta-package, which also loads a dozen parsers we never
// use (about 5 MB of resident memory on a Raspberry Pi). Imported when a port is first opened, not with this
// file: a daemon whose meters are all TCP never loads them (~9 MB resident, measured with node 20 on x64).
import type { SerialSourceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { userInfo } from 'node:os';
import {
  createReconnectingSource,
  type Connect,
  type Link,
  type SourceFailure,
  type Timers,
} from './reconnect.js';
import type { ByteSource } from './types.js';

/** Opens the port; the default uses `serialport`. Tests inject one to produce errors root cannot provoke. */
export type OpenSerial = (cfg: SerialSourceConfig, handlers: Parameters<Connect>[0]) => Promise<Link>;

export interface SerialSourceOptions {
  logger: Logger;
  /** Longest wait between reopen attempts, ≤ 5000 ms (the default). */
  maxBackoffMs?: number;
  open?: OpenSerial;
  timers?: Timers;
}

const PARITY_LETTER: Record<SerialSourceConfig['parity'], string> = {
  none: 'N',
  even: 'E',
  odd: 'O',
  mark: 'M',
  space: 'S',
};

/** `/dev/ttyUSB0 2400 8N1` */
export function describeSerial(cfg: SerialSourceConfig): string {
  return `${cfg.port} ${cfg.baudRate} ${cfg.dataBits}${PARITY_LETTER[cfg.parity]}${cfg.stopBits}`;
}

/**
 * serialport's native errors carry no `code`, only strerror text ("Error: No such file or directory, cannot
 * open /dev/ttyUSB9", "Error Resource temporarily unavailable Cannot lock port"): match the text, then the code.
 * Hints name the real port and the user this process runs as (not always the package's `kaifareader`).
 */
const SERIAL_ERRORS: Array<{
  code: string;
  match: RegExp;
  message: string;
  hint: (port: string, user: string) => string;
}> = [
  {
    code: 'ENOENT',
    match: /ENOENT|No such file or directory/i,
    message: 'no such port',
    hint: () => 'check the cable/adapter and the port name: `ls -l /dev/serial/by-id/`',
  },
  {
    code: 'EACCES',
    match: /EACCES|EPERM|Permission denied|Operation not permitted/i,
    message: 'permission denied',
    hint: (port, user) =>
      `add the user ${user} to the group of ${port}, usually dialout (\`ls -l ${port}\` shows it): ` +
      `\`sudo usermod -aG dialout ${user}\`, then log in again or restart the service`,
  },
  {
    code: 'EBUSY',
    match: /EBUSY|EAGAIN|busy|Cannot lock port|temporarily unavailable/i,
    message: 'port in use by another program',
    hint: (port) =>
      `another kaifareader, a Python script or ModemManager? \`sudo fuser -v ${port}\` shows who`,
  },
  {
    code: 'ENOTTY',
    match: /ENOTTY|Inappropriate ioctl/i,
    message: 'not a serial port',
    hint: () =>
      'the path exists but is not a tty: point `port` at the USB adapter (`ls -l /dev/serial/by-id/`)',
  },
  {
    code: 'EIO',
    match: /EIO|Input\/output error|bad file descriptor|disconnected/i,
    message: 'port lost (adapter unplugged?)',
    hint: () => 'check the USB cable; reading resumes by itself when the adapter is back',
  },
];

/** The user this process runs as (the hints name it: not always the package's `kaifareader`). */
function serviceUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || `uid ${process.getuid?.() ?? '?'}`; // a uid without a passwd entry
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`;
  return err === undefined ? '' : String(err);
}

/** Maps an open error or a loss to a message with a hint. Exported for its table test. */
export function explainSerialError(
  port: string,
  err: unknown,
  lost: boolean,
  user: string = serviceUser(),
): SourceFailure {
  const text = errorText(err);
  const known = SERIAL_ERRORS.find((e) => e.match.test(text));
  if (lost && (known === undefined || known.code === 'EIO')) {
    const eio = SERIAL_ERRORS.at(-1)!;
    return { code: 'EIO', message: `${port}: ${eio.message}`, hint: eio.hint(port, user) };
  }
  if (known) return { code: known.code, message: `${port}: ${known.message}`, hint: known.hint(port, user) };
  return {
    code: 'serial.open',
    message: `${port}: cannot open: ${text.trim() || 'unknown error'}`,
    hint: 'check `port`, `baudRate`, `parity`, `dataBits` and `stopBits` in meter.json',
  };
}

/** The real opener: `serialport` with an exclusive lock; 'close' after open means the port went away. */
export const openSerialPort: OpenSerial = async (cfg, handlers) => {
  const [{ SerialPortStream }, { autoDetect }] = await Promise.all([
    import('@serialport/stream'),
    import('@serialport/bindings-cpp'),
  ]);
  return new Promise((resolve, reject) => {
    const port = new SerialPortStream({
      binding: autoDetect(),
      path: cfg.port,
      baudRate: cfg.baudRate,
      parity: cfg.parity,
      dataBits: cfg.dataBits,
      stopBits: cfg.stopBits,
      autoOpen: false,
      lock: true,
    });
    let closing = false;
    port.on('data', (chunk: Buffer) => handlers.onData(new Uint8Array(chunk)));
    // 'error' after open comes with (or before) 'close'; the loss is reported from 'close'.
    port.on('error', () => {});
    port.on('close', (err?: Error) => {
      if (!closing) handlers.onLost(err);
    });
    port.open((err) => {
      if (err) {
        port.removeAllListeners();
        reject(err);
        return;
      }
      resolve({
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            if (!port.isOpen) return done();
            port.close(() => done());
          }),
      });
    });
  });
};

export function createSerialSource(cfg: SerialSourceConfig, opts: SerialSourceOptions): ByteSource {
  const open = opts.open ?? openSerialPort;
  return createReconnectingSource({
    describe: describeSerial(cfg),
    connect: (handlers) => open(cfg, handlers),
    explain: (err, lost) => explainSerialError(cfg.port, err, lost),
    logger: opts.logger,
    maxBackoffMs: opts.maxBackoffMs,
    timers: opts.timers,
  });
}
