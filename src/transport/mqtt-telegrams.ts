/**
 * Telegrams over MQTT (the one owner of `mqtt` on the input side; the sink's client is sinks/mqtt/mqtt-client.ts):
 *
 * - `createMqttSource`: a ByteSource that subscribes to `mqtt://[user[:password]@]host[:port]/<topic>` (the URL's
 *   path is the topic filter; `$share/<group>/…` for a shared subscription, so several kaifareader instances
 *   split a fleet's telegrams). Each message is ONE COMPLETE TELEGRAM — every frame of it: a broker that shares a
 *   subscription hands messages out one by one (mosquitto 2 round-robins even within one topic), so raw chunks
 *   would be split between instances and no instance could assemble a two-frame telegram. Payloads: the bytes
 *   themselves; hex text (spaces allowed) from bridges that can only send text; or JSON `{"hex": "…"}` (also
 *   `telegram` or `data`). Persistent session (fixed client id, clean start off) and QoS 1, so a restart
 *   continues where it stopped; the broker keeps what arrives meanwhile (mosquitto: `persistence true`,
 *   `max_queued_messages` above its default 1000 — docs/fleet.md).
 * - `publishTelegrams`: what `kaifareader bridge` uses to publish complete telegrams (QoS 1, not retained).
 * The password never appears in `describe()` or a message.
 */
import mqtt from 'mqtt';
import type { MqttSourceConfig } from './options.js';
import type { Logger } from '../log/logger.js';
import type { ByteSource, SourceState } from './types.js';
import { describeMqtt, telegramBytes, topicOf } from './mqtt-payload.js';

export function createMqttSource(
  cfg: MqttSourceConfig,
  opts: { logger: Logger; meter?: string },
): ByteSource {
  const where = describeMqtt(cfg.url);
  const log = opts.logger;
  let client: mqtt.MqttClient | undefined;
  let lastError: string | undefined;
  let bad = 0;
  return {
    describe: () => where,
    start(onData, onState = () => undefined) {
      const topic = topicOf(cfg.url);
      const url = new URL(cfg.url);
      const username = url.username ? decodeURIComponent(url.username) : undefined;
      const password = url.password ? decodeURIComponent(url.password) : undefined;
      url.username = '';
      url.password = '';
      url.pathname = '';
      onState({ state: 'connecting' });
      client = mqtt.connect(url.toString(), {
        clientId: cfg.clientId ?? `kaifareader-${opts.meter ?? 'source'}`,
        clean: false,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
      });
      client.on('connect', () => {
        lastError = undefined;
        client!.subscribe(topic, { qos: 1 }, (err) => {
          if (err) {
            const message = `${where}: the broker refused the subscription (${err.message})`;
            onState({
              state: 'error',
              code: 'mqtt.subscribe',
              message,
              hint: 'check the topic and the broker ACL',
              retryInMs: 1000,
            });
          } else onState({ state: 'open' });
        });
      });
      client.on('message', (_topic, payload) => {
        const bytes = telegramBytes(payload);
        if (bytes) onData(bytes);
        else if (bad++ % 100 === 0)
          log.warn(
            `${where}: a message that is neither a telegram, hex text nor {"hex": …} was ignored (${bad} so far)`,
          );
      });
      const fail = (code: string, message: string, hint: string) => {
        if (message === lastError) return;
        lastError = message;
        onState({ state: 'error', code, message, hint, retryInMs: 1000 });
      };
      client.on('error', (e: Error & { code?: string | number }) => {
        const auth = e.code === 4 || e.code === 5 || /not authori[sz]ed|bad user/i.test(e.message);
        if (auth)
          fail(
            'mqtt.auth',
            `${where}: the broker refused the login`,
            'check the user and password in the source URL',
          );
        else
          fail(
            String(e.code ?? 'mqtt.error'),
            `${where}: ${e.message}`,
            'is the broker running and reachable?',
          );
      });
      client.on('offline', () =>
        fail(
          'mqtt.offline',
          `${where}: broker unreachable`,
          'is the broker running and reachable? reconnecting',
        ),
      );
    },
    async stop() {
      const c = client;
      client = undefined;
      if (!c) return;
      await new Promise<void>((r) => c.end(false, {}, () => r()));
    },
  };
}

/** A publisher of complete telegrams (`kaifareader bridge`): QoS 1, not retained, queued while offline. */
export function publishTelegrams(url: string, clientId: string) {
  const u = new URL(url);
  const topic = topicOf(url);
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  u.pathname = '';
  const client = mqtt.connect(u.toString(), {
    clientId,
    clean: false,
    reconnectPeriod: 1000,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  });
  let connected = false;
  client.on('connect', () => (connected = true));
  client.on('close', () => (connected = false));
  return {
    topic,
    connected: () => connected,
    onState(l: (s: SourceState) => void) {
      client.on('connect', () => l({ state: 'open' }));
      client.on('offline', () =>
        l({
          state: 'error',
          code: 'mqtt.offline',
          message: `${describeMqtt(url)}: broker unreachable`,
          retryInMs: 1000,
        }),
      );
    },
    publish(bytes: Uint8Array): Promise<void> {
      return new Promise((resolve, reject) =>
        client.publish(topic, Buffer.from(bytes), { qos: 1, retain: false }, (e) =>
          e ? reject(e) : resolve(),
        ),
      );
    },
    end: () => new Promise<void>((r) => client.end(false, {}, () => r())),
  };
}
