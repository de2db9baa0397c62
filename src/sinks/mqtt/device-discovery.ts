/**
 * The device discovery configs of the meters seen in this run, and their one-time move from single-component
 * discovery (discovery-migration.ts explains the steps and why the broker is asked which old topics exist).
 *
 * Per meter and run: with the meter's first config while connected, subscribe to its old topics
 * (`<prefix>/sensor/kaifareader_<id>/+/config`), collect the retained payloads the broker sends after the
 * SUBACK for `settleMs`, unsubscribe, then send `migrationSequence` (QoS 1, in order: MQTT keeps the order of
 * one client's messages). After that only the device config is sent: when it changes (a new key, another
 * `expire_after`), after every reconnect and when Home Assistant comes online. A connection lost during the
 * check restarts it with the next connect.
 */
import type { Logger } from '../../log/logger.js';
import { isMigratePayload, migrationSequence } from './discovery-migration.js';
import { legacyDiscoveryFilter } from './topics.js';
import type { OutgoingMessage } from './types.js';

export interface DeviceDiscoveryDeps {
  prefix: string;
  connected(): boolean;
  publish(msg: OutgoingMessage): void;
  subscribe(filter: string, done: () => void): void;
  unsubscribe(filter: string): void;
  log: Logger;
  /** How long retained old configs are collected after the SUBACK, default 500 ms. */
  settleMs?: number;
}

interface Entry {
  config: OutgoingMessage;
  phase: 'unchecked' | 'checking' | 'checked';
  found: Map<string, string>;
  filter: string;
  /** `<prefix>/sensor/kaifareader_<id>/`: the old topics of this meter start with it. */
  oldPrefix: string;
  timer?: NodeJS.Timeout;
  published?: string;
}

export class DeviceDiscovery {
  private readonly meters = new Map<string, Entry>();

  constructor(private readonly deps: DeviceDiscoveryDeps) {}

  /** The current device config of meter `id` (topic id): published now, or once the old topics are checked. */
  update(id: string, config: OutgoingMessage): void {
    let e = this.meters.get(id);
    if (!e) {
      const filter = legacyDiscoveryFilter(this.deps.prefix, id);
      e = {
        config,
        phase: 'unchecked',
        found: new Map(),
        filter,
        oldPrefix: filter.slice(0, -'+/config'.length),
      };
      this.meters.set(id, e);
    }
    e.config = config;
    if (!this.deps.connected()) return;
    if (e.phase === 'unchecked') this.check(id, e);
    else if (e.phase === 'checked' && e.published !== config.payload) this.send(e);
  }

  /** After every (re)connect: checked meters get their config again, the others are checked. */
  onConnect(): void {
    for (const [id, e] of this.meters) {
      if (e.phase === 'checked') this.send(e);
      else this.check(id, e);
    }
  }

  /** The connection is gone: a check in progress starts again with the next connect. */
  onClose(): void {
    for (const e of this.meters.values()) {
      if (e.phase !== 'checking') continue;
      clearTimeout(e.timer);
      e.phase = 'unchecked';
    }
  }

  /** Home Assistant came online: every checked meter's config again. */
  republish(): void {
    for (const e of this.meters.values()) if (e.phase === 'checked') this.send(e);
  }

  /** A message on an old discovery topic of a meter being checked: collected, true (handled). */
  onMessage(topic: string, payload: string): boolean {
    for (const e of this.meters.values()) {
      if (!topic.startsWith(e.oldPrefix) || !topic.endsWith('/config')) continue;
      if (e.phase === 'checking') e.found.set(topic, payload);
      return true;
    }
    return false;
  }

  /** A meter removed from the config: its retained device config stays (Home Assistant keeps the entities). */
  forget(id: string): void {
    const e = this.meters.get(id);
    if (e) clearTimeout(e.timer);
    this.meters.delete(id);
  }

  stop(): void {
    for (const e of this.meters.values()) clearTimeout(e.timer);
  }

  private send(e: Entry): void {
    e.published = e.config.payload;
    this.deps.publish(e.config);
  }

  private check(id: string, e: Entry): void {
    e.phase = 'checking';
    e.found.clear();
    this.deps.subscribe(e.filter, () => {
      if (e.phase !== 'checking' || this.meters.get(id) !== e) return;
      clearTimeout(e.timer);
      e.timer = setTimeout(() => this.finish(id, e), this.deps.settleMs ?? 500);
      e.timer.unref();
    });
  }

  private finish(id: string, e: Entry): void {
    if (e.phase !== 'checking' || !this.deps.connected()) return;
    this.deps.unsubscribe(e.filter);
    const old = [...e.found.values()].filter((p) => p.length > 0);
    const steps = migrationSequence(e.found, e.config);
    if (old.length > 0) {
      const migrating = old.filter((p) => !isMigratePayload(p)).length;
      this.deps.log.info(
        `meter ${id}: moving ${old.length} Home Assistant entities from per-entity to device discovery${migrating < old.length ? ' (finishing an earlier move)' : ''}; entity ids and history are kept`,
      );
    }
    e.phase = 'checked';
    e.found.clear();
    e.published = e.config.payload;
    for (const m of steps) this.deps.publish(m);
  }
}
