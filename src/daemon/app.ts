/**
 * The composition root: builds source, sinks, daemon and HTTP server from a validated AppConfig. Shared by
 * `kaifareader run` and `kaifareader demo` (which injects the simulated meter as its source).
 *
 * The MQTT sink, the history store and the HTTP server are imported only when the config enables them: the mqtt
 * client alone adds ~15 MB of resident memory, libsql ~7 MB — a Solarview-only daemon on a Raspberry Pi should
 * not pay for them (see bench/daemon.ts).
 */
import type { AppConfig } from '../config/types.js';
import type { ByteSource } from '../transport/types.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../log/logger.js';
import type { HistoryReader } from '../store/history-types.js';
import { createSource } from '../transport/create-source.js';
import type { HttpServer } from '../http/server.js';
import { createSolarviewSink } from '../sinks/solarview.js';
import { createDaemon, type Daemon } from './daemon.js';
import { createServiceLink } from '../service/service-link.js';

export interface App {
  daemon: Daemon;
  /** Address of the dashboard when HTTP is enabled. */
  http?: { host: string; port: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppOptions {
  config: AppConfig;
  logger: Logger;
  version: string;
  /** Overrides the configured source (the demo's simulated meter). */
  source?: ByteSource;
  now?: () => number;
  /**
   * Run from a terminal (default: stdin and stderr are TTYs): says how to stop. Under systemd stdin is /dev/null.
   */
  interactive?: boolean;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const { config, logger } = opts;
  const sinks: Sink[] = [];
  let history: HistoryReader | undefined;
  if (config.exports.solarview)
    sinks.push(createSolarviewSink(config.exports.solarview, logger.child('solarview')));
  if (config.exports.history) {
    const { createHistorySink } = await import('../sinks/history-sink.js');
    const h = createHistorySink(config.exports.history, {
      logger,
      timeZone: config.exports.history.timeZone,
    });
    history = h.reader;
    sinks.push(h);
  }
  // systemd (Type=notify): readiness, watchdog and status; a no-op without $NOTIFY_SOCKET.
  const service = createServiceLink({ env: process.env, logger, now: opts.now });
  const meter = config.meters[0]!; // one meter until the multi-meter daemon
  const source = service.watch(opts.source ?? createSource(meter.source, { logger: logger.child('source') }));
  const daemon = createDaemon({
    key: meter.key?.bytes,
    authKey: meter.authKey?.bytes,
    signaturePublicKey: meter.signaturePublicKey,
    profile: meter.profile,
    scalers: meter.scalers,
    source,
    sinks,
    logger,
    now: opts.now,
  });
  if (config.exports.mqtt) {
    // Added after the daemon exists because it publishes the daemon's status; the sink hub holds this same array
    // and reads it when it starts and on every telegram, so the late push is seen.
    const { createMqttSink } = await import('../sinks/mqtt/mqtt-sink.js');
    sinks.push(
      createMqttSink(config.exports.mqtt, { logger, dataDir: config.dataDir, status: daemon.status }),
    );
  }
  let server: HttpServer | undefined;
  if (config.http) {
    const { createHttpServer } = await import('../http/server.js');
    server = createHttpServer({
      config: config.http,
      status: daemon.status,
      history,
      latest: () => daemon.latest() ?? history?.latest(),
      subscribe: (l) => daemon.subscribe(l),
      logger,
      version: opts.version,
    });
  }
  const app: App = {
    daemon,
    async start() {
      const interactive = opts.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
      const stopHint = interactive ? ' — press Ctrl-C to stop' : '';
      if (server) {
        app.http = await server.start();
        // The one line with the URL (the HTTP server logs its listening address at debug only).
        logger.info(
          `dashboard on http://${app.http.host.includes(':') ? `[${app.http.host}]` : app.http.host}:${app.http.port}/${stopHint}`,
        );
      }
      await daemon.start();
      if (interactive && !server) logger.info('reading; press Ctrl-C to stop');
      await service.ready(() => daemon.status.get());
    },
    async stop() {
      void service.stopping(); // not awaited: systemd-notify's barrier must not eat the stop budget
      await Promise.all([daemon.stop(), server?.stop()]);
    },
  };
  return app;
}
