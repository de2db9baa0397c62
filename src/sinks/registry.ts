/**
 * Every sink the daemon can feed, in the order they are built and fed. A sink is one folder (`<name>/`: its
 * options, its implementation and an `entry.ts`, see sink-entry.ts) plus one line here; the composition root
 * (daemon/app.ts) and the config schema (daemon/config-schema.ts) loop over this list.
 */
import { solarviewSink } from './solarview/entry.js';
import { mqttSink } from './mqtt/entry.js';
import { historySink } from './history/entry.js';
import { postgresqlSink } from './postgresql/entry.js';
import { lineProtocolSink } from './line-protocol/entry.js';

import type { SinkEntry } from './sink-entry.js';

export type { SinkContext, SinkEntry, SinkFactory } from './sink-entry.js';

export const SINKS = [solarviewSink, mqttSink, historySink, postgresqlSink, lineProtocolSink] as const;

export type SinkName = (typeof SINKS)[number]['name'];

/** `AppConfig.exports`: each registered sink's config under its name, absent when the sink is off. */
export type SinkConfigs = {
  [E in (typeof SINKS)[number] as E['name']]?: E extends SinkEntry<string, infer C> ? C : never;
};
export const SINK_NAMES: readonly SinkName[] = SINKS.map((s) => s.name);
