/**
 * The byte-source seam: serial port, TCP (ser2net / ESP bridges), capture replay and the in-process simulator all
 * look the same to the daemon. Sources reconnect by themselves; they report state changes, never throw at the
 * caller after `start`.
 */

export type SourceState =
  | { state: 'connecting' }
  | { state: 'open' }
  /** Lost or could not open; `retryInMs` until the next attempt. `hint` says what to do (dialout group, …). */
  | { state: 'error'; code: string; message: string; hint?: string; retryInMs: number }
  | { state: 'ended' };

/** What a source knows about a chunk beyond its bytes (the MQTT source: one message = one telegram). */
export interface ChunkInfo {
  /**
   * When the bytes left the meter's port (ms since the epoch), if the source knows better than "now": the bridge
   * stamps each telegram, so a redelivered message keeps its time (and the database rows their primary key).
   */
  receivedAt?: number;
  /**
   * The source acknowledges the chunk upstream only after what it carried is durable: `onData` then returns a
   * promise that settles once every sink holds the decoded telegram in its outbox (or has nothing to keep).
   */
  acknowledge?: boolean;
}

/**
 * Receives a chunk. With `info.acknowledge` it may return a promise (see ChunkInfo); it never rejects.
 */
export type OnData = (chunk: Uint8Array, info?: ChunkInfo) => PromiseLike<void> | void;

export interface ByteSource {
  /** Human-readable description without secrets: `/dev/ttyUSB0 2400 8N1`, `tcp://host:2000`, `replay capture.hex`. */
  describe(): string;
  /** Starts reading; `onData` gets chunks of any size and boundary. */
  start(onData: OnData, onState?: (state: SourceState) => void): void;
  /** Stops reading and closes; resolves when closed. */
  stop(): Promise<void>;
}
