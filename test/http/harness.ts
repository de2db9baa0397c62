/** Starts the real HTTP server on 127.0.0.1 port 0 with injectable parts; `close()` stops it. */
import { createHttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import type { DaemonStatus } from '../../src/status/status.js';
import { fixtureStatus } from './fixtures.js';

export interface Harness {
  base: string;
  /** Pushes a snapshot to every subscriber (like the sink hub on a telegram). */
  push(s: MeterSnapshot): void;
  listeners: Set<(s: MeterSnapshot) => void>;
  setLatest(s: MeterSnapshot | undefined): void;
  close(): Promise<void>;
}

export async function startHarness(over: Partial<HttpServerOptions> & { statusValue?: DaemonStatus } = {}) {
  const listeners = new Set<(s: MeterSnapshot) => void>();
  let latest: MeterSnapshot | undefined;
  const status = over.statusValue ?? fixtureStatus();
  const server = createHttpServer({
    config: { host: '127.0.0.1', port: 0 },
    status: { get: () => status },
    latest: () => latest,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    logger: silentLogger,
    version: '0.1.0',
    now: () => 1_632_728_840_000,
    ...over,
  });
  const { host, port } = await server.start();
  const harness: Harness = {
    base: `http://${host}:${port}`,
    listeners,
    push(s) {
      latest = s;
      for (const l of listeners) l(s);
    },
    setLatest(s) {
      latest = s;
    },
    close: () => server.stop(),
  };
  return harness;
}
