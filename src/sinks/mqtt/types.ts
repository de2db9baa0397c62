/** One message the MQTT sink publishes. Payloads are UTF-8 text (JSON or a bare value). */
export interface OutgoingMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A queued message as stored in the outbox, with its QoS and the time it was created (ms since epoch). */
export interface QueuedMessage extends OutgoingMessage {
  id: number;
  qos: 0 | 1 | 2;
  createdAt: number;
}
