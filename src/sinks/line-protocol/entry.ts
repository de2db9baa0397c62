/** The line-protocol sink (InfluxDB, VictoriaMetrics) as a plug-in: section `exports.line_protocol`. */
import { defineSink } from '../sink-entry.js';
import { LINE_PROTOCOL_OPTIONS, type LineProtocolConfig } from './options.js';

export const lineProtocolSink = defineSink<'line_protocol', LineProtocolConfig>(
  'line_protocol',
  LINE_PROTOCOL_OPTIONS,
  async () => {
    const { createLineProtocolSink } = await import('./line-protocol-sink.js');
    return (config, ctx) =>
      createLineProtocolSink(config, { logger: ctx.logger, dataDir: ctx.dataDir, now: ctx.now });
  },
);
