/**
 * Live status of the daemon, published by HTTP (/api/v1/status, dashboard), MQTT (diagnostics topic) and
 * Prometheus metrics. Built by the daemon; read-only for everybody else.
 */
import type { SinkStatus } from '../sinks/sink.js';

/** What the daemon believes is going on, with a hint for the user. */
export interface Diagnosis {
  /**
   * `ok` | `starting` | `no-bytes` (nothing on the line) | `no-frames` (bytes but no valid frame: baud/parity)
   * | `wrong-key` (frames but plaintext invalid / tag fails) | `key-missing` | `unknown-layout` | `port-error`.
   */
  state:
    | 'ok'
    | 'starting'
    | 'no-bytes'
    | 'no-frames'
    | 'wrong-key'
    | 'key-missing'
    | 'unknown-layout'
    | 'port-error';
  /** One-line explanation with what to do, e.g. "the key is probably wrong or belongs to another meter". */
  hint: string;
}

/** One configured meter's live status: its source, counters, last error and diagnosis. */
export interface MeterStatus {
  /** Configured meter id (`meters[].id`, `default` for a single-meter config). */
  meter: string;
  /** Configured display name, when set. */
  name?: string;
  /** Source description without secrets, e.g. `/dev/ttyUSB0 2400 8E1`, `tcp://10.0.0.5:2000`. */
  source: string;
  /** Whether the source is currently open. */
  sourceConnected: boolean;
  bytesReceived: number;
  framesOk: number;
  telegramsOk: number;
  /** Error counts by error code (`mbus.checksum`, `plaintext.invalid`, …). */
  errorsByCode: Record<string, number>;
  lastError?: { code: string; message: string; at: number };
  /** Receive time of the last decoded telegram, ms since epoch. */
  lastTelegramAt?: number;
  /** Meter number the last decoded telegram carried. */
  meterId?: string;
  diagnosis: Diagnosis;
}

/**
 * The daemon's status: every meter in `meters` (config order), and at the top level the same fields as one
 * meter so that a one-meter daemon reads as it always did — counters summed over all meters, `source` and
 * `meterId` of the first meter, `diagnosis` of the first meter that is not `ok` (else `ok`), `lastError` and
 * `lastTelegramAt` the newest of any meter.
 */
export interface DaemonStatus extends Omit<MeterStatus, 'meter' | 'name'> {
  /** Process start, ms since epoch. */
  startedAt: number;
  meters: MeterStatus[];
  sinks: Record<string, SinkStatus>;
}

/** Read access to the live status; `subscribe` returns an unsubscribe function. */
export interface StatusProvider {
  get(): DaemonStatus;
  subscribe?(listener: (status: DaemonStatus) => void): () => void;
}
