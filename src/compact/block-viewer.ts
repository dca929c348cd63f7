// The bucket's block view (upstream's bucket UI and /api/v1/blocks): every block on a timeline, one row per stream
// (resolution + external labels), with level, source and size on hover; the JSON API upstream's UI reads; and the
// admin action marking a block for deletion or no-compaction. HTTP-framework free: src/cmd mounts the routes.

import type { Bucket } from '../objstore/bucket.js';
import { MetaFetcher } from '../block/fetcher.js';
import { IgnoreDeletionMarkFilter } from '../block/filters.js';
import { DELETION_MARK_FILENAME, NO_COMPACT_MARK_FILENAME } from '../block/markers.js';
import { thanosMetaJson, type ThanosMeta } from '../block/meta.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { groupBlocks } from './group.js';
import { markBlock } from './marks.js';
import { isBlockId } from '../tsdb/block/ulid.js';

export interface BlockViewOptions {
  readonly logger: Logger;
  /** --bucket-web-label / --label: the external label whose value names a row. */
  readonly label?: string;
  readonly disableAdmin?: boolean;
  /** How old the global view may get before a request refreshes it. */
  readonly maxAgeMs?: number;
  /** The compactor's own filtered view (`view=loaded`), when there is one. */
  readonly loaded?: () => Iterable<ThanosMeta> | undefined;
}

/** An HTTP answer, for whichever server mounts the routes. */
export interface ViewResponse {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

export class BlockView {
  private blocks: ThanosMeta[] = [];
  private marked = new Set<string>();
  private refreshedAt = 0;
  private err: string | null = null;
  private readonly fetcher: MetaFetcher;
  private readonly marks: IgnoreDeletionMarkFilter;

  constructor(private readonly bucket: Bucket, private readonly o: BlockViewOptions) {
    // Marks are read (to show them) but hide nothing: the global view is the whole bucket, as upstream's.
    this.marks = new IgnoreDeletionMarkFilter(bucket, Number.MAX_SAFE_INTEGER, { logger: o.logger });
    this.fetcher = new MetaFetcher(bucket, { logger: o.logger, filters: [this.marks] });
  }

  /** Re-reads the bucket; on failure the previous list stays and `err` says why. */
  async refresh(signal?: AbortSignal): Promise<void> {
    try {
      const r = await this.fetcher.fetch(signal);
      this.blocks = [...r.metas.values()].sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
      this.marked = new Set(this.marks.marks.keys());
      this.refreshedAt = Date.now();
      this.err = null;
    } catch (err) {
      this.err = errorMessage(err);
      this.o.logger.warn('block view refresh failed; keeping the previous list', { err: this.err });
    }
  }

  private async fresh(): Promise<void> {
    if (Date.now() - this.refreshedAt > (this.o.maxAgeMs ?? 60_000)) await this.refresh();
  }

  /** GET /api/v1/blocks?view=global|loaded. */
  async api(view: string | undefined): Promise<ViewResponse> {
    await this.fresh();
    const loaded = view === 'loaded' ? this.o.loaded?.() : undefined;
    if (view !== undefined && view !== 'global' && view !== 'loaded') return json(400, { status: 'error', errorType: 'bad_data', error: `unknown view ${JSON.stringify(view)} (global or loaded)` });
    const blocks = view === 'loaded' ? [...(loaded ?? [])] : this.blocks;
    return json(200, { status: 'success', data: { blocks: blocks.map(thanosMetaJson), label: this.o.label ?? '', refreshedAt: new Date(this.refreshedAt).toISOString(), err: this.err } });
  }

  /** POST /api/v1/blocks/mark with form fields id, action (DELETION | NO_COMPACTION), detail. */
  async mark(form: URLSearchParams): Promise<ViewResponse> {
    if (this.o.disableAdmin) return json(400, { status: 'error', errorType: 'bad_data', error: 'admin operations are disabled (--disable-admin-operations)' });
    const id = form.get('id') ?? '';
    const action = form.get('action') ?? '';
    if (!isBlockId(id)) return json(400, { status: 'error', errorType: 'bad_data', error: `id must be a block ULID, got ${JSON.stringify(id)}` });
    const marker = action === 'DELETION' ? DELETION_MARK_FILENAME : action === 'NO_COMPACTION' ? NO_COMPACT_MARK_FILENAME : undefined;
    if (!marker) return json(400, { status: 'error', errorType: 'bad_data', error: `action must be DELETION or NO_COMPACTION, got ${JSON.stringify(action)}` });
    try {
      await markBlock(this.bucket, id, marker, { details: form.get('detail') ?? '', reason: 'manual' });
    } catch (err) {
      return json(500, { status: 'error', errorType: 'internal', error: errorMessage(err) });
    }
    this.refreshedAt = 0;
    return json(200, { status: 'success' });
  }

  /** GET /blocks: the timeline page. `prefix` is prepended to links (--web.external-prefix + route prefix). */
  async page(prefix: string): Promise<ViewResponse> {
    await this.fresh();
    return { status: 200, type: 'text/html; charset=utf-8', body: renderPage(this.blocks, this.marked, { label: this.o.label, prefix, refreshedAt: this.refreshedAt, err: this.err, admin: !this.o.disableAdmin }) };
  }
}

function json(status: number, v: unknown): ViewResponse {
  return { status, type: 'application/json', body: JSON.stringify(v) };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

function renderPage(blocks: readonly ThanosMeta[], marked: ReadonlySet<string>, o: { label?: string | undefined; prefix: string; refreshedAt: number; err: string | null; admin: boolean }): string {
  const groups = groupBlocks(blocks);
  const min = Math.min(...blocks.map((b) => b.minTime));
  const max = Math.max(...blocks.map((b) => b.maxTime));
  const width = 1000;
  const x = (t: number): number => (max > min ? ((t - min) / (max - min)) * width : 0);
  const rows = groups.map((g) => {
    const name = o.label && g.labels[o.label] !== undefined ? `${o.label}=${g.labels[o.label]}` : g.description;
    const rects = g.metas.map((m) => {
      const title = `${m.ulid}\n${new Date(m.minTime).toISOString()} – ${new Date(m.maxTime).toISOString()}\nlevel ${m.compaction.level}, source ${m.thanos.source}, `
        + `resolution ${m.thanos.downsample.resolution}ms\n${m.stats.numSeries ?? 0} series, ${m.stats.numSamples ?? 0} samples${marked.has(m.ulid) ? '\nmarked for deletion' : ''}`;
      const w = Math.max(1, x(m.maxTime) - x(m.minTime));
      return `<rect x="${x(m.minTime).toFixed(1)}" y="2" width="${w.toFixed(1)}" height="16" fill="${COLORS[Math.min(COLORS.length - 1, m.compaction.level - 1)] ?? COLORS[0]}"`
        + `${marked.has(m.ulid) ? ' fill-opacity="0.35" stroke="#c00"' : ' stroke="#fff"'} data-ulid="${m.ulid}"><title>${esc(title)}</title></rect>`;
    }).join('');
    return `<tr><td class="name">${esc(name)}</td><td><svg width="${width}" height="20">${rects}</svg></td><td>${g.metas.length}</td></tr>`;
  }).join('\n');
  const admin = o.admin
    ? `<form method="post" action="${esc(o.prefix)}/api/v1/blocks/mark"><input name="id" placeholder="block ULID" size="28"> <select name="action"><option>DELETION</option><option>NO_COMPACTION</option></select> <input name="detail" placeholder="why"> <button>Mark</button></form>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Blocks</title><style>
body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}td{padding:2px 6px;border-bottom:1px solid #eee}.name{font-family:monospace;white-space:nowrap}
</style></head><body><h1>Blocks</h1>
<p>${blocks.length} blocks in ${groups.length} streams${blocks.length > 0 ? `, ${esc(new Date(min).toISOString())} – ${esc(new Date(max).toISOString())}` : ''}.
Refreshed ${o.refreshedAt > 0 ? esc(new Date(o.refreshedAt).toISOString()) : 'never'}.${o.err ? ` <b>Last refresh failed: ${esc(o.err)}</b>` : ''}
Darker = higher compaction level; faded with a red edge = marked for deletion. <a href="${esc(o.prefix)}/api/v1/blocks">JSON</a></p>
${admin}
<table><tr><th>stream</th><th>timeline</th><th>blocks</th></tr>
${rows}
</table></body></html>`;
}
