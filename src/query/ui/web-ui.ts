// Serves the querier's web UI (built by Vite into dist/web): `/` redirects to `/graph`; `/graph`, `/alerts`,
// `/rules`, `/targets`, `/stores` and `/status` answer the single-page app; `/static/*` serves the hashed bundles,
// cached forever; all under the route prefix.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nopLogger, type Logger } from '../../runtime/logger.js';

export interface WebUiOptions {
  /** --web.route-prefix: where the server mounts the UI and API ('' or '/path'). */
  readonly routePrefix: string;
  /** --web.external-prefix: the path a browser sees (behind a reverse proxy); '' means the route prefix. */
  readonly externalPrefix: string;
  /** --web.prefix-header: a request header whose value, when present, replaces the external prefix. */
  readonly prefixHeader?: string;
  /** The built UI; defaults to dist/web of this package. */
  readonly assetsDir?: string;
  readonly logger?: Logger;
}

/** The pages of the single-page app; the client routes between them. */
export const UI_PAGES = ['/graph', '/alerts', '/rules', '/targets', '/stores', '/status'] as const;

/** Placeholders in the built index.html that the server fills per request. */
const PREFIX_PLACEHOLDER = '__THANOS_WEB_PREFIX__';
const STATIC_REF = '"./static/';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** dist/web of this package: src/query/ui and dist/query/ui are both three levels below the package root. */
export function defaultAssetsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'web');
}

/** '', '/' and 'x/' become '' and '/x': the form the routes are joined with. */
export function normalizeWebPrefix(prefix: string): string {
  let p = prefix.trim();
  if (p === '' || p === '/') return '';
  if (!p.startsWith('/')) p = '/' + p;
  return p.replace(/\/+$/, '');
}

/** Upstream's GetWebPrefix: the prefix header wins when set, but only a clean absolute path is trusted. */
export function webPrefixFor(headerValue: string | undefined, externalPrefix: string, routePrefix: string): string {
  const fallback = externalPrefix !== '' ? externalPrefix : routePrefix;
  if (headerValue === undefined || headerValue === '') return fallback;
  const p = normalizeWebPrefix(headerValue);
  return p === '' || /^(\/[A-Za-z0-9._~-]+)+$/.test(p) ? p : fallback;
}

interface StaticFile {
  readonly body: Buffer;
  /** Compressed once at start-up for text assets (the bundle shrinks to about a third). */
  readonly gzip: Buffer | undefined;
  readonly type: string;
}

/** Registers the UI routes on `app`. Missing assets (the UI was not built) make the UI routes answer 503 with why. */
export function registerWebUi(app: FastifyInstance, opts: WebUiOptions): void {
  const logger = opts.logger ?? nopLogger;
  const route = normalizeWebPrefix(opts.routePrefix);
  const external = normalizeWebPrefix(opts.externalPrefix);
  const dir = opts.assetsDir ?? defaultAssetsDir();
  const indexPath = path.join(dir, 'index.html');
  const built = existsSync(indexPath);
  if (!built) logger.warn('web UI assets not found; run `npm run build`', { dir });
  const index = built ? readFileSync(indexPath, 'utf8') : '';
  const files = built ? loadStatic(path.join(dir, 'static')) : new Map<string, StaticFile>();

  const prefixOf = (req: FastifyRequest): string => {
    const h = opts.prefixHeader ? req.headers[opts.prefixHeader.toLowerCase()] : undefined;
    return webPrefixFor(typeof h === 'string' ? h : undefined, external, route);
  };
  const notBuilt = (reply: FastifyReply): FastifyReply => reply.code(503).type('text/plain; charset=utf-8')
    .send(`web UI assets not found in ${dir}: run \`npm run build\``);

  const redirect = (req: FastifyRequest, reply: FastifyReply): FastifyReply => reply.redirect(`${prefixOf(req)}/graph`, 302);
  app.get(route === '' ? '/' : route, redirect);
  if (route !== '') app.get(`${route}/`, redirect);

  const page = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (!built) return notBuilt(reply);
    const prefix = prefixOf(req);
    const html = index.replaceAll(PREFIX_PLACEHOLDER, escapeAttr(prefix)).replaceAll(STATIC_REF, `"${escapeAttr(prefix)}/static/`);
    return reply.header('cache-control', NO_CACHE).type('text/html; charset=utf-8').send(html);
  };
  for (const p of UI_PAGES) app.get(route + p, page);

  app.get(`${route}/static/*`, (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    const f = files.get(name);
    if (!f) {
      if (!built) return notBuilt(reply);
      return reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n');
    }
    reply.header('cache-control', IMMUTABLE).header('vary', 'accept-encoding').type(f.type);
    if (f.gzip && acceptsGzip(req.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(f.gzip);
    return reply.send(f.body);
  });
}

/** Reads every built asset once: the set is small, and serving only known names rules out path traversal. */
function loadStatic(dir: string): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full).split(path.sep).join('/');
    const body = readFileSync(full);
    const type = CONTENT_TYPES[path.extname(entry.name)] ?? 'application/octet-stream';
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
    out.set(rel, { body, gzip: compressible ? gzipSync(body) : undefined, type });
  }
  return out;
}

function acceptsGzip(header: string | string[] | undefined): boolean {
  const v = Array.isArray(header) ? header.join(',') : header ?? '';
  return v.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    return (coding === 'gzip' || coding === '*') && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
