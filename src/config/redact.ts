/**
 * AppConfig → a copy safe to print (`config check`, logs, status page): passwords and tokens become
 * `"<redacted>"`, a password inside a broker URL too. The meters' keys are `Key` objects, which redact themselves
 * in JSON, text and `util.inspect`; the copy keeps them as they are (structuredClone would turn a Key into a plain
 * object with its bytes).
 */
import type { AppConfig } from './types.js';
import { redactUrl } from './values.js';

export const REDACTED = '<redacted>';

export function redactConfig(config: AppConfig): AppConfig {
  const { meters, ...rest } = config;
  const c: AppConfig = { ...structuredClone(rest), meters: meters.map((m) => ({ ...m })) };
  const mqtt = c.exports.mqtt;
  if (mqtt) {
    mqtt.url = redactUrl(mqtt.url);
    if (mqtt.password !== undefined) mqtt.password = REDACTED;
  }
  if (c.http?.token !== undefined) c.http.token = REDACTED;
  if (c.http?.basicAuth) c.http.basicAuth.password = REDACTED;
  return c;
}
