/**
 * Requests that cannot be parsed or are refused before any route runs (bad cookie, bad URL, bad query, wrong
 * Host, a request line or headers Node's parser rejects) are logged at warn, one line per kind per minute, never
 * with a stack: anyone who can reach the port can send them, so they must not fill the log.
 *
 *   WARN [http] request refused: malformed kaifareader_token cookie (answered 401) {code=http.bad-cookie …}
 *   WARN [http] request refused: … repeated 199 times in the last 61 s
 */
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { createRateLimitedLog, type RateLimitedLog } from '../log/rate-limit.js';

/** Codes of the refusals (the rate-limit key; also in the log line). */
export type RequestErrorCode =
  | 'http.bad-cookie'
  | 'http.bad-url'
  | 'http.bad-request'
  | 'http.misdirected'
  | 'http.no-host'
  | 'http.client-error';

export interface RequestErrorLog {
  refused(code: RequestErrorCode, message: string, fields?: Record<string, unknown>): void;
  /** Summaries of the repeats (on stop). */
  flush(): void;
}

export function createRequestErrorLog(logger: Logger, intervalMs = 60_000): RequestErrorLog {
  const limited: RateLimitedLog = createRateLimitedLog(logger, { intervalMs });
  return {
    refused(code, message, fields) {
      limited.log('warn', code, `request refused: ${message}`, fields);
    },
    flush() {
      limited.flush({ all: true });
    },
  };
}

const RESPONSES: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * The server's `clientError` handler: the same answers as Node's default (400, 431 for too large headers, 408
 * for slow ones), plus the rate-limited log line. A reset by the peer is not worth a line.
 */
export function clientErrorHandler(log: RequestErrorLog) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = RESPONSES[err.code ?? ''] ?? '400 Bad Request';
    log.refused('http.client-error', `unparsable request (answered ${status.slice(0, 3)})`, {
      reason: err.code ?? err.message,
      remote: socket.remoteAddress,
    });
    if (socket.bytesWritten === 0) socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  };
}
