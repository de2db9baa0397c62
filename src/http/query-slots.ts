/**
 * A small semaphore for the store queries of the history routes: at most `slots` run at once (they interleave on
 * the event loop in pieces), up to `queue` more wait at most `waitMs` for a slot; beyond that the route answers
 * 503 with Retry-After instead of piling up work. Each query is bounded and pieced, so a slot frees within a few
 * hundred ms even for the largest answer.
 */
export interface QuerySlotOptions {
  slots: number;
  queue: number;
  waitMs: number;
}

export const DEFAULT_QUERY_SLOTS: QuerySlotOptions = { slots: 2, queue: 8, waitMs: 3000 };

export interface QuerySlots {
  readonly options: QuerySlotOptions;
  /** Resolves to a release function, or undefined when no slot came free in time (or the queue is full). */
  acquire(): Promise<(() => void) | undefined>;
  /** Queries running now (tests, diagnostics). */
  running(): number;
}

export function createQuerySlots(options: QuerySlotOptions = DEFAULT_QUERY_SLOTS): QuerySlots {
  let running = 0;
  const waiting: ((release: (() => void) | undefined) => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next(once());
    else running--;
  };
  // each acquisition releases exactly once, however often its function is called
  const once = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };

  return {
    options,
    running: () => running,
    acquire() {
      if (running < options.slots) {
        running++;
        return Promise.resolve(once());
      }
      if (waiting.length >= options.queue) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          const i = waiting.indexOf(grant);
          if (i >= 0) waiting.splice(i, 1);
          resolve(undefined);
        }, options.waitMs);
        const grant = (r: (() => void) | undefined) => {
          clearTimeout(timer);
          resolve(r);
        };
        waiting.push(grant);
      });
    },
  };
}
