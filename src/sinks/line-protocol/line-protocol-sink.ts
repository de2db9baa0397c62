/**
 * The line-protocol sink: every telegram becomes one line (lines.ts) in the durable outbox
 * (`<dataDir>/line-protocol-outbox.db`) and is POSTed in batches, gzip-compressed, to the write endpoint:
 *   InfluxDB 1.x       http://host:8086/write?db=<database>        (the database must exist)
 *   InfluxDB 2/3       http://host:8086/api/v2/write?org=&bucket=  Authorization: Token <token>
 *   VictoriaMetrics    http://host:8428/write  (also serves /api/v2/write)
 * Nanosecond timestamps from the receive time, so a batch delivered hours late keeps its times. 2xx = stored;
 * 400/413/422 = the server refuses the data itself (a field type conflict): that batch is dropped and counted
 * (retrying cannot help); 401/403/404 and network errors = an outage: kept and retried with backoff.
 * node:http(s) (not fetch: see http-post.ts) and zlib: no extra dependency.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../../log/logger.js';
import type { MeterSnapshot } from '../../model/snapshot.js';
import type { Sink } from '../sink.js';
import { createOutboxDelivery, type PeerError } from '../outbox-delivery.js';
import type { LineProtocolConfig } from './options.js';
import { toLine } from './lines.js';
import { postBody } from './http-post.js';

export const LINE_PROTOCOL_OUTBOX_FILE = 'line-protocol-outbox.db';
const REQUEST_TIMEOUT_MS = 15_000;

export interface LineProtocolSinkOptions {
  logger: Logger;
  dataDir: string;
  now?: () => number;
  backoff?: { minMs: number; maxMs: number };
}

/** The request URL with the query parameters the server kind needs. */
export function writeUrl(cfg: LineProtocolConfig): URL {
  const u = new URL(cfg.url);
  const v2 = /\/api\/v2\/write\/?$/.test(u.pathname);
  if (v2) {
    if (cfg.org) u.searchParams.set('org', cfg.org);
    if (cfg.bucket) u.searchParams.set('bucket', cfg.bucket);
    u.searchParams.set('precision', 'ns');
  } else {
    if (cfg.database) u.searchParams.set('db', cfg.database);
    u.searchParams.set('precision', 'ns');
  }
  return u;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

function where(cfg: LineProtocolConfig): string {
  const u = new URL(cfg.url);
  return `${u.host}${u.pathname}`;
}

export function explainLineProtocolError(e: unknown, cfg: LineProtocolConfig): PeerError {
  const at = where(cfg);
  if (e instanceof HttpRefusal) {
    const detail = e.body.replace(/\s+/g, ' ').trim().slice(0, 200);
    if (e.status === 401 || e.status === 403)
      return {
        kind: 'auth',
        message: `${at} refused the credentials (HTTP ${e.status}): check exports.line_protocol.token or username/password`,
      };
    if (e.status === 404 && /database not found/i.test(e.body))
      return {
        kind: 'no-database',
        message: `${at}: the database ${cfg.database ?? ''} does not exist — create it: curl -XPOST 'http://${new URL(cfg.url).host}/query' --data-urlencode 'q=CREATE DATABASE "${cfg.database ?? 'kaifareader'}"'`,
      };
    if (e.status === 404)
      return {
        kind: 'not-found',
        message: `${at} has no such write endpoint (HTTP 404): check exports.line_protocol.url`,
      };
    if (e.status === 400 || e.status === 413 || e.status === 422)
      return {
        kind: 'refused-data',
        message: `${at} refused the data (HTTP ${e.status}: ${detail})`,
        permanent: true,
      };
    return { kind: `http-${e.status}`, message: `${at} answered HTTP ${e.status}: ${detail}` };
  }
  const err = e as { cause?: { code?: string }; code?: string; name?: string; message?: string };
  const code = err.cause?.code ?? err.code;
  if (code === 'ECONNREFUSED')
    return { kind: 'refused', message: `${at} refuses connections: is the server running there?` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { kind: 'dns', message: `the host of ${at} is not known: check exports.line_protocol.url` };
  if (err.name === 'TimeoutError' || code === 'ETIMEDOUT')
    return { kind: 'timeout', message: `${at} does not answer: check the network and firewall` };
  return { kind: code ?? 'error', message: `${at}: ${err.message ?? String(e)}` };
}

export function createLineProtocolSink(cfg: LineProtocolConfig, opts: LineProtocolSinkOptions): Sink {
  const log = opts.logger.child('line-protocol');
  const url = writeUrl(cfg);
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (cfg.gzip) headers['content-encoding'] = 'gzip';
  if (cfg.token) headers.authorization = `Token ${cfg.token}`;
  else if (cfg.username !== undefined)
    headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${cfg.password ?? ''}`).toString('base64')}`;
  const delivery = createOutboxDelivery({
    what: 'line protocol',
    path: join(opts.dataDir, LINE_PROTOCOL_OUTBOX_FILE),
    maxItems: cfg.outbox.maxRows,
    batchSize: cfg.batchSize,
    log,
    now: opts.now ?? Date.now,
    backoff: opts.backoff,
    backMessage: `${where(cfg)} is back`,
    explain: (e) => explainLineProtocolError(e, cfg),
    async send(batch) {
      const text = batch.join('\n') + '\n';
      const res = await postBody(url, headers, cfg.gzip ? gzipSync(text) : text, REQUEST_TIMEOUT_MS);
      if (res.status < 200 || res.status > 299) throw new HttpRefusal(res.status, res.body);
    },
  });
  return {
    name: 'line_protocol',
    async start() {
      delivery.start();
    },
    handle(snapshot: MeterSnapshot) {
      const line = toLine(cfg.measurement, snapshot);
      if (line) delivery.enqueue([line]);
    },
    stop: () => delivery.stop(),
    status: () => delivery.status(),
  };
}
