/** The `exports.line_protocol` keys, stated once: rows and the builder whose return type is `LineProtocolConfig`. */
import { outboxRows, urlAt } from '../outbox-options.js';
import {
  defineOptions,
  dropUndefined,
  type ConfigOf,
  type FieldSpec,
  type Values,
} from '../../config/spec.js';

export const LINE_PROTOCOL_ROWS: readonly FieldSpec[] = [
  {
    path: 'exports.line_protocol',
    kind: 'section',
    description:
      'InfluxDB line protocol over HTTP (InfluxDB 1.x /write, InfluxDB 2/3 /api/v2/write, VictoriaMetrics /write), through a durable outbox.',
  },
  {
    path: 'exports.line_protocol.url',
    kind: 'string',
    example: 'http://127.0.0.1:8428/write',
    description:
      'Write endpoint (required): http://host:8086/write (InfluxDB 1.x, with database), http://host:8086/api/v2/write (InfluxDB 2/3, with org, bucket, token), http://host:8428/write (VictoriaMetrics).',
  },
  { path: 'exports.line_protocol.database', kind: 'string', description: 'InfluxDB 1.x database (?db=).' },
  { path: 'exports.line_protocol.org', kind: 'string', description: 'InfluxDB 2/3 organisation (?org=).' },
  { path: 'exports.line_protocol.bucket', kind: 'string', description: 'InfluxDB 2/3 bucket (?bucket=).' },
  {
    path: 'exports.line_protocol.token',
    kind: 'secret',
    description: 'InfluxDB 2/3 API token (Authorization: Token …). Never printed.',
  },
  {
    path: 'exports.line_protocol.username',
    kind: 'string',
    description: 'User for HTTP basic auth (InfluxDB 1.x with auth, VictoriaMetrics -httpAuth.*).',
  },
  {
    path: 'exports.line_protocol.password',
    kind: 'secret',
    description: 'Password for HTTP basic auth. Never printed.',
  },
  {
    path: 'exports.line_protocol.measurement',
    kind: 'string',
    default: 'kaifareader',
    description: 'Measurement name (VictoriaMetrics: the metric name prefix, kaifareader_energy_import_wh).',
  },
  {
    path: 'exports.line_protocol.batch_size',
    kind: 'integer',
    min: 1,
    max: 50_000,
    default: 1000,
    description: 'Telegrams per HTTP request.',
  },
  {
    path: 'exports.line_protocol.gzip',
    kind: 'boolean',
    default: true,
    description: 'Send the body gzip-compressed (every supported server accepts it).',
  },
  ...outboxRows('exports.line_protocol', 'server'),
];

export const LINE_PROTOCOL_OPTIONS = defineOptions(LINE_PROTOCOL_ROWS, (v) => buildLineProtocol(v));

export type LineProtocolConfig = ConfigOf<typeof LINE_PROTOCOL_OPTIONS>;

const P = 'exports.line_protocol';

function buildLineProtocol(v: Values) {
  if (!v.present(P)) return undefined;
  const url = v.need<string>(`${P}.url`, 'the write endpoint, e.g. "http://127.0.0.1:8428/write"');
  if (url === undefined) return undefined;
  const parsed = urlAt(
    v,
    `${P}.url`,
    /^https?:$/,
    'an http:// or https:// write endpoint (e.g. "http://127.0.0.1:8428/write")',
  );
  if (!parsed) return undefined;
  const v2 = /\/api\/v2\/write\/?$/.test(parsed.pathname);
  const cfg = dropUndefined({
    url,
    database: v.get<string>(`${P}.database`),
    org: v.get<string>(`${P}.org`),
    bucket: v.get<string>(`${P}.bucket`),
    token: v.get<string>(`${P}.token`),
    username: v.get<string>(`${P}.username`),
    password: v.get<string>(`${P}.password`),
    measurement: v.def<string>(`${P}.measurement`),
    batchSize: v.def<number>(`${P}.batch_size`),
    gzip: v.def<boolean>(`${P}.gzip`),
    outbox: { maxRows: v.def<number>(`${P}.outbox.max_rows`) },
  });
  if (v2 && !cfg.bucket) v.issue(`${P}.bucket`, 'required for /api/v2/write: the bucket to write to');
  if (!v2 && /:8086$|:8086\//.test(url) && !cfg.database)
    v.issue(
      `${P}.database`,
      'required for InfluxDB 1.x /write: the database (create it first, see docs/line-protocol.md)',
    );
  if (cfg.password !== undefined && cfg.username === undefined)
    v.issue(`${P}.username`, 'required with password (HTTP basic auth)');
  return cfg;
}
