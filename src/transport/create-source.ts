/**
 * Builds the byte source for a validated `source` config section: serial port, TCP bridge, MQTT topic or
 * capture replay.
 * The daemon and `kaifareader capture` call this; nothing else picks a transport.
 */
import type { SourceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { createReplaySource, type ReplayClock } from './replay-source.js';
import { createSerialSource } from './serial-source.js';
import { createTcpSource } from './tcp-source.js';
import type { ByteSource } from './types.js';
import type { MqttSourceConfig } from './options.js';
import { describeMqtt } from './mqtt-payload.js';

export interface CreateSourceOptions {
  logger: Logger;
  /** Longest wait between reconnect attempts (serial, TCP), ≤ 5000 ms. */
  maxBackoffMs?: number;
  /** Clock for the replay source (tests). */
  clock?: ReplayClock;
  /** The configured meter id (the MQTT source's default client id). */
  meter?: string;
}

type Builders = {
  [K in SourceConfig['type']]: (
    cfg: Extract<SourceConfig, { type: K }>,
    opts: CreateSourceOptions,
  ) => ByteSource;
};

const BUILDERS: Builders = {
  serial: (cfg, opts) => createSerialSource(cfg, { logger: opts.logger, maxBackoffMs: opts.maxBackoffMs }),
  tcp: (cfg, opts) => createTcpSource(cfg, { logger: opts.logger, maxBackoffMs: opts.maxBackoffMs }),
  replay: (cfg, opts) => createReplaySource(cfg, { logger: opts.logger, clock: opts.clock }),
  mqtt: (cfg, opts) => lazyMqttSource(cfg, opts),
};

/** The MQTT source, its library (~15 MB) imported only when a meter reads from a broker. */
function lazyMqttSource(cfg: MqttSourceConfig, opts: CreateSourceOptions): ByteSource {
  let inner: ByteSource | undefined;
  let stopped = false;
  return {
    describe: () => describeMqtt(cfg.url),
    start(onData, onState) {
      void import('./mqtt-telegrams.js').then((m) => {
        if (stopped) return;
        inner = m.createMqttSource(cfg, { logger: opts.logger, meter: opts.meter });
        inner.start(onData, onState);
      });
    },
    async stop() {
      stopped = true;
      await inner?.stop();
    },
  };
}

export function createSource(cfg: SourceConfig, opts: CreateSourceOptions): ByteSource {
  const build = BUILDERS[cfg.type] as (cfg: SourceConfig, opts: CreateSourceOptions) => ByteSource;
  return build(cfg, opts);
}

/**
 * Parses a `--port` argument: `tcp://host:port` (ser2net / ESP bridge) or a serial device path. Returns the
 * TCP config or undefined for a device path. Throws an Error with a usage message for a bad TCP address.
 */
export function parseTcpAddress(text: string): { type: 'tcp'; host: string; port: number } | undefined {
  if (!/^tcp:\/\//i.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `not a TCP address: ${JSON.stringify(text)} (use tcp://host:port, e.g. tcp://192.168.1.50:2000)`,
    );
  }
  const port = Number(url.port);
  if (!url.hostname || !Number.isInteger(port) || port < 1 || port > 65535 || url.port === '') {
    throw new Error(
      `a TCP source needs a host and a port: ${JSON.stringify(text)} (e.g. tcp://192.168.1.50:2000)`,
    );
  }
  return { type: 'tcp', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}
