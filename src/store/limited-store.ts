// A StoreAPI decorator enforcing --store.limits.request-series and --store.limits.request-samples per Series call
// while streaming (upstream pkg/store/limiter.go): the call fails with LimitError (gRPC RESOURCE_EXHAUSTED) as soon
// as a limit is passed, before more data is read. Samples are estimated as chunks × 120, as upstream does.

import { LimitError } from '../runtime/errors.js';
import { labelsEqual } from '../tsdb/labels/labels.js';
import type {
  LabelNamesRequest, LabelNamesResponse, LabelValuesRequest, LabelValuesResponse, SeriesRequest, SeriesResponse,
  StoreAPI, StoreInfo,
} from './store-api.js';

export interface SeriesLimits {
  /** Series per request; 0 = unlimited. */
  readonly series: number;
  /** Samples per request (counted as chunks × 120); 0 = unlimited. */
  readonly samples: number;
}

const SAMPLES_PER_CHUNK = 120;

/** `store` behind the limits, or `store` itself when neither limit is set. */
export function withSeriesLimits(store: StoreAPI, limits: SeriesLimits | undefined): StoreAPI {
  return limits !== undefined && (limits.series > 0 || limits.samples > 0) ? new LimitedStore(store, limits) : store;
}

export class LimitedStore implements StoreAPI {
  constructor(private readonly inner: StoreAPI, private readonly limits: SeriesLimits) {}

  info(signal?: AbortSignal): Promise<StoreInfo> {
    return this.inner.info(signal);
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    const { series: maxSeries, samples: maxSamples } = this.limits;
    let series = 0;
    let samples = 0;
    let last: SeriesResponse | undefined;
    for await (const f of this.inner.series(req, signal)) {
      if (f.type === 'series') {
        // A series split over frames counts once.
        const same = last?.type === 'series' && labelsEqual(last.series.labels, f.series.labels);
        if (!same && maxSeries > 0 && ++series > maxSeries) {
          throw new LimitError(`exceeded series limit: limit ${maxSeries} violated (got ${series})`, 'store.limits.request-series', series);
        }
        samples += f.series.chunks.length * SAMPLES_PER_CHUNK;
        if (maxSamples > 0 && samples > maxSamples) {
          throw new LimitError(`exceeded samples limit: limit ${maxSamples} violated (got ${samples})`, 'store.limits.request-samples', samples);
        }
      }
      last = f;
      yield f;
    }
  }

  labelNames(req: LabelNamesRequest, signal?: AbortSignal): Promise<LabelNamesResponse> {
    return this.inner.labelNames(req, signal);
  }

  labelValues(req: LabelValuesRequest, signal?: AbortSignal): Promise<LabelValuesResponse> {
    return this.inner.labelValues(req, signal);
  }
}
