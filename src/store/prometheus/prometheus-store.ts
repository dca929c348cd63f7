// The sidecar's StoreAPI (upstream pkg/store/prometheus.go): Series through Prometheus's remote read, asking for
// streamed XOR chunks (passed through still encoded) and falling back to SAMPLES, which are re-encoded as XOR chunks.
// Matchers on external labels are answered here; external labels are set on every series.
import type { Label, Labels } from '../../tsdb/labels/labels.js';
import { compareLabels, sortLabels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { encodeXor } from '../../tsdb/chunkenc/xor.js';
import type { Logger } from '../../runtime/logger.js';
import { nopLogger } from '../../runtime/logger.js';
import { AbortError, CorruptionError, InvalidArgumentError, UnavailableError, errorMessage, isThanosError } from '../../runtime/errors.js';
import type {
  AggrChunk, ChunkEncoding, LabelNamesRequest, LabelNamesResponse, LabelValuesRequest, LabelValuesResponse,
  Series, SeriesRequest, SeriesResponse, StoreAPI, StoreInfo,
} from '../store-api.js';
import { MAX_TIME } from '../store-api.js';
import { encodeSeriesStream } from '../series-batcher.js';
import { responseBatchSize } from '../series-encoder.js';
import type { PrometheusClient, RemoteReadResponse } from './client.js';
import { SeriesTranscoder } from './series-transcoder.js';
import { seriesSlabs } from './slab-pool.js';
import { GRPC_FRAME_HEADROOM, withFrameHeadroom } from '../../runtime/grpc-framed.js';
import { pumpBodyGroups } from './stream-pump.js';
import type { ChunkedSeries, ReadHints, SampledSeries } from './remote-read-codec.js';
import {
  ChunkedFrameDecoder, PROM_CHUNK_FLOAT_HISTOGRAM, PROM_CHUNK_HISTOGRAM, PROM_CHUNK_XOR, RESPONSE_SAMPLES,
  RESPONSE_STREAMED_XOR_CHUNKS, decodeReadResponse, encodeReadRequest,
} from './remote-read-codec.js';
import { snappyDecode, snappyEncode } from './snappy.js';
import { SortedSeriesStream, seriesOrder } from '../sorted-runs.js';

/** Samples per XOR chunk when re-encoding a SAMPLES answer, as Prometheus cuts chunks. */
const SAMPLES_PER_CHUNK = 120;
const STREAMED_CONTENT_TYPE = 'application/x-streamed-protobuf';

export interface PrometheusStoreOptions {
  /** Current external labels; undefined while unknown (the store then refuses to serve). */
  readonly externalLabels: () => Labels | undefined;
  /** Lowest timestamp served (ms); the highest is open-ended. */
  readonly minTime: () => number;
  readonly logger?: Logger;
  /** Response types asked for, in order of preference (default: streamed chunks, then samples). */
  readonly acceptedResponseTypes?: readonly number[];
  /** Upper bound on one streamed frame (upstream's chunked_read_limit, 50 MB). */
  readonly maxFrameBytes?: number;
}

interface Selection {
  readonly ext: Labels;
  /** Matchers for Prometheus (those on external labels removed), or undefined when nothing can match. */
  readonly matchers: readonly Matcher[] | undefined;
}

export class PrometheusStore implements StoreAPI {
  private readonly logger: Logger;
  private readonly slabs = seriesSlabs;
  /** Every encoded message has room for gRPC's prefix before it (the server frames it in place). */
  readonly messageHeadroom = GRPC_FRAME_HEADROOM;

  constructor(private readonly client: PrometheusClient, private readonly o: PrometheusStoreOptions) {
    this.logger = o.logger ?? nopLogger;
  }

  info(): Promise<StoreInfo> {
    const ext = this.o.externalLabels() ?? [];
    const minTime = this.o.minTime();
    return Promise.resolve({
      componentType: 'sidecar',
      labelSets: ext.length > 0 ? [ext] : [],
      minTime,
      maxTime: MAX_TIME,
      supportsSharding: false,
      supportsWithoutReplicaLabels: true,
      tsdbInfos: [{ labels: ext, minTime, maxTime: MAX_TIME }],
    });
  }

  private select(matchers: readonly Matcher[]): Selection {
    const ext = this.o.externalLabels();
    if (ext === undefined) throw new UnavailableError('prometheus external labels are not known yet; the sidecar is not ready');
    const rest: Matcher[] = [];
    for (const m of matchers) {
      const e = ext.find((l) => l.name === m.name);
      if (e === undefined) rest.push(m);
      else if (!m.matches(e.value)) return { ext, matchers: undefined };
    }
    return { ext, matchers: rest };
  }

  /** What a Series request asks of Prometheus, or undefined when nothing can match. */
  private plan(req: SeriesRequest): Plan | undefined {
    const { ext, matchers } = this.select(req.matchers);
    if (matchers === undefined) return undefined;
    if (matchers.length === 0) throw new InvalidArgumentError('no matchers specified (excluding external labels)');
    const minTime = Math.max(req.minTime, this.o.minTime());
    const maxTime = req.maxTime;
    if (minTime > maxTime) return undefined;
    return { ext, matchers, minTime, maxTime, finish: labelFinisher(ext, req.withoutReplicaLabels) };
  }

  private async remoteRead(p: Plan, req: SeriesRequest, signal?: AbortSignal): Promise<RemoteReadResponse> {
    const body = encodeReadRequest([{ startMs: p.minTime, endMs: p.maxTime, matchers: p.matchers, hints: readHints(req, p.minTime, p.maxTime) }],
      this.o.acceptedResponseTypes ?? [RESPONSE_STREAMED_XOR_CHUNKS, RESPONSE_SAMPLES]);
    return this.client.remoteRead(snappyEncode(body), signal);
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesResponse> {
    const p = this.plan(req);
    if (p === undefined) return;
    if (req.skipChunks) {
      yield* this.labelsOnly(p, req.limit, signal);
      return;
    }
    const res = await this.remoteRead(p, req, signal);
    try {
      if (res.contentType.startsWith(STREAMED_CONTENT_TYPE)) {
        yield* this.streamed(res.body, p.ext, p.finish, req.limit, signal);
      } else {
        this.logger.debug('remote read answered with samples', { content_type: res.contentType });
        yield* this.sampled(res.body, p.finish, req.limit, p.minTime, p.maxTime);
      }
    } catch (err) {
      throw readFailure(err, signal);
    }
  }

  /**
   * Series as encoded SeriesResponse messages for the gRPC server: a streamed answer is transcoded frame by frame
   * without building Series objects; the other answers go through series() and the shared encoder.
   */
  async *encodedSeries(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    for await (const group of this.encodedSeriesGroups(req, signal)) yield* group;
  }

  /** encodedSeries() in groups of the messages ready at once (one per series when not batching: ~10k a query). */
  async *encodedSeriesGroups(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<readonly Uint8Array[]> {
    const p = this.plan(req);
    if (p === undefined) return;
    if (req.skipChunks) {
      yield* framable(encodeSeriesStream(this.labelsOnly(p, req.limit, signal), req));
      return;
    }
    const res = await this.remoteRead(p, req, signal);
    try {
      if (!res.contentType.startsWith(STREAMED_CONTENT_TYPE)) {
        this.logger.debug('remote read answered with samples', { content_type: res.contentType });
        yield* framable(encodeSeriesStream(this.sampled(res.body, p.finish, req.limit, p.minTime, p.maxTime), req));
        return;
      }
      const tr = new SeriesTranscoder({
        ext: p.ext,
        drop: new Set(req.withoutReplicaLabels.filter((n) => p.ext.some((l) => l.name === n))),
        finish: p.finish,
        limit: req.limit,
        batchSize: responseBatchSize(req),
        slabs: this.slabs,
        headroom: this.messageHeadroom,
        ...(this.o.maxFrameBytes !== undefined ? { maxFrameBytes: this.o.maxFrameBytes } : {}),
      });
      yield* pumpBodyGroups<Uint8Array>(res, (piece, out) => {
        if (signal?.aborted) throw new AbortError('series aborted');
        return tr.push(piece, out);
      });
      const rest: Uint8Array[] = [];
      tr.end(rest);
      if (rest.length > 0) yield rest;
    } catch (err) {
      throw readFailure(err, signal);
    }
  }

  releaseMessage(message: Uint8Array): void {
    this.slabs.release(message);
  }

  private async *labelsOnly(p: Plan, limit: number, signal?: AbortSignal): AsyncIterable<SeriesResponse> {
    const sets = await this.client.series(p.matchers, { start: p.minTime, end: p.maxTime }, signal);
    const done = sets.map(p.finish).sort(compareLabels);
    let n = 0;
    for (const labels of done) {
      if (limit > 0 && n++ >= limit) return;
      yield { type: 'series', series: { labels, chunks: [] } };
    }
  }

  private async *streamed(body: AsyncIterable<Uint8Array>, ext: Labels, finish: (l: readonly Label[]) => Labels, limit: number, signal?: AbortSignal): AsyncIterable<SeriesResponse> {
    const dec = new ChunkedFrameDecoder(this.o.maxFrameBytes);
    // Prometheus's order is not the served order once external labels are merged in (see sorted-runs.ts).
    const sorter = new SortedSeriesStream<Series>(seriesOrder(ext));
    const ready: Series[] = [];
    let count = 0;
    let last: Labels | undefined;
    let lastRaw: Label[] | undefined;
    read: for await (const part of body) {
      if (signal?.aborted) throw new AbortError('series aborted');
      for (const frame of dec.push(part)) {
        for (const s of frame.series) {
          // A series split over frames repeats its labels: reuse the finished set so equality is cheap downstream.
          let labels: Labels;
          if (last !== undefined && lastRaw !== undefined && sameLabels(lastRaw, s.labels)) labels = last;
          else {
            if (limit > 0 && count >= limit) break read;
            count++;
            labels = finish(s.labels);
          }
          last = labels;
          lastRaw = s.labels;
          sorter.push({ labels, chunks: convertChunks(s) }, ready);
        }
      }
      for (const series of ready) yield { type: 'series', series };
      ready.length = 0;
    }
    if (!(limit > 0 && count >= limit)) dec.end();
    sorter.end(ready);
    for (const series of ready) yield { type: 'series', series };
  }

  private async *sampled(body: AsyncIterable<Uint8Array>, finish: (l: readonly Label[]) => Labels, limit: number, minTime: number, maxTime: number): AsyncIterable<SeriesResponse> {
    const parts: Uint8Array[] = [];
    for await (const p of body) parts.push(p);
    const raw = snappyDecode(Buffer.concat(parts), 'remote read SAMPLES response', this.client.maxSampledDecodedBytes);
    const results = decodeReadResponse(raw);
    const series = (results[0] ?? []).map((s) => ({ labels: finish(s.labels), s })).sort((a, b) => compareLabels(a.labels, b.labels));
    if (series.some(({ s }) => s.histograms > 0)) {
      yield { type: 'warning', warning: 'prometheus answered with SAMPLES and native histograms; histogram samples are not supported by this fallback and were left out' };
    }
    let n = 0;
    for (const { labels, s } of series) {
      const chunks = samplesToChunks(s, minTime, maxTime);
      if (chunks.length === 0) continue;
      if (limit > 0 && n++ >= limit) return;
      yield { type: 'series', series: { labels, chunks } };
    }
  }

  async labelNames(req: LabelNamesRequest, signal?: AbortSignal): Promise<LabelNamesResponse> {
    const { ext, matchers } = this.select(req.matchers);
    if (matchers === undefined) return { names: [], warnings: [] };
    const names = new Set(await this.client.labelNames(matchers, { start: req.start, end: req.end }, signal));
    if (names.size > 0) for (const l of ext) names.add(l.name);
    for (const r of req.withoutReplicaLabels) if (ext.some((l) => l.name === r)) names.delete(r);
    let out = [...names].sort();
    if (req.limit > 0) out = out.slice(0, req.limit);
    return { names: out, warnings: [] };
  }

  async labelValues(req: LabelValuesRequest, signal?: AbortSignal): Promise<LabelValuesResponse> {
    const { ext, matchers } = this.select(req.matchers);
    if (matchers === undefined) return { values: [], warnings: [] };
    const e = ext.find((l) => l.name === req.label);
    if (e !== undefined) {
      if (req.withoutReplicaLabels.includes(e.name)) return { values: [], warnings: [] };
      // Only claim the value when Prometheus holds matching series at all.
      const any = matchers.length === 0 ? ['x'] : await this.client.labelNames(matchers, { start: req.start, end: req.end }, signal);
      return { values: any.length > 0 ? [e.value] : [], warnings: [] };
    }
    let values = await this.client.labelValues(req.label, matchers, { start: req.start, end: req.end }, signal);
    values = [...new Set(values)].sort();
    if (req.limit > 0) values = values.slice(0, req.limit);
    return { values, warnings: [] };
  }
}

interface Plan extends Selection {
  readonly matchers: readonly Matcher[];
  readonly minTime: number;
  readonly maxTime: number;
  readonly finish: (l: readonly Label[]) => Labels;
}

/**
 * Messages of the shared encoder, one per group, each copied to keep the headroom this store promises: that
 * encoder packs messages side by side, so framing one in place would overwrite the end of the one before.
 */
async function* framable(messages: AsyncIterable<Uint8Array>): AsyncIterable<readonly Uint8Array[]> {
  for await (const m of messages) yield [withFrameHeadroom(m)];
}

/** The error to surface for a failure while reading Prometheus's answer. */
function readFailure(err: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return new AbortError('series aborted', { cause: err });
  if (isThanosError(err)) return err;
  // A connection reset or similar while streaming: Prometheus went away mid-answer.
  return new UnavailableError(`remote read: reading the answer from prometheus: ${errorMessage(err)}`, { cause: err });
}

function sameLabels(a: readonly Label[], b: readonly Label[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}

/**
 * Returns the function that turns Prometheus's labels into the served set: external labels win over stored ones
 * (Prometheus already merged them in; usually nothing changes), and replica labels the caller asked to drop go.
 * Only external labels are dropped: they are constant over the stream, so the order stays sorted.
 */
export function labelFinisher(ext: Labels, withoutReplicaLabels: readonly string[]): (l: readonly Label[]) => Labels {
  const drop = new Set(withoutReplicaLabels.filter((n) => ext.some((l) => l.name === n)));
  return (labels) => {
    let out: readonly Label[] = labels;
    for (const e of ext) {
      const i = out.findIndex((l) => l.name === e.name);
      if (i >= 0 && out[i]!.value === e.value) continue;
      const next = out.filter((l) => l.name !== e.name);
      next.push(e);
      out = sortLabels(next);
    }
    if (drop.size > 0) out = out.filter((l) => !drop.has(l.name));
    return out;
  };
}

function chunkEncoding(type: number): ChunkEncoding {
  switch (type) {
    case PROM_CHUNK_XOR: return 'XOR';
    case PROM_CHUNK_HISTOGRAM: return 'HISTOGRAM';
    case PROM_CHUNK_FLOAT_HISTOGRAM: return 'FLOAT_HISTOGRAM';
    default: throw new CorruptionError('remote read stream', 'chunk', 0, `unsupported chunk encoding ${type}`);
  }
}

export function convertChunks(s: ChunkedSeries): AggrChunk[] {
  const out: AggrChunk[] = new Array<AggrChunk>(s.chunks.length);
  for (let i = 0; i < s.chunks.length; i++) {
    const c = s.chunks[i]!;
    out[i] = { minTime: c.minTime, maxTime: c.maxTime, raw: { encoding: chunkEncoding(c.type), data: c.data } };
  }
  return out;
}

/** Cuts a SAMPLES series into XOR chunks of up to 120 samples within [minTime, maxTime]. */
function samplesToChunks(s: SampledSeries, minTime: number, maxTime: number): AggrChunk[] {
  const { timestamps: ts, values: vs } = s;
  let from = 0;
  while (from < ts.length && ts[from]! < minTime) from++;
  let to = ts.length;
  while (to > from && ts[to - 1]! > maxTime) to--;
  const out: AggrChunk[] = [];
  for (let i = from; i < to; i += SAMPLES_PER_CHUNK) {
    const end = Math.min(to, i + SAMPLES_PER_CHUNK);
    out.push({ minTime: ts[i]!, maxTime: ts[end - 1]!, raw: { encoding: 'XOR', data: encodeXor(ts, vs, i, end) } });
  }
  return out;
}

function readHints(req: SeriesRequest, minTime: number, maxTime: number): ReadHints {
  const h = req.queryHints;
  return {
    stepMs: h?.stepMillis ?? 0,
    func: h?.func?.name ?? '',
    startMs: minTime,
    endMs: maxTime,
    grouping: h?.grouping?.labels ?? [],
    by: h?.grouping?.by ?? false,
    rangeMs: h?.range?.millis ?? 0,
  };
}
