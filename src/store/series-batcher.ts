// Turns a stream of SeriesResponse frames into encoded SeriesResponse messages, batching series when the client
// asked for response_batch_size > 1 (upstream v0.42+, ours): grpc-js costs far more per message than per byte.
import { encodeSeriesResponse } from './codec.js';
import { MAX_BATCH_BYTES, responseBatchSize } from './series-encoder.js';
import type { Series, SeriesRequest, SeriesResponse } from './store-api.js';

export class SeriesBatcher {
  private readonly size: number;
  private batch: Series[] = [];
  private batchBytes = 0;

  constructor(req: Pick<SeriesRequest, 'responseBatchSize'>) {
    this.size = responseBatchSize(req);
  }

  /** Adds a frame; returns the messages now ready, in order (none while a batch fills). */
  add(frame: SeriesResponse): Uint8Array[] {
    if (this.size === 0) return [encodeSeriesResponse(frame)];
    if (frame.type !== 'series') return [...this.flush(), encodeSeriesResponse(frame)];
    this.batch.push(frame.series);
    for (const c of frame.series.chunks) this.batchBytes += c.raw?.data.length ?? 0;
    return this.batch.length >= this.size || this.batchBytes >= MAX_BATCH_BYTES ? this.flush() : [];
  }

  /** The partly filled batch, if any. */
  flush(): Uint8Array[] {
    if (this.batch.length === 0) return [];
    const series = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    return [encodeSeriesResponse({ type: 'batch', series })];
  }
}

/** Encodes a whole SeriesResponse stream as messages. */
export async function* encodeSeriesStream(frames: AsyncIterable<SeriesResponse>, req: Pick<SeriesRequest, 'responseBatchSize'>): AsyncIterable<Uint8Array> {
  const b = new SeriesBatcher(req);
  for await (const f of frames) yield* b.add(f);
  yield* b.flush();
}
