// registerWebUi on a bare fastify app: redirects and pages under route/external/header prefixes, caching headers,
// only built assets served, a clear 503 when the UI was not built; plus the real dist/web that `npm run build` made.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultAssetsDir, registerWebUi, webPrefixFor, type WebUiOptions } from '../../../src/query/ui/web-ui.js';

const INDEX = '<html><head><meta name="thanos-web-prefix" content="__THANOS_WEB_PREFIX__">'
  + '<script type="module" src="./static/index-abc123.js"></script></head><body></body></html>';

let assets: string;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  assets = await mkdtemp(path.join(os.tmpdir(), 'web-ui-'));
  await mkdir(path.join(assets, 'static'));
  await writeFile(path.join(assets, 'index.html'), INDEX);
  await writeFile(path.join(assets, 'static', 'index-abc123.js'), 'console.log(1)');
  await writeFile(path.join(assets, 'static', 'index-abc123.css'), 'body{}');
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

afterAll(async () => {
  await rm(assets, { recursive: true, force: true });
});

function build(opts: Partial<WebUiOptions> = {}): FastifyInstance {
  app = Fastify();
  registerWebUi(app, { routePrefix: '', externalPrefix: '', assetsDir: assets, ...opts });
  return app;
}

describe('registerWebUi', () => {
  it.each([
    { name: 'no prefix', opts: {}, url: '/', location: '/graph' },
    { name: 'route prefix', opts: { routePrefix: '/thanos' }, url: '/thanos', location: '/thanos/graph' },
    { name: 'route prefix with slash', opts: { routePrefix: 'thanos/' }, url: '/thanos/', location: '/thanos/graph' },
    { name: 'external prefix', opts: { routePrefix: '/thanos', externalPrefix: '/ext' }, url: '/thanos', location: '/ext/graph' },
  ])('redirects to /graph ($name)', async ({ opts, url, location }) => {
    const res = await build(opts).inject({ url });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(location);
  });

  it('serves every page with the prefix filled in and no-cache', async () => {
    const a = build({ routePrefix: '/thanos', externalPrefix: '/ext' });
    for (const page of ['/graph', '/alerts', '/rules', '/targets', '/stores', '/status']) {
      const res = await a.inject({ url: `/thanos${page}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('content="/ext"');
      expect(res.body).toContain('src="/ext/static/index-abc123.js"');
    }
    expect((await a.inject({ url: '/graph' })).statusCode).toBe(404);
  });

  it('takes the prefix from --web.prefix-header when it is a clean path', async () => {
    const a = build({ prefixHeader: 'X-Forwarded-Prefix' });
    const ok = await a.inject({ url: '/', headers: { 'x-forwarded-prefix': '/proxied/thanos/' } });
    expect(ok.headers.location).toBe('/proxied/thanos/graph');
    const page = await a.inject({ url: '/graph', headers: { 'x-forwarded-prefix': '/proxied' } });
    expect(page.body).toContain('content="/proxied"');
    for (const bad of ['//evil.example', '/a"><script>', 'http://x/']) {
      const res = await a.inject({ url: '/', headers: { 'x-forwarded-prefix': bad } });
      expect(res.headers.location).toBe('/graph');
    }
    expect(webPrefixFor(undefined, '', '/r')).toBe('/r');
    expect(webPrefixFor('', '/e', '/r')).toBe('/e');
  });

  it('serves hashed assets as immutable with their content type, and nothing else', async () => {
    const a = build({ routePrefix: '/thanos' });
    const js = await a.inject({ url: '/thanos/static/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    const css = await a.inject({ url: '/thanos/static/index-abc123.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    for (const url of ['/thanos/static/missing.js', '/thanos/static/../index.html', '/thanos/static/%2e%2e/index.html']) {
      expect((await a.inject({ url })).statusCode, url).toBe(404);
    }
  });

  it('answers 503 naming the fix when the UI was not built', async () => {
    const a = build({ assetsDir: path.join(assets, 'nowhere') });
    const res = await a.inject({ url: '/graph' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    expect((await a.inject({ url: '/' })).statusCode).toBe(302);
  });

  it('serves the UI that `npm run build` put in dist/web', async () => {
    const dir = defaultAssetsDir();
    expect(existsSync(path.join(dir, 'index.html')), `${dir}/index.html (run npm run build)`).toBe(true);
    app = Fastify();
    registerWebUi(app, { routePrefix: '', externalPrefix: '' });
    const page = await app.inject({ url: '/graph' });
    expect(page.statusCode).toBe(200);
    const refs = [...page.body.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    expect(refs.length).toBe(readdirSync(path.join(dir, 'static')).length);
    for (const ref of refs) {
      const res = await app.inject({ url: ref });
      expect(res.statusCode, ref).toBe(200);
      expect(res.headers['cache-control']).toContain('immutable');
      const gz = await app.inject({ url: ref, headers: { 'accept-encoding': 'gzip, deflate' } });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.rawPayload).equals(res.rawPayload)).toBe(true);
      expect(gz.rawPayload.length).toBeLessThan(res.rawPayload.length);
    }
    const refused = await app.inject({ url: refs[0]!, headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    // Nothing is fetched from elsewhere: no CDN URLs in the page.
    expect(page.body).not.toMatch(/(?:src|href)="https?:/);
  });
});
