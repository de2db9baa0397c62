/**
 * Delivery loop from the outbox to the broker: a small window of unacknowledged messages in id order.
 *
 * - `cursor` is the highest outbox id handed to the current connection; a new connection starts again at 0,
 *   i.e. from the oldest undelivered row (what was in flight when the connection broke is sent again).
 * - A row is deleted only in the publish callback without error (PUBACK for QoS 1, PUBCOMP for QoS 2).
 * - A callback error from a broker rejection (MQTT 5 reason code ≥ 0x80) would repeat for ever: the row is
 *   dropped and reported. Any other error (connection lost) leaves the row for the next connection.
 */
import type { BrokerConnection } from './mqtt-client.js';
import type { Outbox } from './outbox.js';
import type { QueuedMessage } from './types.js';

export interface Delivery {
  /** Sends what the window allows; call after enqueueing and on (re)connect. */
  pump(): void;
  /** A new connection: start again from the oldest undelivered row. */
  restart(): void;
  inFlight(): number;
  delivered(): number;
  /** Resolves when the outbox is empty, the connection is gone, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

export interface DeliveryOptions {
  outbox: Outbox;
  connection: () => BrokerConnection | undefined;
  window: number;
  onRejected: (message: QueuedMessage, err: Error) => void;
}

function isRejection(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' && code >= 0x80;
}

export function createDelivery(opts: DeliveryOptions): Delivery {
  let cursor = 0;
  let deliveredCount = 0;
  const inflight = new Set<number>();
  let pumping = false;
  let waiters: (() => void)[] = [];

  const settle = (): void => {
    if (waiters.length === 0) return;
    const conn = opts.connection();
    if (opts.outbox.size() === 0 || !conn?.connected) {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }
  };

  const done = (msg: QueuedMessage, err?: Error): void => {
    inflight.delete(msg.id);
    if (!err) {
      opts.outbox.remove(msg.id);
      deliveredCount += 1;
    } else if (isRejection(err)) {
      opts.outbox.remove(msg.id);
      opts.onRejected(msg, err);
    }
    pump();
    settle();
  };

  function pump(): void {
    const conn = opts.connection();
    if (pumping || !conn?.connected) return;
    pumping = true;
    try {
      while (conn.connected && inflight.size < opts.window) {
        const rows = opts.outbox.after(cursor, opts.window - inflight.size);
        if (rows.length === 0) break;
        for (const msg of rows) {
          cursor = msg.id;
          inflight.add(msg.id);
          conn.publish(msg, (err) => done(msg, err));
        }
      }
    } finally {
      pumping = false;
    }
  }

  return {
    pump,
    restart() {
      cursor = 0;
      inflight.clear();
      pump();
    },
    inFlight: () => inflight.size,
    delivered: () => deliveredCount,
    drain(timeoutMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        settle();
      });
    },
  };
}
