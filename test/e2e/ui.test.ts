// The querier's web UI in a real browser (Debian's Chromium via playwright-core) against a running thanos-ts query over
// two Prometheus 2.42 replicas with thanos-ts sidecars and a thanos-ts store gateway over one block: table, graph,
// dedup, stores, status, parse errors, completion, warnings. Screenshots land in test-output/ui/.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withThanosSection } from '../../src/block/meta.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { uploadBlock } from '../../src/shipper/upload.js';
import { BlockWriter } from '../../src/tsdb/block/writer.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import { launchChromium, screenshotDir } from '../support/browser.js';
import {
  startExporter, startProm, startQuery, startSidecar, startThanos, tempWorkDir, type Exporter, type Prom, type ThanosProc,
} from '../query/support/ha-cluster.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('query web UI in Chromium', () => {
  let work: string;
  let exporter: Exporter;
  const proms: Prom[] = [];
  const sidecars: ThanosProc[] = [];
  let store: ThanosProc;
  let query: ThanosProc;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    shots = await screenshotDir('ui');
    browser = await launchChromium();
    work = await tempWorkDir('ui-e2e-');
    exporter = await startExporter();
    proms.push(...await Promise.all(['0', '1'].map((r) => startProm(work, `prometheus-${r}`, r, exporter.url))));
    sidecars.push(...await Promise.all(proms.map((p, i) => startSidecar(work, `sidecar-${i}`, p))));
    store = await startStoreGateway(work);
    query = await startQuery(work, 'query', [...sidecars.map((s) => s.grpcAddress), store.grpcAddress], ['--query.replica-label=replica']);
    await sleep(5000); // a few scrapes (1s interval) so ranges have points
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of [query, store, ...sidecars].reverse()) await p?.proc.stop();
    for (const p of proms) await p.proc.stop();
    await exporter?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  /** Replaces the expression of the first panel and runs it with the Execute button. */
  async function runExpr(expr: string): Promise<void> {
    await page.locator('.panel .cm-content').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(expr);
    await page.keyboard.press('Escape'); // close the completion popup
    await page.locator('.panel button.execute').first().click();
  }

  const rows = (): ReturnType<Page['locator']> => page.locator('.panel .result table.data-table tbody tr');

  it('redirects / to /graph and shows a table with one row per deduplicated series', async () => {
    await page.goto(`${query.httpUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/graph');
    await runExpr('demo_gauge');
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(3);
    const text = await rows().allInnerTexts();
    expect(text.join('\n')).toContain('kind="a"');
    expect(text.join('\n')).not.toContain('replica=');
  });

  it('shows the replica series when deduplication is unticked', async () => {
    await page.locator('.panel input[name="dedup"]').uncheck();
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(6);
    const text = (await rows().allInnerTexts()).join('\n');
    expect(text).toContain('replica="0"');
    expect(text).toContain('replica="1"');
    expect(new URL(page.url()).searchParams.get('g0.deduplicate')).toBe('0');
    await page.screenshot({ path: path.join(shots, 'table-no-dedup.png'), fullPage: true });
    await page.locator('.panel input[name="dedup"]').check();
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(3);
  });

  it('draws the range result on the Graph tab, and a copied URL reproduces the view', async () => {
    await page.goto(`${query.httpUrl}/graph`);
    await runExpr('demo_counter_total');
    await page.locator('.panel button.tab[data-tab="graph"]').click();
    await page.locator('.panel input[name="range_input"]').fill('1m');
    await page.locator('.panel input[name="range_input"]').press('Enter');
    const canvas = page.locator('.panel .chart canvas').first();
    await canvas.waitFor({ timeout: 15_000 });
    await expect.poll(() => inkedPixels(page), { timeout: 15_000 }).toBeGreaterThan(200);
    // uPlot's legend names each series.
    await expect.poll(async () => (await page.locator('.panel .u-legend').innerText()).includes('kind="c"')).toBe(true);
    // Hovering the plot puts each series' value at that time into the legend.
    const over = await page.locator('.panel .chart .u-over').boundingBox();
    await page.mouse.move(over!.x + over!.width * 0.8, over!.y + over!.height / 2);
    await expect.poll(async () => page.locator('.panel .u-legend .u-series .u-value').allInnerTexts(), { timeout: 5000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/^\d+$/)]));
    await page.screenshot({ path: path.join(shots, 'graph.png'), fullPage: true });
    const before = await inkedPixels(page);
    await page.locator('.panel input[name="stacked"]').check();
    await expect.poll(() => inkedPixels(page), { timeout: 15_000 }).toBeGreaterThan(before * 2); // filled areas
    expect(new URL(page.url()).searchParams.get('g0.stacked')).toBe('1');
    await page.screenshot({ path: path.join(shots, 'graph-stacked.png'), fullPage: true });
    await page.locator('.panel input[name="stacked"]').uncheck();

    const url = page.url();
    const params = new URL(url).searchParams;
    expect(params.get('g0.expr')).toBe('demo_counter_total');
    expect(params.get('g0.tab')).toBe('0');
    expect(params.get('g0.range_input')).toBe('1m');
    const copy = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await copy.goto(url);
      await copy.locator('.panel .chart canvas').first().waitFor({ timeout: 15_000 });
      await expect.poll(() => inkedPixels(copy), { timeout: 15_000 }).toBeGreaterThan(200);
      expect(await copy.locator('.panel input[name="range_input"]').inputValue()).toBe('1m');
    } finally {
      await copy.close();
    }
  });

  it('shows Prometheus\'s parse error inline for an invalid query', async () => {
    await page.goto(`${query.httpUrl}/graph`);
    for (const expr of ['1 +', 'rate(demo_gauge)']) {
      const api = await (await fetch(`${query.httpUrl}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`)).json() as { errorType: string; error: string };
      expect(api.errorType).toBe('bad_data');
      await runExpr(expr);
      const alert = page.locator('.panel .messages .alert-error');
      await alert.waitFor({ timeout: 15_000 });
      expect(await alert.innerText()).toBe(`Error executing query: ${api.error}`);
      expect(api.error).toContain('parse error');
    }
  });

  it('completes metric names from the querier\'s API', async () => {
    await page.goto(`${query.httpUrl}/graph`);
    await page.locator('.panel .cm-content').first().click();
    await page.keyboard.type('demo_ga');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await expect.poll(async () => (await options.allInnerTexts()).join('\n'), { timeout: 15_000 }).toContain('demo_gauge');
  });

  it('queries the store gateway\'s block too', async () => {
    await page.goto(`${query.httpUrl}/graph`);
    await runExpr('archived_requests_total');
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(2);
    expect((await rows().allInnerTexts()).join('\n')).toContain('cluster="archive"');
  });

  it('keeps several panels on one page, each in the URL', async () => {
    await page.goto(`${query.httpUrl}/graph?${new URLSearchParams({ 'g0.expr': 'demo_gauge', 'g0.tab': '1' }).toString()}`);
    await page.locator('button.add-panel').click();
    const second = page.locator('.panel').nth(1);
    await second.locator('.cm-content').click();
    await page.keyboard.type('count(demo_gauge)');
    await page.keyboard.press('Escape');
    await second.locator('button.execute').click();
    await expect.poll(() => second.locator('.result tbody tr').count(), { timeout: 15_000 }).toBe(1);
    expect(new URL(page.url()).searchParams.get('g1.expr')).toBe('count(demo_gauge)');
    await page.reload();
    await expect.poll(() => page.locator('.panel .result tbody tr').count(), { timeout: 15_000 }).toBe(3 + 1);
    expect(await page.locator('.panel').nth(1).locator('.result td.value').innerText()).toBe('3');
  });

  it('lists every endpoint on /stores with its external labels', async () => {
    await page.goto(`${query.httpUrl}/stores`);
    const section = page.locator('section.store-type[data-type="sidecar"]');
    await section.waitFor({ timeout: 15_000 });
    for (const [i, s] of sidecars.entries()) {
      const row = section.locator(`tr.store[data-endpoint="${s.grpcAddress}"]`);
      expect(await row.locator('.badge').innerText()).toBe('UP');
      const labels = await row.locator('.label-sets .label').allInnerTexts();
      expect(labels.sort()).toEqual(['cluster="c"', `replica="${i}"`]);
    }
    const gateway = page.locator(`section.store-type[data-type="store"] tr.store[data-endpoint="${store.grpcAddress}"]`);
    expect((await gateway.locator('.label-sets .label').allInnerTexts()).sort()).toEqual(['cluster="archive"', 'replica="0"']);
    expect(await page.locator('section.store-type').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))).toEqual(['sidecar', 'store']);
    await page.screenshot({ path: path.join(shots, 'stores.png'), fullPage: true });
  });

  it('shows build information and flags on /status', async () => {
    await page.goto(`${query.httpUrl}/status`);
    const flags = page.locator('table.kv').nth(1);
    await flags.waitFor({ timeout: 15_000 });
    const text = await flags.innerText();
    expect(text).toMatch(/query\.replica-label\s+replica/);
    expect(await page.locator('table.kv').first().innerText()).toMatch(/version\s+\d+\.\d+\.\d+/);
    await page.screenshot({ path: path.join(shots, 'status.png'), fullPage: true });
  });

  it('works under --web.external-prefix, which --web.route-prefix defaults to', async () => {
    const prefixed = await startThanos(work, 'query-prefixed', [
      'query', ...sidecars.map((sc) => `--endpoint=${sc.grpcAddress}`), '--query.replica-label=replica', '--web.external-prefix=/thanos',
    ]);
    try {
      await page.goto(`${prefixed.httpUrl}/thanos/`);
      expect(new URL(page.url()).pathname).toBe('/thanos/graph');
      await runExpr('demo_gauge');
      await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(3);
      expect(await page.locator('nav a', { hasText: 'Stores' }).getAttribute('href')).toBe('/thanos/stores');
    } finally {
      await prefixed.proc.stop();
    }
  });

  it('shows a store failure as a warning above the result with partial response, and as an error without', async () => {
    await sidecars[1]!.proc.stop();
    await page.goto(`${query.httpUrl}/graph?${new URLSearchParams({ 'g0.expr': 'demo_gauge', 'g0.tab': '1', 'g0.partial_response': '1' }).toString()}`);
    const warning = page.locator('.panel .messages .alert-warning');
    await warning.first().waitFor({ timeout: 20_000 });
    expect(await warning.first().innerText()).toContain(sidecars[1]!.grpcAddress);
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(3);
    // The warning sits above the table.
    const [w, t] = await Promise.all([warning.first().boundingBox(), page.locator('.panel .result table').boundingBox()]);
    expect(w!.y).toBeLessThan(t!.y);

    await page.locator('.panel input[name="partial_response"]').uncheck();
    const error = page.locator('.panel .messages .alert-error');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.innerText()).toMatch(/^Error executing query: /);
    expect(await rows().count()).toBe(0);

    // The querier checks its endpoints every 5s; the page shows what it knew when loaded.
    const row = page.locator(`tr.store[data-endpoint="${sidecars[1]!.grpcAddress}"]`);
    await expect.poll(async () => {
      await page.goto(`${query.httpUrl}/stores`);
      return row.locator('.badge').innerText();
    }, { timeout: 20_000, interval: 1000 }).toBe('DOWN');
    expect(await row.locator('.last-error').innerText()).not.toBe('');
    await page.screenshot({ path: path.join(shots, 'stores-down.png'), fullPage: true });
  });

  it('ran every page without a script error', () => {
    expect(pageErrors).toEqual([]);
  });
});

/** How many pixels of the first chart canvas carry ink (uPlot's canvas is transparent where nothing is drawn). */
async function inkedPixels(p: Page): Promise<number> {
  // A string, not a function: the test project has no DOM types.
  return Number(await p.evaluate(`(() => {
    const c = document.querySelector('.panel .chart canvas');
    const ctx = c && c.getContext('2d');
    if (!c || !ctx || c.width === 0) return 0;
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;
  })()`));
}

/** A `thanos-ts store` over a FILESYSTEM bucket holding one block (2 series over the last 2h, external labels archive/0). */
async function startStoreGateway(work: string): Promise<ThanosProc> {
  const bucketDir = path.join(work, 'bucket');
  const config = `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`;
  const bucket = await createBucket(parseBucketConfig(config, 'ui-e2e', nopLogger), { logger: nopLogger });
  const tmp = await mkdtemp(path.join(work, 'block-'));
  try {
    const end = Date.now() - 60_000;
    const ts = Array.from({ length: 120 }, (_, i) => end - (119 - i) * 60_000);
    const writer = await BlockWriter.create(tmp, { minTime: ts[0]!, maxTime: end + 1 });
    for (const handler of ['/a', '/b']) {
      await writer.addSeries(labelsFromRecord({ __name__: 'archived_requests_total', handler, job: 'archive' }), ts, ts.map((_, i) => i * 10));
    }
    const meta = await writer.finish();
    await uploadBlock(bucket, path.join(tmp, meta.ulid), withThanosSection(meta, { labels: { cluster: 'archive', replica: '0' }, source: 'sidecar' }));
  } finally {
    await bucket.close();
    await rm(tmp, { recursive: true, force: true });
  }
  await writeFile(path.join(work, 'bucket.yml'), config);
  return startThanos(work, 'store', ['store', `--objstore.config-file=${path.join(work, 'bucket.yml')}`, `--data-dir=${path.join(work, 'store-data')}`]);
}
