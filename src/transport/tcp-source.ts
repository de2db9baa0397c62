/**
 * TCP byte source: a serial-to-network bridge (ser2net, an ESP8266/ESP32 bridge, a Moxa) that forwards the
 * M-Bus adapter's raw bytes, configured as `tcp://host:port`. Same reconnect behaviour as the serial source.
 * TCP keepalive is on so a dead bridge is noticed by the kernel; a read-idle timeout (the meter stopped
 * sending) is the daemon's job, not this file's.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { TcpSourceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import {
  createReconnectingSource,
  type Link,
  type LinkHandlers,
  type SourceFailure,
  type Timers,
} from './reconnect.js';
import type { ByteSource } from './types.js';

export interface TcpSourceOptions {
  logger: Logger;
  /** Longest wait between reconnect attempts, ≤ 5000 ms (the default). */
  maxBackoffMs?: number;
  /** Give up a connection attempt after this long, default 10 000 ms. */
  connectTimeoutMs?: number;
  timers?: Timers;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const KEEPALIVE_DELAY_MS = 30_000;

export function describeTcp(cfg: TcpSourceConfig): string {
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return `tcp://${host}:${cfg.port}`;
}

/** errno code → what it means for a bridge, and what to do. `closed` is the bridge ending the connection. */
const TCP_ERRORS: Record<string, { message: string; hint: string }> = {
  ECONNREFUSED: {
    message: 'connection refused',
    hint: 'is ser2net / the bridge running and listening on this port?',
  },
  EHOSTUNREACH: {
    message: 'host unreachable',
    hint: 'check the address and that the bridge is powered and on the network',
  },
  ENETUNREACH: { message: 'network unreachable', hint: 'check the address and this machine’s network' },
  ENOTFOUND: {
    message: 'unknown host name',
    hint: 'check the host name (DNS) or use the bridge’s IP address',
  },
  EAI_AGAIN: {
    message: 'host name lookup failed',
    hint: 'DNS is not answering; use the bridge’s IP address',
  },
  ETIMEDOUT: {
    message: 'connection timed out',
    hint: 'no answer from the bridge: check the address, the port and any firewall',
  },
  ECONNRESET: {
    message: 'connection reset by the bridge',
    hint: 'the bridge restarted or dropped us; reconnecting',
  },
  EPIPE: { message: 'connection broken', hint: 'the bridge went away; reconnecting' },
  closed: {
    message: 'the bridge closed the connection',
    hint: 'ser2net allows one client per port: is another reader connected? reconnecting',
  },
};

/** Maps a socket error (or a plain close when `err` is undefined) to a message with a hint. */
export function explainTcpError(where: string, err: unknown, _lost: boolean): SourceFailure {
  const code = err === undefined ? 'closed' : ((err as NodeJS.ErrnoException).code ?? 'tcp.error');
  const known = TCP_ERRORS[code];
  if (known) return { code, message: `${where}: ${known.message}`, hint: known.hint };
  const text = err instanceof Error ? err.message : String(err);
  return {
    code,
    message: `${where}: ${text}`,
    hint: 'check `host` and `port` of the tcp source in meter.json',
  };
}

function timeoutError(ms: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`no connection within ${ms} ms`);
  err.code = 'ETIMEDOUT';
  return err;
}

function openTcp(cfg: TcpSourceConfig, timeoutMs: number, handlers: LinkHandlers): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect({ host: cfg.host, port: cfg.port });
    let opened = false;
    let closing = false;
    let lastError: unknown;
    socket.setTimeout(timeoutMs, () => socket.destroy(timeoutError(timeoutMs)));
    socket.on('error', (err) => {
      lastError = err;
      if (!opened) reject(err);
    });
    socket.on('data', (chunk: Buffer) => handlers.onData(new Uint8Array(chunk)));
    socket.on('close', () => {
      if (opened && !closing) handlers.onLost(lastError);
    });
    socket.once('connect', () => {
      opened = true;
      socket.setTimeout(0);
      socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
      socket.setNoDelay(true);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            if (socket.destroyed) return done();
            socket.once('close', () => done());
            socket.destroy();
          }),
      });
    });
  });
}

export function createTcpSource(cfg: TcpSourceConfig, opts: TcpSourceOptions): ByteSource {
  const where = describeTcp(cfg);
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return createReconnectingSource({
    describe: where,
    connect: (handlers) => openTcp(cfg, timeoutMs, handlers),
    explain: (err, lost) => explainTcpError(where, err, lost),
    logger: opts.logger,
    maxBackoffMs: opts.maxBackoffMs,
    timers: opts.timers,
  });
}
