/** The config's meters as the daemon reads them (one meter `default` until the config holds a list). */
import type { AppConfig, SourceConfig } from '../config/types.js';
import type { DaemonMeter } from './daemon.js';
import { Key } from '../util/key.js';
import { parseHex } from '../util/hex.js';

export interface AppMeter extends DaemonMeter {
  source: SourceConfig;
}

export function metersOf(config: AppConfig): AppMeter[] {
  return [
    {
      id: 'default',
      source: config.source,
      key: config.key ? Key.parse(config.key) : undefined,
      authKey: config.authKey ? Key.parse(config.authKey) : undefined,
      signaturePublicKey: config.signaturePublicKey ? parseHex(config.signaturePublicKey) : undefined,
      profile: config.profile,
      scalers: config.scalers,
    },
  ];
}
