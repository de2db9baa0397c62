/** The Solarview sink as a plug-in: section `exports.solarview`, loaded only when configured. */
import { defineSink } from '../sink-entry.js';
import { SOLARVIEW_OPTIONS, type SolarviewConfig } from './options.js';

export const solarviewSink = defineSink<'solarview', SolarviewConfig>(
  'solarview',
  SOLARVIEW_OPTIONS,
  async () => {
    const { createSolarviewSink } = await import('./solarview-sink.js');
    return (config, ctx) => createSolarviewSink(config, ctx.logger.child('solarview'), { now: ctx.now });
  },
);
