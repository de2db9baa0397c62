/** A byte source the test drives by hand: `push(bytes)`, `state(s)`; counts its starts, records its stop. */
import type { ByteSource, SourceState } from '../../src/transport/types.js';

export function manualSource(name = 'manual') {
  let onData: ((c: Uint8Array) => void) | undefined;
  let onState: ((s: SourceState) => void) | undefined;
  const src = {
    starts: 0,
    stopped: false,
    describe: () => name,
    start(d: (c: Uint8Array) => void, s?: (st: SourceState) => void) {
      src.starts++;
      src.stopped = false;
      onData = d;
      onState = s;
      s?.({ state: 'open' });
    },
    async stop() {
      src.stopped = true;
    },
    push: (bytes: Uint8Array) => onData!(bytes),
    state: (s: SourceState) => onState!(s),
  };
  return src satisfies ByteSource & Record<string, unknown>;
}
