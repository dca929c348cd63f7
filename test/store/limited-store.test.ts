// LimitedStore: series and samples limits enforced while streaming, surfacing over gRPC as RESOURCE_EXHAUSTED.

import { describe, expect, it } from 'vitest';
import { status as Status } from '@grpc/grpc-js';
import { LimitError } from '../../src/runtime/errors.js';
import { startGrpcServer } from '../../src/runtime/grpc-server.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { LimitedStore } from '../../src/store/limited-store.js';
import { seriesRequest, type SeriesResponse, type StoreAPI } from '../../src/store/store-api.js';
import { MemoryStore, series } from './support/memory-store.js';

const data = new MemoryStore([
  series({ __name__: 'a' }, [0, 9], [10, 19]),
  series({ __name__: 'b' }, [0, 9]),
  series({ __name__: 'c' }, [0, 9]),
]);

async function count(store: StoreAPI): Promise<number> {
  let n = 0;
  for await (const f of store.series(seriesRequest({ matchers: [] }))) if (f.type === 'series') n++;
  return n;
}

describe('LimitedStore', () => {
  it('passes requests within the limits', async () => {
    expect(await count(new LimitedStore(data, { series: 3, samples: 4 * 120 }))).toBe(3);
    expect(await count(new LimitedStore(data, { series: 0, samples: 0 }))).toBe(3);
  });

  it('fails with LimitError once the series or samples limit is passed', async () => {
    await expect(count(new LimitedStore(data, { series: 2, samples: 0 }))).rejects.toThrow(/exceeded series limit: limit 2 violated \(got 3\)/);
    await expect(count(new LimitedStore(data, { series: 0, samples: 240 }))).rejects.toBeInstanceOf(LimitError);
  });

  it('counts a series split over frames once', async () => {
    const split: StoreAPI = {
      info: () => data.info(),
      labelNames: (r) => data.labelNames(r),
      labelValues: (r) => data.labelValues(r),
      series: async function* (): AsyncGenerator<SeriesResponse> {
        const s = series({ __name__: 'a' }, [0, 9], [10, 19]);
        yield { type: 'series', series: { labels: [...s.labels], chunks: [s.chunks[0]!] } };
        yield { type: 'series', series: { labels: [...s.labels], chunks: [s.chunks[1]!] } };
      },
    };
    expect(await count(new LimitedStore(split, { series: 1, samples: 0 }))).toBe(2);
  });

  it('answers RESOURCE_EXHAUSTED over gRPC', async () => {
    const s = await startGrpcServer(storeGrpcServices(new LimitedStore(data, { series: 1, samples: 0 })), { address: '127.0.0.1:0' });
    const c = new GrpcStoreClient(`127.0.0.1:${s.port}`);
    try {
      await expect(count(c)).rejects.toSatisfy((e: unknown) =>
        e instanceof LimitError && (e.cause as { code: Status }).code === Status.RESOURCE_EXHAUSTED && e.message.includes('exceeded series limit'));
    } finally {
      c.close();
      await s.stop(1000);
    }
  });
});
