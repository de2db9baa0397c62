/**
 * The plug-in contract of a sink: what its folder's `entry.ts` exports and `registry.ts` lists. An entry states
 * the sink's config section and keys (its options file: schema rows + builder) and a `load()` that imports the
 * implementation only when the config enables the sink — the mqtt client costs ~15 MB of resident memory and
 * libsql ~7 MB, which a Solarview-only daemon on a Raspberry Pi must not pay. An entry file therefore imports
 * only options files and types statically (test/architecture.test.ts checks it).
 */
import type { BuildContext, Options, Values } from '../config/spec.js';
import type { MeterConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { StatusProvider } from '../status/status.js';
import type { Sink } from './sink.js';

/** What a sink may use besides its own config: one object, the same for every sink. */
export interface SinkContext {
  logger: Logger;
  /** `data_dir`: state such as the MQTT outbox. */
  dataDir: string;
  /** The daemon's status (every meter), readable from the start: it exists before any sink. */
  status: StatusProvider;
  now: () => number;
  /**
   * IANA zone for local-time periods (quarter hours, days): `exports.history.time_zone`, absent = Europe/Vienna.
   */
  timeZone?: string;
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

/** A sink's entry from its name, options and lazy loader. */
export function defineSink<N extends string, C>(
  name: N,
  options: Options<C | undefined>,
  load: () => Promise<SinkFactory<C>>,
): SinkEntry<N, C> {
  return { name, section: `exports.${name}`, options, build: (v, ctx) => options.build(v, ctx), load };
}
