/**
 * The validated, normalised configuration that the composition root (the daemon) builds everything from.
 * `src/daemon/config-schema.ts` turns a `meter.json` (old Python template keys, the nested single-meter keys or
 * the `meters` list) into this. No global settings object: each component receives only its own section.
 *
 * The component types are stated by their components (src/transport/options.ts, src/sinks/<name>/options.ts, …)
 * and only re-exported here, type-only (erased at runtime): config/ itself imports no component
 * (test/architecture.test.ts). `exports` is derived from the sink registry, so a new sink adds no line here.
 */
import type { Key } from '../util/key.js';
import type { LoggingConfig } from '../log/options.js';
import type { SolarviewConfig } from '../sinks/solarview/options.js';
import type { MqttConfig } from '../sinks/mqtt/options.js';
import type { HistoryConfig } from '../sinks/history/options.js';
import type { HttpConfig } from '../http/options.js';
import type { SinkConfigs } from '../sinks/registry.js';
import type { MeterConfig } from '../daemon/meter-options.js';

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type {
  SourceConfig,
  SerialSourceConfig,
  TcpSourceConfig,
  ReplaySourceConfig,
} from '../transport/options.js';
export type { LoggingConfig, SolarviewConfig, MqttConfig, HistoryConfig, HttpConfig, MeterConfig, Key };

export interface AppConfig {
  /** At least one; `[{ id: 'default', … }]` for the single-meter file. */
  meters: MeterConfig[];
  /** Directory for state (history, outbox), default `/var/lib/kaifareader`. */
  dataDir: string;
  logging: LoggingConfig;
  /** Each enabled sink's section under its name (`solarview`, `mqtt`, `history`: derived from sinks/registry.ts). */
  exports: SinkConfigs;
  /** HTTP dashboard, JSON API and /metrics; disabled when absent. */
  http?: HttpConfig;
}
