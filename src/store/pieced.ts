/**
 * Long store queries run "pieced": a query is a generator that does one bounded slice of work (one SQL statement
 * over a slice of the time range, a few dozen calendar periods) per step and `yield`s between steps. `runNow`
 * drives it to the end synchronously (tests, the CLI); `runPieced` hands the event loop back with setImmediate
 * whenever a time budget is used up, so an HTTP query never holds the loop for long — telegrams, other requests
 * and timers run in between. `SliceSizer` adapts the width of the next slice to how long the last one took.
 */

/** One step per yield; the return value is the query's answer. */
export type Pieced<T> = Generator<void, T, void>;

export function runNow<T>(query: Pieced<T>): T {
  for (;;) {
    const r = query.next();
    if (r.done) return r.value;
  }
}

/** Milliseconds of work between two yields to the event loop. */
export const PIECE_BUDGET_MS = 8;

export async function runPieced<T>(query: Pieced<T>, budgetMs = PIECE_BUDGET_MS): Promise<T> {
  let since = performance.now();
  for (;;) {
    const r = query.next();
    if (r.done) return r.value;
    if (performance.now() - since >= budgetMs) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
}

/**
 * The width of the next slice (in the table's time unit): doubled while slices take under a quarter of the target,
 * shrunk in proportion when one took longer, always within [min, max].
 */
export class SliceSizer {
  constructor(
    public width: number,
    private readonly min: number,
    private readonly max: number,
    private readonly targetMs = 3,
  ) {}

  record(elapsedMs: number): void {
    let next = this.width;
    if (elapsedMs < this.targetMs / 4) next = this.width * 2;
    else if (elapsedMs > this.targetMs) next = (this.width * this.targetMs) / elapsedMs;
    this.width = Math.min(this.max, Math.max(this.min, Math.floor(next)));
  }
}
