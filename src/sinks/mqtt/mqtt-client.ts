/**
 * The one file that imports `mqtt` (MQTT.js). A thin connection shell around it:
 * - `mqtt.connect()` with event handlers (not connectAsync, which rejects on the first refused connection);
 * - our own reconnect with exponential backoff (1 s → 60 s by default, reset after a successful CONNACK),
 *   because MQTT.js only knows a fixed period. Each reconnect starts with a fresh MQTT.js message store, so
 *   MQTT.js never re-sends on its own: the durable outbox is the single source of what is still undelivered;
 * - TLS files are read here (CA, client certificate and key) with a clear error when one is unreadable.
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import type { MqttConfig } from '../../config/types.js';

export interface PublishRequest {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface BrokerEvents {
  /** CONNACK accepted (first connection or a reconnect). */
  onConnect(): void;
  /** The connection (or a connection attempt) ended; a reconnect is scheduled after `retryInMs`. */
  onClose(retryInMs: number): void;
  onError(err: unknown): void;
  onMessage(topic: string, payload: string): void;
}

export interface BrokerConnection {
  readonly connected: boolean;
  /** `done` runs on PUBACK/PUBCOMP (QoS 1/2), after the write (QoS 0), or with an error. */
  publish(msg: PublishRequest, done: (err?: Error) => void): void;
  /** `done` runs on SUBACK (retained messages of the filter follow it). */
  subscribe(topic: string, done?: () => void): void;
  unsubscribe(topic: string): void;
  /** Graceful DISCONNECT (no last will) within `timeoutMs`, else the socket is destroyed. */
  close(timeoutMs: number): Promise<void>;
}

export interface ConnectOptions {
  will: PublishRequest;
  events: BrokerEvents;
  backoff?: { minMs: number; maxMs: number };
}

/** Reads a TLS file or throws an error naming the setting and the path. */
function readTlsFile(setting: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new Error(
      `cannot read MQTT ${setting} ${path} (${code}) — check the path and that kaifareader may read it`,
    );
  }
}

function toClientOptions(cfg: MqttConfig, will: PublishRequest): mqtt.IClientOptions {
  const tls = cfg.tls;
  return {
    clientId: cfg.clientId,
    keepalive: cfg.keepalive,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    queueQoSZero: false,
    ...(cfg.username !== undefined ? { username: cfg.username } : {}),
    ...(cfg.password !== undefined ? { password: cfg.password } : {}),
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain },
    ...(tls
      ? {
          ca: readTlsFile('exports.mqtt.tls.ca_file', tls.caFile),
          cert: readTlsFile('exports.mqtt.tls.cert_file', tls.certFile),
          key: readTlsFile('exports.mqtt.tls.key_file', tls.keyFile),
          rejectUnauthorized: tls.rejectUnauthorized,
        }
      : {}),
  };
}

/** Connects in the background; never throws for an unreachable broker (only for unreadable TLS files / bad URL). */
export function connectBroker(cfg: MqttConfig, opts: ConnectOptions): BrokerConnection {
  const { minMs, maxMs } = opts.backoff ?? { minMs: 1000, maxMs: 60_000 };
  const client = mqtt.connect(cfg.url, toClientOptions(cfg, opts.will));
  let delay = minMs;
  let timer: NodeJS.Timeout | undefined;
  let closing = false;

  client.on('connect', () => {
    delay = minMs;
    opts.events.onConnect();
  });
  client.on('message', (topic, payload) => opts.events.onMessage(topic, payload.toString('utf8')));
  client.on('error', (err) => opts.events.onError(err));
  client.on('close', () => {
    // Fail what is still in flight ("Message removed"): the outbox re-sends it after the reconnect, in order.
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    if (closing || timer) return;
    const wait = delay;
    delay = Math.min(maxMs, delay * 2);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closing) client.reconnect();
    }, wait);
    opts.events.onClose(wait);
  });

  return {
    get connected() {
      return client.connected;
    },
    publish(msg, done) {
      client.publish(msg.topic, msg.payload, { qos: msg.qos, retain: msg.retain }, (err) =>
        done(err ?? undefined),
      );
    },
    subscribe(topic, done) {
      client.subscribe(topic, { qos: 0 }, () => done?.());
    },
    unsubscribe(topic) {
      client.unsubscribe(topic, () => {});
    },
    close(timeoutMs) {
      closing = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          client.stream?.destroy();
          resolve();
        }, timeoutMs);
        // Graceful DISCONNECT when connected (the broker then drops the last will); else just close.
        client.end(!client.connected, {}, () => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
