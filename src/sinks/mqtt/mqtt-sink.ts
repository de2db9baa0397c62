/**
 * The MQTT sink: state JSON (+ optional per-value and legacy topics) through the durable outbox, Home
 * Assistant discovery, availability and diagnostics. `handle()` only writes to SQLite and never waits for
 * the broker; connection problems are logged once per outage with a message that says what to do.
 *
 * On every connect: `online` (retained) on `<base>/status`, subscribe to `<prefix>/status` and
 * `<base>/+/availability`, republish every meter's availability and device discovery config (moving a meter's
 * old per-entity configs over first, device-discovery.ts), publish diagnostics (daemon and per meter), then
 * deliver the outbox from its oldest row. `<base>/<meter>/grid_power` is published directly at QoS 0 with
 * each telegram and dropped while disconnected: never through the outbox.
 * `stop()`: `offline` (retained) on every meter's availability, then on `<base>/status`, deliver what can be
 * delivered within ~1 s, DISCONNECT, close the outbox.
 *
 * Many meters: every topic and HA id is the meter's own (`meterTopicId`: the meter number, else the configured
 * id). Per-meter availability (availability.ts) goes offline after a silence derived from the meter's cadence,
 * when the lead calls `forgetMeter` for a meter removed from the config, and on stop. A retained `online` of a
 * meter this run has not heard from (left by a crash, or by a meter since removed from the config) is answered
 * with `offline`: the meter comes back online with its first telegram. Legacy topics (no meter in the topic)
 * come from the first configured meter only (`status.meters[0]`, `default` without a status).
 *
 * Fleets (`exports.mqtt.instance` set, docs/fleet.md): several daemons decode one fleet, e.g. from a shared
 * MQTT subscription, into one base topic, so any of them may decode a meter. The daemon's status (and last
 * will) and diagnostics move to `<base>/instances/<instance>/`; `<base>/status` is never published. The
 * meters' topics stay shared, and their availability is what the running instances agree on: an `offline` of
 * a meter this instance still hears (another instance stopped hearing it) is answered with `online`; a
 * retained `online` of a meter not heard in this run is left alone (another instance may be decoding it); and
 * `stop()` leaves the meters' availability to the instances still running (when the last one stops, the
 * readings' `expire_after` makes Home Assistant show them unavailable).
 */
import { join } from 'node:path';
import type { MqttConfig } from '../../config/types.js';
import type { Logger } from '../../log/logger.js';
import type { MeterSnapshot } from '../../model/snapshot.js';
import type { StatusProvider } from '../../status/status.js';
import type { Sink, SinkStatus } from '../sink.js';
import { brokerAddress, explainBrokerError } from './broker-errors.js';
import { createDelivery } from './delivery.js';
import {
  AvailabilityTracker,
  expireAfterSeconds,
  type AvailabilityChange,
  type AvailabilityOptions,
} from './availability.js';
import { DeviceDiscovery } from './device-discovery.js';
import {
  toDiagnosticsObject,
  toInstanceDiagnosticsObject,
  toMeterDiagnosticsObject,
  type SeenMeter,
} from './diagnostics.js';
import { toDeviceDiscovery } from './discovery.js';
import { packageOrigin } from './origin.js';
import { connectBroker, type BrokerConnection, type PublishRequest } from './mqtt-client.js';
import { createOutbox, type Outbox } from './outbox.js';
import { createQuarterHourMessages } from './quarter-hour-messages.js';
import { openKnownMeters } from './known-meters.js';
import { discoveryFingerprint } from './discovery-fingerprint.js';
import { toGridPowerMessage, toLegacyMessages, toStateMessage, toValueMessages } from './state-payload.js';
import {
  availabilityTopic,
  daemonDiagnosticsTopic,
  daemonStatusTopic,
  haStatusTopic,
  meterAvailabilityFilter,
  meterAvailabilityTopic,
  meterDiagnosticsTopic,
  meterTopicId,
  toTopicId,
} from './topics.js';
import type { OutgoingMessage } from './types.js';

export interface MqttSinkOptions {
  /** IANA zone of the quarter hours (the history's `exports.history.time_zone`), default Europe/Vienna. */
  timeZone?: string;
  logger: Logger;
  /** Directory of `mqtt-outbox.db`. */
  dataDir: string;
  status?: StatusProvider;
  now?: () => number;
  /** Reconnect backoff, default 1 s doubling to 60 s. */
  backoff?: { minMs: number; maxMs: number };
  /** Diagnostics period, default 60 s. */
  diagnosticsIntervalMs?: number;
  /** Unacknowledged messages at a time, default 20. */
  window?: number;
  /** Per-meter silence timeout (see availability.ts); tests make it short. */
  availability?: Partial<AvailabilityOptions>;
  /** How often silent meters are looked for, default 1 s. */
  availabilityCheckMs?: number;
  /** How long the retained old discovery configs are collected (device-discovery.ts), default 500 ms. */
  migrationSettleMs?: number;
}

/** The MQTT sink, plus what the daemon calls when its config changes. */
export interface MqttSink extends Sink {
  /**
   * A meter was removed from the config (its configured id `meters[].id`, or its meter number): its
   * availability goes `offline` (retained) and its discovery is no longer republished. Its retained discovery
   * configs stay, so Home Assistant keeps the entities and their history (shown unavailable).
   */
  forgetMeter(meter: string): void;
}

const DROP_WARN_INTERVAL_MS = 60_000;
const METER_LIST_MS = 1000;
const STOP_FLUSH_MS = 1000;
const STOP_CLOSE_MS = 300;

type MeterNames = Array<{ meter: string; name?: string | undefined }>;

export const OUTBOX_FILE = 'mqtt-outbox.db';

/**
 * Messages kept by the in-memory fallback outbox at most (~14 h at one telegram per 5 s): the file's bound
 * (`max_messages`, default 500 000) is sized for a disk, not for the RAM of a Raspberry Pi.
 */
export const MEMORY_OUTBOX_MAX = 10_000;

/** The durable outbox, or a smaller in-memory one (logged) when the file cannot be opened. */
function openOutbox(path: string, maxMessages: number, log: Logger): Outbox {
  try {
    return createOutbox(path, maxMessages);
  } catch (e) {
    const max = Math.min(maxMessages, MEMORY_OUTBOX_MAX);
    log.error(
      `cannot open the MQTT outbox ${path} (${e instanceof Error ? e.message : String(e)}) — check that data_dir is writable; keeping at most ${max} MQTT messages in memory only`,
    );
    return createOutbox(':memory:', max);
  }
}

/**
 * The legacy topics name no meter, so only one meter may feed them: the first configured one
 * (`status.meters[0]`), or `default` (a one-meter config) when the status lists no meters.
 */
const SINGLE_METER = 'default';

export function createMqttSink(cfg: MqttConfig, opts: MqttSinkOptions): MqttSink {
  const log = opts.logger.child('mqtt');
  const now = opts.now ?? Date.now;
  const where = brokerAddress(cfg.url);
  const instance = cfg.instance; // undefined: the one daemon of its base topic, topics as before instances
  const statusTopic = daemonStatusTopic(cfg.baseTopic, instance);
  const topicIds = openKnownMeters(opts.dataDir, log); // configured meter id → topic id, kept across restarts
  const expireAfter = new Map<string, number>(); // topic id → the `expire_after` its config carries
  const outbox = openOutbox(join(opts.dataDir, OUTBOX_FILE), cfg.outbox.maxMessages, log);
  const quarterHours = createQuarterHourMessages(cfg.baseTopic, opts.timeZone);
  let conn: BrokerConnection | undefined;
  let state = 'not started';
  let lastError: string | undefined;
  let loggedKind: string | undefined; // error kind already logged in this outage
  let dropped = 0;
  let lastDropWarn = -Infinity;
  let diagTimer: NodeJS.Timeout | undefined;
  let availabilityTimer: NodeJS.Timeout | undefined;
  const availability = new AvailabilityTracker(opts.availability);
  let unsubscribe: (() => void) | undefined;
  let lastDiagnosis: string | undefined;
  let stopped = false;
  let backlogAtStop: number | undefined;

  let meterListAt = -Infinity;
  let meterListCache: MeterNames | undefined;
  /**
   * The configured meters (id, name) for legacy topics and device names: the whole daemon status is O(meters)
   * to build, so per telegram it was O(meters²) for a fleet; re-read at most once per METER_LIST_MS (a reload
   * shows within a second).
   */
  function meterList(): MeterNames | undefined {
    const t = now();
    if (t - meterListAt >= METER_LIST_MS || t < meterListAt) {
      meterListCache = opts.status?.get().meters?.map((m) => ({ meter: m.meter, name: m.name }));
      meterListAt = t;
    }
    return meterListCache;
  }

  const delivery = createDelivery({
    outbox,
    connection: () => conn,
    window: opts.window ?? 20,
    onRejected: (msg, err) =>
      log.error(`the broker rejected a message on ${msg.topic}: ${err.message}; dropped it`),
  });

  const publishDirect = (msg: OutgoingMessage, qos: 0 | 1 | 2, done?: () => void): void => {
    if (!conn?.connected) return done?.();
    conn.publish({ ...msg, qos }, () => done?.());
  };

  const devices = new DeviceDiscovery({
    prefix: cfg.discovery.prefix,
    connected: () => conn?.connected === true,
    publish: (msg) => publishDirect(msg, 1),
    subscribe: (filter, done) => conn?.subscribe(filter, done),
    unsubscribe: (filter) => conn?.unsubscribe(filter),
    log,
    ...(opts.migrationSettleMs !== undefined ? { settleMs: opts.migrationSettleMs } : {}),
  });

  /** Diagnosis states of the daemon and of every meter: diagnostics are republished when one changes. */
  const diagnosisKey = (s = opts.status?.get()): string | undefined =>
    s && [s.diagnosis.state, ...(s.meters ?? []).map((m) => `${m.meter}:${m.diagnosis.state}`)].join(' ');

  function publishDiagnostics(): void {
    const status = opts.status?.get();
    lastDiagnosis = diagnosisKey(status);
    const ids = (status?.meters ?? []).map((m) => ({
      m,
      id:
        topicIds.get(m.meter) ??
        (m.meterId !== undefined ? meterTopicId({ meter: m.meter, meterId: m.meterId }) : undefined),
    }));
    const counters = { backlog: outbox.size(), dropped };
    // with an instance: the meters it received bytes from or knows the number of (not those another instance decodes)
    const seen: SeenMeter[] = ids
      .filter(({ m, id }) => id !== undefined || m.bytesReceived > 0)
      .map(({ m, id }) => ({ status: m, topicId: id ?? null }));
    const obj =
      instance === undefined
        ? toDiagnosticsObject(status, counters, now())
        : toInstanceDiagnosticsObject(instance, status, seen, counters, now());
    const topic = daemonDiagnosticsTopic(cfg.baseTopic, instance);
    publishDirect({ topic, payload: JSON.stringify(obj), retain: true }, 0);
    // per meter, for its Home Assistant diagnosis entities: once its topic id is known (a decoded telegram)
    for (const { m, id } of ids) {
      if (id === undefined) continue;
      // in a fleet the topic is shared: it says which instance wrote it (each one's own view: its instance topic)
      const obj = toMeterDiagnosticsObject(m, now());
      const payload = JSON.stringify(instance === undefined ? obj : { ...obj, instance });
      publishDirect({ topic: meterDiagnosticsTopic(cfg.baseTopic, id), payload, retain: true }, 0);
    }
  }

  /** Retained, QoS 1, not queued in the outbox: the current state is republished on every connect instead. */
  function publishAvailability(changes: AvailabilityChange[]): void {
    for (const c of changes) {
      const msg = { topic: meterAvailabilityTopic(cfg.baseTopic, c.id), payload: c.payload, retain: true };
      publishDirect(msg, 1);
    }
  }

  function expireSilent(): void {
    const changes = availability.expire(now());
    for (const c of changes) {
      log.warn(
        `meter ${c.id}: no telegram for ${Math.round(availability.timeoutMs(c.id) / 1000)} s — is the meter still connected? Its MQTT availability is offline (Home Assistant shows its entities unavailable) until the next telegram`,
      );
    }
    publishAvailability(changes);
  }

  /** `<base>/<id>/availability` → id, for a topic id (one level) only. */
  function availabilityId(topic: string): string | undefined {
    const base = availabilityTopic(cfg.baseTopic).slice(0, -'status'.length);
    if (!topic.startsWith(base) || !topic.endsWith('/availability')) return undefined;
    const id = topic.slice(base.length, -'/availability'.length);
    return id.length > 0 && !id.includes('/') ? id : undefined;
  }

  function onConnect(): void {
    if (stopped) return;
    const backlog = outbox.size();
    log.info(`connected to ${where}${backlog > 0 ? `, delivering ${backlog} queued messages` : ''}`);
    state = 'connected';
    lastError = undefined;
    loggedKind = undefined;
    publishDirect({ topic: statusTopic, payload: 'online', retain: true }, 1);
    if (cfg.discovery.enabled) conn?.subscribe(haStatusTopic(cfg.discovery.prefix));
    conn?.subscribe(meterAvailabilityFilter(cfg.baseTopic));
    publishAvailability(availability.current());
    if (cfg.discovery.enabled) devices.onConnect();
    publishDiagnostics();
    delivery.restart();
  }

  function onError(err: unknown): void {
    if (stopped) return;
    const e = explainBrokerError(err, cfg.url);
    lastError = e.message;
    state = e.message;
    if (loggedKind === e.kind) return;
    loggedKind = e.kind;
    log.error(`${e.message} (messages are kept in the outbox: ${outbox.size()} waiting)`);
  }

  function onClose(retryInMs: number): void {
    devices.onClose();
    if (!stopped && state === 'connected') {
      state = 'disconnected';
      log.warn(`connection to ${where} lost; reconnecting (next try in ${Math.round(retryInMs / 1000)} s)`);
      loggedKind = 'lost';
    }
  }

  function onMessage(topic: string, payload: string): void {
    const id = availabilityId(topic);
    if (id !== undefined) {
      if (instance !== undefined) {
        // a fleet: another instance stopped hearing a meter this one still hears (see the header)
        if (!stopped && payload === 'offline' && availability.state(id) === 'online') {
          log.info(
            `meter ${id}: another instance set its MQTT availability to offline; this one still hears it`,
          );
          publishAvailability([{ id, payload: 'online' }]);
        }
        return;
      }
      // a retained `online` this run did not publish: a crashed run's, or a meter no longer configured
      if (!stopped && payload === 'online' && availability.state(id) !== 'online') {
        log.info(
          `meter ${id}: no telegram yet in this run; setting its retained MQTT availability to offline`,
        );
        publishAvailability([{ id, payload: 'offline' }]);
      }
      return;
    }
    if (devices.onMessage(topic, payload)) return;
    if (!stopped && topic === haStatusTopic(cfg.discovery.prefix) && payload.trim() === 'online') {
      log.info('Home Assistant is online: republishing discovery');
      devices.republish();
    }
  }

  function onStatus(): void {
    if (diagnosisKey() !== lastDiagnosis) publishDiagnostics();
  }

  function warnDropped(n: number): void {
    dropped += n;
    if (now() - lastDropWarn < DROP_WARN_INTERVAL_MS) return;
    lastDropWarn = now();
    log.warn(
      `MQTT outbox full (exports.mqtt.outbox.max_messages ${cfg.outbox.maxMessages}): dropped the oldest undelivered messages (${dropped} so far); is the broker at ${where} reachable?`,
    );
  }

  /** Discovery inputs last published per topic id (see discoveryFingerprint). */
  const discoveredAs = new Map<string, string>();

  /** `snapshot` with `meterId` already its topic id. */
  function handleDiscovery(snapshot: MeterSnapshot, deviceName: string | undefined): void {
    if (!cfg.discovery.enabled) return;
    const id = toTopicId(snapshot.meterId);
    const expire = cfg.expireAfter ?? expireAfterSeconds(availability.timeoutMs(id), expireAfter.get(id));
    expireAfter.set(id, expire);
    // same sensors (and expire_after) as last time: nothing new to build or compare
    const fingerprint = `${expire}\u0000${discoveryFingerprint(snapshot, deviceName)}`;
    if (discoveredAs.get(id) === fingerprint) return;
    discoveredAs.set(id, fingerprint);
    const config = toDeviceDiscovery(snapshot, {
      baseTopic: cfg.baseTopic,
      prefix: cfg.discovery.prefix,
      ...packageOrigin(),
      ...(deviceName !== undefined ? { deviceName } : {}),
      ...(expire > 0 ? { expireAfter: expire } : {}),
      ...(instance !== undefined ? { instance } : {}),
    });
    devices.update(id, config);
  }

  function start(): Promise<void> {
    if (conn || stopped) return Promise.resolve();
    const will: PublishRequest = {
      topic: statusTopic,
      payload: 'offline',
      qos: 1,
      retain: true,
    };
    try {
      conn = connectBroker(cfg, {
        will,
        events: { onConnect, onClose, onError, onMessage },
        ...(opts.backoff ? { backoff: opts.backoff } : {}),
      });
      state = `connecting to ${where}`;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
      state = lastError;
      log.error(`${lastError}; MQTT stays off, messages are kept in the outbox`);
    }
    diagTimer = setInterval(publishDiagnostics, opts.diagnosticsIntervalMs ?? 60_000);
    diagTimer.unref();
    availabilityTimer = setInterval(expireSilent, opts.availabilityCheckMs ?? 1000);
    availabilityTimer.unref();
    unsubscribe = opts.status?.subscribe?.(onStatus);
    return Promise.resolve();
  }

  return {
    name: 'mqtt',
    start,
    handle(received) {
      if (stopped) return;
      const id = meterTopicId(received);
      // every formatter below names topics, HA ids and `meter_id` by the topic id
      const snapshot = id === received.meterId ? received : { ...received, meterId: id };
      // first, and never queued: stale power is worse than none for a battery steering on it
      const grid = toGridPowerMessage(cfg.baseTopic, snapshot);
      if (grid) publishDirect(grid, 0);
      topicIds.set(received.meter, id);
      const meters = meterList();
      const messages = [toStateMessage(cfg.baseTopic, snapshot)];
      if (cfg.perValueTopics) messages.push(...toValueMessages(cfg.baseTopic, snapshot));
      if (cfg.legacyTopics && received.meter === (meters?.[0]?.meter ?? SINGLE_METER)) {
        messages.push(...toLegacyMessages(cfg.baseTopic, snapshot));
      }
      const n = outbox.push(messages, cfg.qos, now());
      if (n > 0) warnDropped(n);
      const closed = quarterHours.messages(snapshot); // closed quarter hours: QoS 1 whatever cfg.qos says
      const nq = closed.length > 0 ? outbox.push(closed, 1, now()) : 0;
      if (nq > 0) warnDropped(nq);
      const running = quarterHours.current(snapshot);
      if (running) publishDirect(running, 0);
      const change = availability.telegram(toTopicId(id), received.meter, now());
      if (change) publishAvailability([change]);
      handleDiscovery(snapshot, meters?.find((m) => m.meter === received.meter)?.name);
      delivery.pump();
    },
    persisted: () => outbox.durable(),
    forgetMeter(meter) {
      const changes = availability.forget(meter);
      for (const c of changes) devices.forget(c.id);
      for (const [m, id] of [...topicIds.entries()]) if (m === meter || id === meter) topicIds.delete(m);
      if (changes.length > 0) discoveredAs.clear(); // a meter that comes back is discovered again
      if (!stopped) publishAvailability(changes);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (diagTimer) clearInterval(diagTimer);
      if (availabilityTimer) clearInterval(availabilityTimer);
      devices.stop();
      unsubscribe?.();
      if (conn?.connected) {
        const offline = { topic: statusTopic, payload: 'offline', retain: true };
        // every meter's offline before the daemon's, so no meter's retained state is left `online`; with an
        // instance the meters are left to the instances still running (see the header)
        const acked = new Promise<void>((resolve) => {
          setTimeout(resolve, STOP_FLUSH_MS).unref();
          const meters = availability.stopAll();
          if (instance === undefined) publishAvailability(meters);
          publishDirect(offline, 1, resolve);
        });
        await Promise.all([acked, delivery.drain(STOP_FLUSH_MS)]);
      }
      await conn?.close(STOP_CLOSE_MS);
      backlogAtStop = outbox.size();
      state = 'stopped';
      outbox.close();
    },
    status(): SinkStatus {
      return {
        ok: state === 'connected',
        state,
        backlog: stopped && backlogAtStop !== undefined ? backlogAtStop : outbox.size(),
        dropped,
        ...(lastError !== undefined ? { lastError } : {}),
      };
    },
  };
}
