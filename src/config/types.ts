/**
 * The validated, normalised configuration that the composition root (the daemon) builds everything from.
 * `config/load.ts` turns a `meter.json` (old Python template keys or the new nested keys) into this.
 * No global settings object: each component receives only its own section.
 */

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface SerialSourceConfig {
  type: 'serial';
  /** e.g. `/dev/ttyUSB0` or `/dev/serial/by-id/usb-…` */
  port: string;
  baudRate: number; // default 2400
  parity: Parity; // default 'none' (TINETZ documents even; most adapters read either)
  dataBits: 5 | 6 | 7 | 8; // default 8
  stopBits: 1 | 1.5 | 2; // default 1
}

export interface TcpSourceConfig {
  type: 'tcp';
  host: string;
  port: number;
}

export interface ReplaySourceConfig {
  type: 'replay';
  file: string;
  /** `realtime` keeps the recorded cadence, `fast` feeds as fast as possible. */
  speed: 'realtime' | 'fast';
  /** Start again at the end (demo). */
  loop: boolean;
}

export type SourceConfig = SerialSourceConfig | TcpSourceConfig | ReplaySourceConfig;

export interface SolarviewConfig {
  /** Absolute path of the file Solarview reads, written atomically on every telegram. */
  file: string;
}

export interface MqttConfig {
  /** `mqtt://host:1883` or `mqtts://host:8883` */
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  keepalive: number; // seconds, default 60
  /** Base topic, default `kaifareader` (old key: export_mqtt_basetopic). */
  baseTopic: string;
  qos: 0 | 1 | 2; // default 1
  /** Publish the old `<base>/RealEnergyIn_S` and `<base>/RealEnergyOut_S` topics in kWh (on for old configs). */
  legacyTopics: boolean;
  /** Also publish one topic per value: `<base>/<meter id>/<key>`. */
  perValueTopics: boolean;
  discovery: {
    enabled: boolean; // default true
    prefix: string; // default `homeassistant`
  };
  tls?: {
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    rejectUnauthorized: boolean;
  };
  outbox: {
    /** Bound on undelivered messages; the oldest are dropped beyond it (counted and warned). */
    maxMessages: number; // default 500000 (~29 days at one telegram per 5 s)
  };
}

export interface HistoryConfig {
  /** SQLite file, default `/var/lib/kaifareader/history.db` (`./data/history.db` in the demo). */
  path: string;
  /** Days of full-resolution rows kept; rollups are kept for ever. Default 30. */
  retentionDays: number;
  /** IANA time zone for energy per day/month (`exports.history.time_zone`); absent = Europe/Vienna. */
  timeZone?: string;
}

export interface HttpConfig {
  host: string; // default 127.0.0.1
  port: number; // default 8080
  /** Required (one of token / basicAuth) when host is not a loopback address. */
  token?: string;
  basicAuth?: { username: string; password: string };
  /**
   * Host names (lower case, no port) answered without auth besides loopback names and addresses
   * (`http.allowed_hosts`); any other `Host` header gets 421 (DNS rebinding guard, see http/host-check.ts).
   */
  allowedHosts?: string[];
}

export interface LoggingConfig {
  level: LogLevel; // default info
  /** When set, also log to this file with rotation (old script: 2 MB × 1 backup). */
  file?: string;
  maxBytes: number; // default 2_000_000
  backups: number; // default 1
}

export interface AppConfig {
  source: SourceConfig;
  /** AES-128 encryption key (global unicast key), 32 upper-case hex digits. Never logged. */
  key?: string;
  /** Authentication key for SC 0x30 tag verification, 32 upper-case hex digits. Never logged. */
  authKey?: string;
  /** Meter public key (uncompressed P-256 point, 130 upper-case hex digits) to verify frame signature trailers. */
  signaturePublicKey?: string;
  /** Profile id override; by default the layout is detected from the telegram. */
  profile?: string;
  /** Scaler per OBIS code for registers sent without one (`scalers`), e.g. `{"1.1.31.7.0.255": -2}`. */
  scalers?: Record<string, number>;
  /** Old `supplier` key ("TINETZ", "EVN", …): only a hint now. */
  supplier?: string;
  /** Directory for state (history, outbox), default `/var/lib/kaifareader`. */
  dataDir: string;
  logging: LoggingConfig;
  exports: {
    solarview?: SolarviewConfig;
    mqtt?: MqttConfig;
    /** History store; enabled when present. */
    history?: HistoryConfig;
  };
  /** HTTP dashboard, JSON API and /metrics; disabled when absent. */
  http?: HttpConfig;
}
