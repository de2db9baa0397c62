/**
 * AppConfig → a copy safe to print (`config check`, logs, status page): keys become `"<redacted, 16 bytes>"`,
 * passwords and tokens `"<redacted>"`, a password inside a broker URL too.
 */
import type { AppConfig } from './types.js';
import { redactUrl } from './values.js';

export const REDACTED = '<redacted>';

export function redactConfig(config: AppConfig): AppConfig {
  const c = structuredClone(config);
  if (c.key !== undefined) c.key = redactedKey(c.key);
  if (c.authKey !== undefined) c.authKey = redactedKey(c.authKey);
  const mqtt = c.exports.mqtt;
  if (mqtt) {
    mqtt.url = redactUrl(mqtt.url);
    if (mqtt.password !== undefined) mqtt.password = REDACTED;
  }
  if (c.http?.token !== undefined) c.http.token = REDACTED;
  if (c.http?.basicAuth) c.http.basicAuth.password = REDACTED;
  return c;
}

function redactedKey(hex: string): string {
  return `<redacted, ${Math.floor(hex.length / 2)} bytes>`;
}
