/**
 * The history sink as a plug-in: section `exports.history`; libsql (~7 MB) is loaded only when configured. The
 * sink offers its reader (`Sink.history`) to the dashboard and the JSON API.
 */
import { defineSink } from '../sink-entry.js';
import { HISTORY_OPTIONS, type HistoryConfig } from './options.js';

export const historySink = defineSink<'history', HistoryConfig>('history', HISTORY_OPTIONS, async () => {
  const { createHistorySink } = await import('./history-sink.js');
  return (config, ctx) =>
    createHistorySink(config, { logger: ctx.logger, timeZone: config.timeZone, now: ctx.now });
});
