/**
 * One HTTP(S) POST with node:http/https, not `fetch`: node 20's fetch (undici) parses HTTP with a WebAssembly
 * module, and the systemd unit runs node `--jitless`, which has no WebAssembly — the first fetch would crash the
 * daemon with an unhandled `ReferenceError: WebAssembly is not defined`. Resolves with the status and the body
 * (at most MAX_BODY bytes kept: only for messages); rejects with the socket's error (`code` ECONNREFUSED …) or a
 * `TimeoutError` after `timeoutMs`.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const MAX_BODY = 4096;

export interface PostAnswer {
  status: number;
  body: string;
}

export function postBody(
  url: URL,
  headers: Record<string, string>,
  body: string | Buffer,
  timeoutMs: number,
): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    const timer = setTimeout(() => {
      const e = new Error(`no answer within ${timeoutMs / 1000} s`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (text.length < MAX_BODY) text += d;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: text.slice(0, MAX_BODY) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.end(body);
  });
}
