/** The MQTT sink as a plug-in: section `exports.mqtt`; the mqtt client (~15 MB) is loaded only when configured. */
import { defineSink } from '../sink-entry.js';
import { MQTT_OPTIONS, type MqttConfig } from './options.js';

export const mqttSink = defineSink<'mqtt', MqttConfig>('mqtt', MQTT_OPTIONS, async () => {
  const { createMqttSink } = await import('./mqtt-sink.js');
  return (config, ctx) =>
    createMqttSink(config, {
      logger: ctx.logger,
      dataDir: ctx.dataDir,
      status: ctx.status,
      now: ctx.now,
      timeZone: ctx.timeZone,
    });
});
