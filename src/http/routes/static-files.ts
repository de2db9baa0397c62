/**
 * The dashboard's files: `/` (index.html), `/assets/…` from the package's `assets/` directory and `/vendor/…`
 * for uPlot, served from `node_modules/uplot/dist/` (resolved through Node's module resolution, so nothing is
 * fetched from the internet and no build step copies files). Files are read once and kept in memory; an ETag
 * lets browsers revalidate cheaply.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join, extname } from 'node:path';
import type { ServerResponse, IncomingMessage } from 'node:http';
import { sendBody, sendError } from '../respond.js';
import type { Route } from '../route.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** Vendor files: URL name → module specifier. */
const VENDOR: Readonly<Record<string, string>> = {
  'uplot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uplot.min.css': 'uplot/dist/uPlot.min.css',
};

interface Cached {
  body: Buffer;
  etag: string;
}
const cache = new Map<string, Promise<Cached | undefined>>();

function load(path: string): Promise<Cached | undefined> {
  let p = cache.get(path);
  if (!p) {
    p = readFile(path).then(
      (body) => ({ body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` }),
      () => undefined,
    );
    cache.set(path, p);
    // A missing file is not remembered, so a later install fixes it without a restart.
    void p.then((c) => c ?? cache.delete(path));
  }
  return p;
}

async function serveFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const type = CONTENT_TYPES[extname(path)];
  const file = type ? await load(path) : undefined;
  if (!type || !file) return false;
  res.setHeader('ETag', file.etag);
  if (req.headers['if-none-match'] === file.etag) {
    res.statusCode = 304;
    res.end();
    return true;
  }
  sendBody(res, 200, type, file.body, 'no-cache');
  return true;
}

/** Only plain relative names below the directory: no `..`, no hidden files, no backslashes. */
const SAFE_NAME = /^(?:[a-z0-9][a-z0-9_-]*\/)*[a-z0-9][a-z0-9._-]*$/i;

export const index: Route = {
  path: '/',
  async handle({ req, res, deps }) {
    if (!(await serveFile(req, res, join(deps.assetsDir, 'index.html')))) {
      sendError(res, 500, 'internal', `dashboard files missing in ${deps.assetsDir}: reinstall kaifareader`);
    }
  },
};

export const assets: Route = {
  path: '/assets/',
  prefix: true,
  async handle({ req, res, url, deps }) {
    const name = url.pathname.slice('/assets/'.length);
    const ok = SAFE_NAME.test(name) && !name.includes('..');
    if (!ok || !(await serveFile(req, res, join(deps.assetsDir, name)))) {
      sendError(res, 404, 'not_found', `no such file: ${url.pathname}`);
    }
  },
};

const requireFromHere = createRequire(import.meta.url);

export const vendor: Route = {
  path: '/vendor/',
  prefix: true,
  async handle({ req, res, url, deps }) {
    const specifier = VENDOR[url.pathname.slice('/vendor/'.length)];
    if (!specifier) {
      sendError(res, 404, 'not_found', `no such file: ${url.pathname}`);
      return;
    }
    let path: string | undefined;
    try {
      path = requireFromHere.resolve(specifier);
    } catch {
      path = undefined;
    }
    if (!path || !(await serveFile(req, res, path))) {
      deps.logger.error(`cannot find ${specifier}: the uplot package is missing, reinstall kaifareader`);
      sendError(res, 500, 'internal', 'chart library missing on the server: reinstall kaifareader');
    }
  },
};
