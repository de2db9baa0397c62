/**
 * Telegrams over MQTT, the pure part (no MQTT library: `describe()` and the config checks must not load it):
 * the URL's printable form and one message's payload → the telegram's bytes (topic filters: util/mqtt-topic.ts).
 */
import { topicOf } from '../util/mqtt-topic.js';

/** `mqtt://host:1883/topic` without user and password, for logs and status. */
export function describeMqtt(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${topicOf(url)}`;
  } catch {
    return 'mqtt (unparsable URL)';
  }
}

const HEX = /^[0-9a-fA-F\s]+$/;

/** One message → the telegram's bytes: binary as is, hex text, or JSON with a `hex`/`telegram`/`data` field. */
export function telegramBytes(payload: Uint8Array): Uint8Array | undefined {
  if (payload.length === 0) return undefined;
  const first = payload[0]!;
  // A binary telegram starts with a frame byte (68 M-Bus, 7E HDLC, 2F "/" DSMR, DB/0F/E0 bare APDUs); text starts
  // with a hex digit, whitespace or "{".
  const text =
    first === 0x7b || HEX.test(String.fromCharCode(first)) ? Buffer.from(payload).toString('utf8') : '';
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const hex = [json.hex, json.telegram, json.data].find((v) => typeof v === 'string') as
        string | undefined;
      return hex && HEX.test(hex) ? hexBytes(hex) : undefined;
    } catch {
      return undefined;
    }
  }
  if (text && HEX.test(text)) return hexBytes(text);
  return payload;
}

function hexBytes(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/\s+/g, '');
  return clean.length % 2 === 0 ? Uint8Array.from(Buffer.from(clean, 'hex')) : undefined;
}
