// The StoreAPI of receive: every open tenant's TSDB store (head + blocks, external labels + tenant label) behind
// one proxy, so Info lists one label set per tenant and a matcher on the tenant label picks its TSDB only.

import type { Logger } from '../runtime/logger.js';
import { ProxyStore, type StoreTarget } from '../store/proxy.js';
import type {
  LabelNamesRequest, LabelNamesResponse, LabelValuesRequest, LabelValuesResponse, SeriesRequest, SeriesResponse,
  StoreAPI, StoreInfo,
} from '../store/store-api.js';
import type { MultiTsdb } from './multitsdb.js';

export class TenantsStore implements StoreAPI {
  constructor(private readonly tsdbs: MultiTsdb, private readonly logger?: Logger) {}

  private async proxy(): Promise<ProxyStore> {
    const targets: StoreTarget[] = await Promise.all(this.tsdbs.stores().map(async (t) => ({ name: `tenant ${t.id}`, store: t.store, info: await t.store.info() })));
    return new ProxyStore(() => targets, { componentType: 'receive', ...(this.logger ? { logger: this.logger } : {}) });
  }

  async info(): Promise<StoreInfo> {
    const info = await (await this.proxy()).info();
    // Tenants without data yet advertise nothing; with none at all, an empty range keeps queriers away.
    if (info.tsdbInfos.length === 0) return { ...info, minTime: Number.MAX_SAFE_INTEGER, maxTime: Number.MIN_SAFE_INTEGER };
    return info;
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    yield* (await this.proxy()).series(req, signal);
  }

  /** Groups as the proxy forms them, so the gRPC server and an in-process querier pay one await per group. */
  async *seriesGroups(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<readonly SeriesResponse[]> {
    yield* (await this.proxy()).seriesGroups(req, signal);
  }

  async labelNames(req: LabelNamesRequest, signal?: AbortSignal): Promise<LabelNamesResponse> {
    return (await this.proxy()).labelNames(req, signal);
  }

  async labelValues(req: LabelValuesRequest, signal?: AbortSignal): Promise<LabelValuesResponse> {
    return (await this.proxy()).labelValues(req, signal);
  }
}
