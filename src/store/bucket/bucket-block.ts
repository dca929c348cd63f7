// One block of the bucket as the store gateway serves it: its meta, the index (through the index-header) with
// postings and series looked up in the index cache first, and chunks read from the segment objects by range,
// neighbouring chunks merged into one request by the TSDB chunk reader.

import path from 'node:path';
import { externalLabels, type ThanosMeta } from '../../block/fetcher.js';
import { IndexHeaderReader } from '../../block/index-header/lazy-reader.js';
import type { BucketReader } from '../../objstore/bucket.js';
import type { Logger } from '../../runtime/logger.js';
import { ChunkReader } from '../../tsdb/chunks/segment-reader.js';
import { segmentFileName, type RawChunk } from '../../tsdb/chunks/refs.js';
import { EMPTY_POSTINGS, intersect, remove, type Postings } from '../../tsdb/index/postings.js';
import type { IndexReader } from '../../tsdb/index/reader.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { cacheKey, type IndexCache } from '../cache/index-cache.js';
import { BucketByteSource } from './bucket-byte-source.js';
import { decodePostings, decodeSeriesEntry, encodePostings, encodeSeriesEntry, type CachedSeries } from './cache-codec.js';

export interface BucketBlockOptions {
  readonly logger: Logger;
  readonly cache: IndexCache;
  /** Where `<ULID>/index-header` lives. */
  readonly dataDir: string;
  readonly now?: () => number;
  readonly onIndexHeaderBuild?: (id: string, bytesRead: number) => void;
}

/** Per-request counters the limits and query stats use. */
/** What one request read: `touched` counts every item used (cache hits too), `fetched` only what was read from the bucket. */
export interface RequestStats {
  postingsTouched: number;
  postingsFetched: number;
  seriesTouched: number;
  seriesFetched: number;
  chunksTouched: number;
  chunksFetched: number;
  bytesFetched: number;
}

export class BucketBlock {
  readonly id: string;
  readonly labels: Labels;
  readonly indexHeader: IndexHeaderReader;
  private chunkReader: Promise<ChunkReader> | undefined;
  private readonly labelMemo = new WeakMap<CachedSeries, Labels>();

  private constructor(
    private readonly bucket: BucketReader,
    readonly meta: ThanosMeta,
    readonly index: BucketByteSource,
    private readonly options: BucketBlockOptions,
  ) {
    this.id = meta.ulid;
    this.labels = externalLabels(meta);
    this.indexHeader = new IndexHeaderReader(bucket, this.id, path.join(options.dataDir, this.id), index, {
      logger: options.logger,
      ...(options.now ? { now: options.now } : {}),
      ...(options.onIndexHeaderBuild ? { onBuild: options.onIndexHeaderBuild } : {}),
    });
  }

  /** Prepares a block: sizes its index, and builds its index-header when missing (loading it unless `lazy`). */
  static async create(bucket: BucketReader, meta: ThanosMeta, options: BucketBlockOptions & { readonly lazy: boolean }): Promise<BucketBlock> {
    const id = meta.ulid;
    const size = meta.thanos.files?.find((f) => f.rel_path === 'index')?.size_bytes;
    const index = await BucketByteSource.open(bucket, `${id}/index`, size);
    const b = new BucketBlock(bucket, meta, index, options);
    await b.indexHeader.ensureFile();
    if (!options.lazy) {
      await b.indexHeader.acquire();
      b.indexHeader.release();
    }
    return b;
  }

  get minTime(): number { return this.meta.minTime; }
  /** Exclusive in meta.json; the last millisecond that can hold data is maxTime - 1. */
  get maxTime(): number { return this.meta.maxTime; }

  /** Runs `fn` with the index reader, keeping it loaded meanwhile. */
  async withIndex<T>(fn: (r: IndexReader) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const r = await this.indexHeader.acquire(signal);
    try {
      return await fn(r);
    } finally {
      this.indexHeader.release();
    }
  }

  /**
   * Series IDs matching every matcher (Prometheus semantics: a matcher matching "" also selects series without the
   * label). Per-matcher postings go through the index cache.
   */
  async postings(r: IndexReader, matchers: readonly Matcher[], stats: RequestStats): Promise<Postings> {
    if (matchers.length === 0) return this.cachedPostings(r, [], stats);
    const sel: Postings[] = [];
    const sub: Postings[] = [];
    for (const m of matchers) {
      if (!m.matchesEmpty()) {
        const p = await this.cachedPostings(r, [m], stats);
        if (p.length === 0) return EMPTY_POSTINGS;
        sel.push(p);
      } else {
        sub.push(await this.cachedPostings(r, [m], stats));
      }
    }
    let base = sel.length > 0 ? intersect(sel) : await this.cachedPostings(r, [], stats);
    for (const s of sub) base = remove(base, s);
    return base;
  }

  /**
   * For no matcher: all postings. For one matcher that does not match "": the union of its values' postings.
   * For one matcher that matches "": the union over the values it rejects (to be subtracted).
   */
  private async cachedPostings(r: IndexReader, ms: readonly Matcher[], stats: RequestStats): Promise<Postings> {
    const m = ms[0];
    const key = cacheKey('Postings', this.id, m ? m.toString() : 'ALL');
    stats.postingsTouched++;
    const decoded = (await this.options.cache.fetchDecoded('Postings', [key], decodePostings)).get(key);
    if (decoded) return decoded;
    let p: Postings;
    if (!m) p = await r.allPostings();
    else {
      const set = m.setMatches();
      const all = r.labelValues(m.name);
      const values = m.matchesEmpty() ? all.filter((v) => !m.matches(v))
        : m.type === '=' ? [m.value]
          : set && m.type === '=~' ? set : all.filter((v) => m.matches(v));
      p = values.length === 0 ? EMPTY_POSTINGS : await r.postings(m.name, values);
    }
    stats.postingsFetched++;
    stats.bytesFetched += p.length * 4;
    this.options.cache.store('Postings', key, encodePostings(p));
    return p;
  }

  /** Series entries for sorted IDs, from the cache where possible (hot entries stay decoded in memory). */
  async series(r: IndexReader, ids: Postings, stats: RequestStats): Promise<CachedSeries[]> {
    const prefix = cacheKey('Series', this.id, '');
    stats.seriesTouched += ids.length;
    const keys = Array.from(ids, (id) => prefix + String(id));
    const hits = await this.options.cache.fetchDecoded('Series', keys, decodeSeriesEntry);
    const out = new Array<CachedSeries | undefined>(ids.length);
    const miss: number[] = [];
    const missAt: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const e = hits.get(keys[i]!);
      if (e) out[i] = e; else { miss.push(ids[i]!); missAt.push(i); }
    }
    if (miss.length > 0) {
      let k = 0;
      for await (const e of r.series(miss)) {
        out[missAt[k]!] = e;
        const v = encodeSeriesEntry(e);
        stats.bytesFetched += v.length;
        this.options.cache.store('Series', keys[missAt[k]!]!, v);
        k++;
      }
      stats.seriesFetched += miss.length;
    }
    return out as CachedSeries[];
  }

  /** The series' labels with this block's external labels (memoized per cached entry; no replica labels dropped). */
  outputLabels(s: CachedSeries, make: (s: CachedSeries) => Labels): Labels {
    let l = this.labelMemo.get(s);
    if (!l) { l = make(s); this.labelMemo.set(s, l); }
    return l;
  }

  /** Raw chunks by ref, merging nearby ranges into single reads. */
  async chunks(refs: readonly number[], stats: RequestStats): Promise<RawChunk[]> {
    if (refs.length === 0) return [];
    const reader = await this.segments();
    const out = await reader.chunks(refs);
    stats.chunksTouched += refs.length;
    stats.chunksFetched += out.length;
    for (const c of out) stats.bytesFetched += c.data.length;
    return out;
  }

  private segments(): Promise<ChunkReader> {
    this.chunkReader ??= (async () => {
      let names: { name: string; size: number | undefined }[] = (this.meta.thanos.files ?? []).filter((f) => f.rel_path.startsWith('chunks/')).map((f) => ({ name: f.rel_path, size: f.size_bytes }));
      if (names.length === 0) {
        names = [];
        for await (const n of this.bucket.iter(`${this.id}/chunks/`)) names.push({ name: n.slice(this.id.length + 1), size: undefined });
      }
      names.sort((a, b) => (a.name < b.name ? -1 : 1));
      names.forEach((n, i) => {
        if (n.name !== `chunks/${segmentFileName(i)}`) throw new Error(`block ${this.id}: chunk segments are not numbered contiguously (${n.name})`);
      });
      const sources = await Promise.all(names.map((n) => BucketByteSource.open(this.bucket, `${this.id}/${n.name}`, n.size)));
      return ChunkReader.fromSources(sources);
    })();
    this.chunkReader.catch(() => { this.chunkReader = undefined; });
    return this.chunkReader;
  }

  async close(): Promise<void> {
    await this.indexHeader.close();
  }
}
