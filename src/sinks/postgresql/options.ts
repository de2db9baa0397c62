/** The `exports.postgresql` keys, stated once: rows and the builder whose return type is `PostgresqlConfig`. */
import { outboxRows, urlAt } from '../outbox-options.js';
import {
  defineOptions,
  dropUndefined,
  type ConfigOf,
  type FieldSpec,
  type Values,
} from '../../config/spec.js';

export const POSTGRESQL_ROWS: readonly FieldSpec[] = [
  {
    path: 'exports.postgresql',
    kind: 'section',
    description:
      'PostgreSQL (or TimescaleDB): one row per telegram per meter, main readings as typed columns and all of them as jsonb, delivered through a durable outbox.',
  },
  {
    path: 'exports.postgresql.url',
    kind: 'string',
    example: 'postgresql://kaifareader@db.example:5432/meters',
    description:
      'Connection string postgresql://user@host:port/database (required); ?sslmode=require for TLS. Put the password in password, not here.',
  },
  {
    path: 'exports.postgresql.password',
    kind: 'secret',
    description: 'Database password. Never printed.',
  },
  {
    path: 'exports.postgresql.table',
    kind: 'string',
    default: 'kaifareader_readings',
    description: 'Table for the readings, created and migrated by kaifareader (letters, digits, _).',
  },
  {
    path: 'exports.postgresql.batch_size',
    kind: 'integer',
    min: 1,
    max: 3000,
    default: 500,
    description:
      'Telegrams per INSERT (one multi-row statement per batch; PostgreSQL allows 65 535 parameters, 21 per telegram).',
  },
  ...outboxRows('exports.postgresql', 'database'),
];

export const POSTGRESQL_OPTIONS = defineOptions(POSTGRESQL_ROWS, (v) => buildPostgresql(v));

export type PostgresqlConfig = ConfigOf<typeof POSTGRESQL_OPTIONS>;

const TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function buildPostgresql(v: Values) {
  if (!v.present('exports.postgresql')) return undefined;
  const url = v.need<string>(
    'exports.postgresql.url',
    'a connection string, e.g. "postgresql://user@host:5432/db"',
  );
  if (url === undefined) return undefined;
  const parsed = urlAt(
    v,
    'exports.postgresql.url',
    /^postgres(ql)?:$/,
    'postgresql://user@host:port/database (e.g. "postgresql://kaifareader@127.0.0.1:5432/meters")',
  );
  if (!parsed) return undefined;
  if (parsed.password)
    v.warn(
      'exports.postgresql.url: the password in the URL is printed by tools that show the URL — move it to exports.postgresql.password',
    );
  const table = v.def<string>('exports.postgresql.table');
  if (!TABLE.test(table)) {
    v.issue(
      'exports.postgresql.table',
      `must be a plain table name (letters, digits, _; at most 63), got "${table}"`,
    );
    return undefined;
  }
  return dropUndefined({
    url,
    password: v.get<string>('exports.postgresql.password'),
    table,
    batchSize: v.def<number>('exports.postgresql.batch_size'),
    outbox: { maxRows: v.def<number>('exports.postgresql.outbox.max_rows') },
  });
}
