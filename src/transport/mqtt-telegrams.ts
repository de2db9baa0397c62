/**
 * Telegrams over MQTT (the one owner of `mqtt` on the input side; the sink's client is sinks/mqtt/mqtt-client.ts):
 *
 * - `createMqttSource`: a ByteSource that subscribes to `mqtt://[user[:password]@]host[:port]/<topic filter>`
 *   (the URL's path; `$share/<group>/…` for a shared subscription, so several kaifareader instances split a
 *   fleet's telegrams). Each message is ONE COMPLETE TELEGRAM — every frame of it: a broker that shares a
 *   subscription hands messages out one by one (mosquitto 2 round-robins even within one topic), so raw chunks
 *   would be split between instances and no instance could assemble a two-frame telegram. Payloads: the bytes
 *   themselves; hex text (spaces allowed); or JSON `{"hex": "…"}` (also `telegram` or `data`).
 * - Meters whose sources name the same broker, client id and filter share ONE connection and subscription (a
 *   broker allows one connection per client id, and a shared group must not hand meter A's telegram to the
 *   connection of meter B). A `+` level in the filter names the meter: `site/+/telegram` gives the message on
 *   `site/flat-3/telegram` to the meter with id `flat-3`; one for no configured meter is logged and dropped.
 * - Nothing lost when an instance dies: MQTT 5, a persistent session (fixed client id, clean start off, session
 *   expiry SESSION_EXPIRY_S) and QoS 1, and each message is acknowledged (PUBACK) only once the telegram it
 *   carries is durable in every sink (ChunkInfo.acknowledge → SinkHub.dispatch → Sink.persisted). A kill before
 *   that makes the broker send it again after the restart; the bridge's `received_at` stamp keeps its receive
 *   time, so the database rows (primary key meter + received_at) deduplicate it. mqtt.js handles incoming
 *   messages one at a time, so the wait is short by design (the outboxes commit at the next turn of the loop).
 * - `publishTelegrams`: what `kaifareader bridge` uses: QoS 1, not retained, stamped with a `received_at` user
 *   property (ms since the epoch, when the last byte arrived at the bridge).
 * The password never appears in `describe()` or a message.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import mqtt from 'mqtt';
import type { MqttSourceConfig } from './options.js';
import type { Logger } from '../log/logger.js';
import type { ByteSource, OnData, SourceState } from './types.js';
import { describeMqtt, telegramBytes } from './mqtt-payload.js';
import { meterLevel, plainFilter, topicMatches, topicOf } from '../util/mqtt-topic.js';

/** How long the broker keeps a session (and queues its QoS 1 messages) while the instance is away: a week. */
export const SESSION_EXPIRY_S = 7 * 86_400;
/** A durability wait longer than this acknowledges anyway (a hung disk must not stop the subscription). */
export const ACK_WAIT_MS = 10_000;
/** A bridge stamp further in the future than this (clock skew) is not used; the decoder's time is. */
const STAMP_FUTURE_MS = 60_000;
/** …nor one older than the broker keeps a session. */
const STAMP_PAST_MS = SESSION_EXPIRY_S * 1000;

/** A stop waits this long for the broker (UNSUBACK, DISCONNECT) before it lets go: the SIGTERM budget is 2 s. */
const STOP_MS = 1000;

/** Resolves when `start` calls back or after `ms`, whichever is first. */
function within(ms: number, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    start(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The user property the bridge stamps each telegram with. */
export const RECEIVED_AT = 'received_at';

interface Member {
  /** The `+` level that names this meter (its id), or undefined: every message on the filter. */
  level?: string;
  onData: OnData;
  onState: (s: SourceState) => void;
}

interface Subscription {
  filter: string;
  /** Plain filter (no `$share/…`) and its meter level index. */
  plain: string;
  at: number;
  members: Set<Member>;
}

interface Connection {
  client: mqtt.MqttClient;
  where: string;
  subs: Map<string, Subscription>;
  /** The last state every member saw, so a member joining a running connection gets it. */
  state: SourceState;
  log: Logger;
  unknown: Map<string, number>;
  bad: number;
}

/** Open connections by broker (without path) and client id. */
const connections = new Map<string, Connection>();

/** A stable default client id: the host and the meter, or the filter for a `+` filter meters share. */
export function defaultClientId(cfg: MqttSourceConfig, meter: string | undefined): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
  const filter = topicOf(cfg.url);
  if (meterLevel(filter) >= 0)
    return `kaifareader-${host}-${createHash('sha256').update(filter).digest('hex').slice(0, 8)}`;
  return `kaifareader-${host}-${meter ?? 'source'}`;
}

/** MQTT 5, persistent session (clean start off, SESSION_EXPIRY_S), reconnecting every second. */
function sessionOptions(broker: ReturnType<typeof brokerOf>, clientId: string): mqtt.IClientOptions {
  return {
    clientId,
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(broker.username !== undefined ? { username: broker.username } : {}),
    ...(broker.password !== undefined ? { password: broker.password } : {}),
  };
}

function brokerOf(url: string) {
  const u = new URL(url);
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  u.pathname = '';
  u.search = '';
  u.hash = '';
  return { url: u.toString(), username, password };
}

/** The receive time a bridge stamped on the message, when it is plausible. */
function stampOf(packet: mqtt.IPublishPacket, now: number): number | undefined {
  const raw = packet.properties?.userProperties?.[RECEIVED_AT];
  const text = Array.isArray(raw) ? raw[0] : raw;
  const t = Number(text);
  if (!Number.isSafeInteger(t) || t > now + STAMP_FUTURE_MS || t < now - STAMP_PAST_MS) return undefined;
  return t;
}

function broadcast(c: Connection, s: SourceState): void {
  c.state = s;
  for (const sub of c.subs.values()) for (const m of sub.members) m.onState(s);
}

/** The members a message on `topic` is for. */
function route(c: Connection, topic: string): Member[] {
  const out: Member[] = [];
  const levels = topic.split('/');
  for (const sub of c.subs.values()) {
    if (!topicMatches(sub.plain, topic)) continue;
    for (const m of sub.members) if (m.level === undefined || m.level === levels[sub.at]) out.push(m);
  }
  return out;
}

/** One message: decoded by the meters it is for; `ack` once what they decoded is durable. */
function deliver(
  c: Connection,
  topic: string,
  payload: Buffer,
  packet: mqtt.IPublishPacket,
  ack: () => void,
) {
  const bytes = telegramBytes(payload);
  if (!bytes) {
    if (c.bad++ % 100 === 0)
      c.log.warn(
        `${c.where}: a message on ${topic} that is neither a telegram, hex text nor {"hex": …} was ignored (${c.bad} so far)`,
      );
    return ack();
  }
  const members = route(c, topic);
  if (members.length === 0) {
    const n = (c.unknown.get(topic) ?? 0) + 1;
    c.unknown.set(topic, n);
    if (n === 1 || n % 1000 === 0)
      c.log.warn(
        `${c.where}: a telegram on ${topic} is for no configured meter (${n} so far): add a meters[] entry whose id is its + level, with its key, or narrow the topic`,
      );
    return ack();
  }
  const info = { receivedAt: stampOf(packet, Date.now()), acknowledge: true };
  const waits: PromiseLike<void>[] = [];
  for (const m of members) {
    try {
      const p = m.onData(bytes, info);
      if (p) waits.push(p);
    } catch {
      // a reader never throws; if one did, the others still get the telegram
    }
  }
  if (waits.length === 0) return ack();
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    ack();
  };
  const timer = setTimeout(() => {
    c.log.warn(
      `${c.where}: the sinks did not keep a telegram within ${ACK_WAIT_MS / 1000} s; acknowledged anyway so the subscription goes on (see the sinks' status)`,
    );
    once();
  }, ACK_WAIT_MS);
  Promise.all(waits).then(once, once);
}

function open(key: string, cfg: MqttSourceConfig, clientId: string, log: Logger): Connection {
  const broker = brokerOf(cfg.url);
  const where = describeMqtt(cfg.url);
  const self: { conn?: Connection } = {}; // the ack handler needs the connection the client belongs to
  const client = mqtt.connect(broker.url, {
    ...sessionOptions(broker, clientId),
    // QoS 1/2: the PUBACK waits until the telegram is durable (see the header)
    customHandleAcks: (topic, payload, packet, done) =>
      deliver(self.conn!, topic, payload, packet, () => done(0 as never)),
  });
  const c: Connection = {
    client,
    where,
    subs: new Map(),
    state: { state: 'connecting' },
    log,
    unknown: new Map(),
    bad: 0,
  };
  self.conn = c;
  let lastError: string | undefined;
  client.on('message', (topic, payload, packet) => {
    if (packet.qos === 0) deliver(c, topic, payload, packet, () => undefined); // QoS 0: nothing to acknowledge
  });
  client.on('connect', (ack) => {
    lastError = undefined;
    // a resumed session keeps its subscriptions; subscribing again is harmless and covers a fresh one
    const filters = [...c.subs.keys()];
    if (filters.length === 0) return;
    client.subscribe(filters, { qos: 1 }, (err) => {
      if (err)
        broadcast(c, {
          state: 'error',
          code: 'mqtt.subscribe',
          message: `${where}: the broker refused the subscription (${err.message})`,
          hint: 'check the topic and the broker ACL',
          retryInMs: 1000,
        });
      else broadcast(c, { state: 'open' });
    });
    if (!ack.sessionPresent) log.debug(`${where}: new session for client id ${clientId}`);
  });
  const fail = (code: string, message: string, hint: string) => {
    if (message === lastError) return;
    lastError = message;
    broadcast(c, { state: 'error', code, message, hint, retryInMs: 1000 });
  };
  client.on('error', (e: Error & { code?: string | number }) => {
    const auth =
      e.code === 4 ||
      e.code === 5 ||
      e.code === 134 ||
      e.code === 135 ||
      /not authori[sz]ed|bad user/i.test(e.message);
    if (auth)
      fail(
        'mqtt.auth',
        `${where}: the broker refused the login`,
        'check the user and password in the source URL',
      );
    else
      fail(String(e.code ?? 'mqtt.error'), `${where}: ${e.message}`, 'is the broker running and reachable?');
  });
  client.on('offline', () =>
    fail('mqtt.offline', `${where}: broker unreachable`, 'is the broker running and reachable? reconnecting'),
  );
  connections.set(key, c);
  return c;
}

export function createMqttSource(
  cfg: MqttSourceConfig,
  opts: { logger: Logger; meter?: string },
): ByteSource {
  const where = describeMqtt(cfg.url);
  const filter = topicOf(cfg.url);
  const clientId = cfg.clientId ?? defaultClientId(cfg, opts.meter);
  const key = `${brokerOf(cfg.url).url}|${clientId}`;
  let joined: { c: Connection; sub: Subscription; member: Member } | undefined;
  return {
    describe: () => where,
    start(onData, onState = () => undefined) {
      const c = connections.get(key) ?? open(key, cfg, clientId, opts.logger);
      let sub = c.subs.get(filter);
      if (!sub) {
        const plain = plainFilter(filter);
        sub = { filter, plain, at: meterLevel(filter), members: new Set() };
        c.subs.set(filter, sub);
        if (c.client.connected)
          c.client.subscribe(filter, { qos: 1 }, (err) => {
            if (err)
              onState({
                state: 'error',
                code: 'mqtt.subscribe',
                message: `${where}: the broker refused the subscription (${err.message})`,
                hint: 'check the topic and the broker ACL',
                retryInMs: 1000,
              });
            else onState({ state: 'open' });
          });
      }
      const member: Member = { level: sub.at >= 0 ? opts.meter : undefined, onData, onState };
      sub.members.add(member);
      joined = { c, sub, member };
      onState(c.state);
    },
    async stop() {
      const j = joined;
      joined = undefined;
      if (!j) return;
      j.sub.members.delete(j.member);
      if (j.sub.members.size > 0) return;
      j.c.subs.delete(j.sub.filter);
      if (j.c.subs.size > 0) {
        // the session must forget the filter, or the broker keeps queueing for it
        await within(STOP_MS, (r) => j.c.client.unsubscribe(j.sub.filter, () => r()));
        return;
      }
      connections.delete(key);
      await within(STOP_MS, (r) => j.c.client.end(false, {}, () => r()));
      // a broker that did not answer: drop the socket (the session keeps what was not acknowledged)
      if (!j.c.client.disconnected) j.c.client.end(true);
    },
  };
}

/**
 * A publisher of complete telegrams (`kaifareader bridge`): QoS 1, not retained, queued in memory while
 * offline, each stamped with `received_at` (when its last byte arrived here).
 */
export function publishTelegrams(url: string, clientId: string) {
  const broker = brokerOf(url);
  const topic = topicOf(url);
  const client = mqtt.connect(broker.url, sessionOptions(broker, clientId));
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
    publish(bytes: Uint8Array, receivedAt: number): Promise<void> {
      return new Promise((resolve, reject) =>
        client.publish(
          topic,
          Buffer.from(bytes),
          { qos: 1, retain: false, properties: { userProperties: { [RECEIVED_AT]: String(receivedAt) } } },
          (e) => (e ? reject(e) : resolve()),
        ),
      );
    },
    end: () => new Promise<void>((r) => client.end(false, {}, () => r())),
  };
}
