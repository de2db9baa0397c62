/**
 * Runs a history route's store query in one of the server's query slots (query-slots.ts); when none comes free in
 * time the answer is 503 `busy` with `Retry-After`, so a burst of expensive requests queues briefly and then
 * sheds load instead of holding the daemon.
 */
import type { ServerResponse } from 'node:http';
import { sendError } from '../respond.js';
import type { HttpDeps } from '../route.js';

/** Seconds a client is told to wait after a 503 `busy`. */
export const RETRY_AFTER_S = 2;

export async function withQuerySlot(
  deps: HttpDeps,
  res: ServerResponse,
  run: () => Promise<void>,
): Promise<void> {
  const release = await deps.querySlots.acquire();
  if (!release) return sendBusy(deps, res);
  try {
    await run();
  } finally {
    release();
  }
}

/** The 503 `busy` answer with Retry-After. */
export function sendBusy(deps: HttpDeps, res: ServerResponse): void {
  const { slots, queue } = deps.querySlots.options;
  res.setHeader('Retry-After', String(RETRY_AFTER_S));
  sendError(
    res,
    503,
    'busy',
    `too many history queries at once (${slots} run, ${queue} wait): try again in ${RETRY_AFTER_S} s`,
  );
}
