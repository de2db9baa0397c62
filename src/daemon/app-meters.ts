/** The config's meters as the daemon reads them: `meters[]` with their sources (one meter `default` for a flat file). */
import type { AppConfig, MeterConfig } from '../config/types.js';

export type AppMeter = MeterConfig;

export function metersOf(config: AppConfig): readonly AppMeter[] {
  return config.meters;
}
