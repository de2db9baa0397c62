/** The PostgreSQL sink as a plug-in: section `exports.postgresql`; the `pg` client is loaded only when configured. */
import { defineSink } from '../sink-entry.js';
import { POSTGRESQL_OPTIONS, type PostgresqlConfig } from './options.js';

export const postgresqlSink = defineSink<'postgresql', PostgresqlConfig>(
  'postgresql',
  POSTGRESQL_OPTIONS,
  async () => {
    const { createPostgresqlSink } = await import('./postgresql-sink.js');
    return (config, ctx) =>
      createPostgresqlSink(config, { logger: ctx.logger, dataDir: ctx.dataDir, now: ctx.now });
  },
);
