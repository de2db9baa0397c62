/**
 * Every sink the daemon can feed, by name: its config section, its keys (schema rows + builder, from its options
 * file) and a `load()` that imports the implementation only when the config enables the sink — the mqtt client
 * costs ~15 MB of resident memory and libsql ~7 MB, which a Solarview-only daemon on a Raspberry Pi must not pay.
 * This file therefore imports only option files and types statically (test/architecture.test.ts checks it).
 */
import type { BuildContext, Options, Values } from '../config/spec.js';
import type { MeterConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { StatusProvider } from '../status/status.js';
import type { Sink } from './sink.js';
import { SOLARVIEW_OPTIONS, type SolarviewConfig } from './solarview-options.js';
import { MQTT_OPTIONS, type MqttConfig } from './mqtt/options.js';
import { HISTORY_OPTIONS, type HistoryConfig } from './history-options.js';

/** What a sink may use besides its own config. */
export interface SinkContext {
  logger: Logger;
  /** `data_dir`: state such as the MQTT outbox. */
  dataDir: string;
  status: StatusProvider;
  now: () => number;
  /** Every configured meter (ids, names; a sink keys its output by `snapshot.meter`). */
  meters: readonly MeterConfig[];
}

export type SinkFactory<C> = (config: C, ctx: SinkContext) => Sink | Promise<Sink>;

export interface SinkEntry<N extends string, C> {
  /** The name in `meters[].exports`, logs and status. */
  readonly name: N;
  /** Its meter.json section, `exports.<name>`. */
  readonly section: `exports.${N}`;
  readonly options: Options<C | undefined>;
  /** The section's config, or undefined when the section is absent (the sink is off). */
  build(v: Values, ctx: BuildContext): C | undefined;
  /** Imports the implementation (lazily: only enabled sinks are loaded). */
  load(): Promise<SinkFactory<C>>;
}

function entry<N extends string, C>(
  name: N,
  options: Options<C | undefined>,
  load: () => Promise<SinkFactory<C>>,
): SinkEntry<N, C> {
  return { name, section: `exports.${name}`, options, build: (v, ctx) => options.build(v, ctx), load };
}

export const SINKS = [
  entry<'solarview', SolarviewConfig>('solarview', SOLARVIEW_OPTIONS, async () => {
    const { createSolarviewSink } = await import('./solarview.js');
    return (config, ctx) => createSolarviewSink(config, ctx.logger.child('solarview'), { now: ctx.now });
  }),
  entry<'mqtt', MqttConfig>('mqtt', MQTT_OPTIONS, async () => {
    const { createMqttSink } = await import('./mqtt/mqtt-sink.js');
    return (config, ctx) =>
      createMqttSink(config, { logger: ctx.logger, dataDir: ctx.dataDir, status: ctx.status, now: ctx.now });
  }),
  entry<'history', HistoryConfig>('history', HISTORY_OPTIONS, async () => {
    const { createHistorySink } = await import('./history-sink.js');
    return (config, ctx) =>
      createHistorySink(config, { logger: ctx.logger, timeZone: config.timeZone, now: ctx.now });
  }),
] as const;

export type SinkName = (typeof SINKS)[number]['name'];
export const SINK_NAMES: readonly SinkName[] = SINKS.map((s) => s.name);
