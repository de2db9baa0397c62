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

export interface DaemonStatus {
  /** Process start, ms since epoch. */
  startedAt: number;
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
  /** Meter id of the last decoded telegram. */
  meterId?: string;
  diagnosis: Diagnosis;
  sinks: Record<string, SinkStatus>;
}

/** Read access to the live status; `subscribe` returns an unsubscribe function. */
export interface StatusProvider {
  get(): DaemonStatus;
  subscribe?(listener: (status: DaemonStatus) => void): () => void;
}
