/**
 * Large answers written in pieces: the body comes from a generator of strings, written with backpressure (waits
 * for `drain`) and with a setImmediate yield whenever a few ms of formatting have passed, so formatting 20 000 rows
 * never holds the event loop. Sent chunked (no Content-Length); stops quietly when the client goes away.
 */
import type { ServerResponse } from 'node:http';

const BUDGET_MS = 8;

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function sendPieces(
  res: ServerResponse,
  status: number,
  contentType: string,
  pieces: Iterable<string>,
): Promise<void> {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-store');
  let since = performance.now();
  for (const piece of pieces) {
    if (res.destroyed) return;
    if (!res.write(piece)) await drained(res);
    if (performance.now() - since >= BUDGET_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  if (!res.destroyed) res.end();
}

/** `[1,null,3]` in pieces of `per` values (JSON numbers and null). */
export function* jsonArrayPieces(values: readonly (number | null)[], per = 1000): Generator<string> {
  yield '[';
  for (let i = 0; i < values.length; i += per) {
    const chunk = JSON.stringify(values.slice(i, i + per));
    yield (i > 0 ? ',' : '') + chunk.slice(1, -1);
  }
  yield ']';
}

/**
 * The pieces joined into one body, built with the same setImmediate yields as `sendPieces` (a year's answer takes
 * tens of ms to format): for answers that are kept and sent many times (answer-cache.ts). Undefined as soon as the
 * body would exceed `maxBytes` (UTF-16 units; the answers are ASCII): such an answer is streamed, never held whole.
 */
export async function collectPieces(
  pieces: Iterable<string>,
  maxBytes = Infinity,
): Promise<Buffer | undefined> {
  const parts: string[] = [];
  let length = 0;
  let since = performance.now();
  for (const piece of pieces) {
    parts.push(piece);
    length += piece.length;
    if (length > maxBytes) return undefined;
    if (performance.now() - since >= BUDGET_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  return Buffer.from(parts.join(''));
}

/** A finished body in one write (with Content-Length); `Cache-Control` as `sendPieces`. */
export function sendBody(res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  if (res.destroyed) return;
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}
