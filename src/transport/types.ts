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

export interface ByteSource {
  /** Human-readable description without secrets: `/dev/ttyUSB0 2400 8N1`, `tcp://host:2000`, `replay capture.hex`. */
  describe(): string;
  /** Starts reading; `onData` gets chunks of any size and boundary. */
  start(onData: (chunk: Uint8Array) => void, onState?: (state: SourceState) => void): void;
  /** Stops reading and closes; resolves when closed. */
  stop(): Promise<void>;
}
