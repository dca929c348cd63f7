// The querier's set of StoreAPI endpoints (upstream pkg/query/endpointset.go): one gRPC client per discovered
// address, Info polled on every update, failing endpoints queried as stores that fail at once (so every answer
// missing their data says so) and kept on /api/v1/stores until --store.unhealthy-timeout, strict endpoints always
// queried, the upstream connection-count metric, and which of the other APIs (Rules, Targets, Metadata, Exemplars)
// each endpoint advertises.

import { Gauge, type Registry } from 'prom-client';
import { errorMessage, UnavailableError } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { formatLabels, labelsToRecord, type Labels } from '../tsdb/labels/labels.js';
import { GrpcStoreClient, type GrpcStoreClientOptions } from '../store/grpc-client.js';
import type { ExemplarsApi, MetadataApi, RulesApi, TargetsApi } from '../store/apis/component-apis.js';
import { ComponentApisClient } from '../store/apis/grpc.js';
import { storeInfoOf, type InfoResponse } from '../store/info.js';
import type { StoreTarget } from '../store/proxy.js';
import {
  MAX_TIME, MIN_TIME, type LabelNamesResponse, type LabelValuesResponse, type SeriesResponse, type StoreAPI, type StoreInfo,
} from '../store/store-api.js';

export interface EndpointClient extends StoreAPI {
  close(): void;
  /** The full Info answer (which other APIs the endpoint serves), when the client can ask for it. */
  infoResponse?(signal?: AbortSignal): Promise<InfoResponse>;
  /** A server-streaming call of another service (Rules, Targets, …) on the same connection. */
  serverStream?(path: string, body: Uint8Array, signal?: AbortSignal): AsyncIterable<Buffer>;
}

/** The APIs besides the StoreAPI an endpoint may advertise in Info. */
export type ComponentApiName = 'rules' | 'targets' | 'metricMetadata' | 'exemplars';

/** A healthy endpoint that advertises one of those APIs (or an in-process component, in standalone). */
export interface ApiEndpoint {
  readonly name: string;
  readonly labelSets: readonly Labels[];
  readonly apis: RulesApi & TargetsApi & MetadataApi & ExemplarsApi;
}

/** One endpoint as /api/v1/stores shows it (upstream query.EndpointStatus). */
export interface EndpointStatus {
  readonly name: string;
  /** RFC 3339 time of the last Info call. */
  readonly lastCheck: string;
  readonly lastError: string | null;
  readonly labelSets: Record<string, string>[];
  readonly minTime: number;
  readonly maxTime: number;
}

export interface EndpointSetOptions {
  /** Addresses currently discovered (static, DNS and file SD together). */
  readonly addresses: () => readonly string[];
  /** --endpoint-strict (and strict entries of --endpoint.sd-config): always queried, even while their Info fails. */
  readonly strict?: readonly string[] | (() => readonly string[]);
  readonly newClient?: (address: string) => EndpointClient;
  readonly clientOptions?: GrpcStoreClientOptions;
  /**
   * Per-address client options (an endpoint's own TLS, a group's channel options) over clientOptions, with a key
   * that changes when they do: the endpoint's client is then made anew (a reloaded --endpoint.sd-config).
   */
  readonly clientFor?: (address: string) => { readonly key: string; readonly options: GrpcStoreClientOptions } | undefined;
  /** Info deadline per endpoint (upstream hidden --endpoint.info-timeout, 5s). */
  readonly infoTimeoutMs?: number;
  /** --store.unhealthy-timeout: how long a failing endpoint stays listed. */
  readonly unhealthyTimeoutMs?: number;
  readonly logger?: Logger;
  readonly registry?: Registry;
  readonly now?: () => number;
}

interface Endpoint {
  readonly address: string;
  readonly client: EndpointClient;
  /** clientFor's key when the client was made. */
  readonly clientKey: string;
  readonly strict: boolean;
  info: StoreInfo | undefined;
  /** The last Info answer, when the client gives it whole. */
  advertised: InfoResponse | undefined;
  lastCheck: number;
  lastError: string | null;
  /** When Info started failing (0 = it is healthy or was never checked). */
  unhealthySince: number;
  healthy: boolean;
}

/** What a strict endpoint that never answered Info is assumed to hold: anything. */
const UNKNOWN_INFO: StoreInfo = {
  componentType: 'unknown', labelSets: [], minTime: MIN_TIME, maxTime: MAX_TIME,
  supportsSharding: false, supportsWithoutReplicaLabels: false, tsdbInfos: [],
};

export class EndpointSet {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly gauge: Gauge<'external_labels' | 'store_type'> | undefined;
  private updating: Promise<void> | undefined;

  constructor(private readonly options: EndpointSetOptions) {
    this.logger = options.logger ?? nopLogger;
    this.now = options.now ?? Date.now;
    if (options.registry) {
      this.gauge = new Gauge({
        name: 'thanos_store_nodes_grpc_connections',
        help: 'Number of gRPC connection to Store APIs. Opened connection means healthy store APIs available for Querier.',
        labelNames: ['external_labels', 'store_type'] as const,
        registers: [options.registry],
      });
    }
  }

  /** Polls Info on every discovered endpoint; concurrent callers share one update. */
  update(): Promise<void> {
    this.updating ??= this.doUpdate().finally(() => {
      this.updating = undefined;
    });
    return this.updating;
  }

  private async doUpdate(): Promise<void> {
    const s = this.options.strict;
    const strict = new Set(typeof s === 'function' ? s() : s ?? []);
    const wanted = new Set([...this.options.addresses(), ...strict]);
    const own = new Map([...wanted].map((addr) => [addr, this.options.clientFor?.(addr)]));
    for (const [addr, e] of this.endpoints) {
      if (wanted.has(addr) && e.clientKey === (own.get(addr)?.key ?? '') && e.strict === strict.has(addr)) continue;
      this.logger.info(wanted.has(addr) ? 'endpoint settings changed, reconnecting' : 'removing endpoint no longer discovered', { address: addr });
      e.client.close();
      this.endpoints.delete(addr);
    }
    for (const addr of wanted) {
      if (this.endpoints.has(addr)) continue;
      const custom = own.get(addr);
      const client = this.options.newClient?.(addr)
        ?? new GrpcStoreClient(addr, custom ? { ...this.options.clientOptions, ...custom.options } : this.options.clientOptions);
      this.endpoints.set(addr, {
        address: addr, client, clientKey: custom?.key ?? '', strict: strict.has(addr), info: undefined, advertised: undefined,
        lastCheck: 0, lastError: null, unhealthySince: 0, healthy: false,
      });
    }
    await Promise.all([...this.endpoints.values()].map((e) => this.check(e)));
    this.updateMetrics();
  }

  private async check(e: Endpoint): Promise<void> {
    const signal = AbortSignal.timeout(this.options.infoTimeoutMs ?? 5000);
    try {
      const full = await e.client.infoResponse?.(signal);
      const info = full ? storeInfoOf(full) : await e.client.info(signal);
      if (!info) throw new UnavailableError('component exposes no StoreAPI');
      e.advertised = full;
      if (!e.healthy) this.logger.info('adding new endpoint to query endpoint set', { address: e.address, component: info.componentType });
      e.info = info;
      e.lastError = null;
      e.healthy = true;
      e.unhealthySince = 0;
    } catch (err) {
      if (e.healthy || e.lastCheck === 0) this.logger.warn('update of endpoint failed', { address: e.address, err: errorMessage(err) });
      e.lastError = `getting metadata: ${errorMessage(err)}`;
      if (e.healthy || e.unhealthySince === 0) e.unhealthySince = this.now();
      e.healthy = false;
    } finally {
      e.lastCheck = this.now();
    }
  }

  private updateMetrics(): void {
    if (!this.gauge) return;
    this.gauge.reset();
    for (const e of this.endpoints.values()) {
      if (!e.healthy || !e.info) continue;
      const ext = e.info.labelSets.map((ls: Labels) => formatLabels(ls)).join(',');
      this.gauge.inc({ external_labels: ext, store_type: e.info.componentType });
    }
  }

  /**
   * The stores a query may use now: healthy endpoints and strict ones, and every other discovered endpoint whose
   * Info fails (never answered: unreachable, TLS failure; or stopped answering) as a store that fails at once. Upstream
   * leaves those out silently, which turns a dead or misconfigured endpoint into answers that just lack its data;
   * here the loss shows as a partial-response warning naming the endpoint (or fails the query under
   * partial_response=false) for as long as the endpoint stays discovered, and no query waits on a dead connection.
   * An endpoint that never answered is assumed to hold anything, as upstream assumes for strict ones.
   */
  targets(): StoreTarget[] {
    const out: StoreTarget[] = [];
    for (const e of this.endpoints.values()) {
      if (e.healthy && e.info) out.push({ name: e.address, store: e.client, info: e.info });
      else if (e.strict) out.push({ name: e.address, store: e.client, info: e.info ?? UNKNOWN_INFO });
      else if (e.lastCheck !== 0) {
        const why = `${e.info ? 'endpoint is unhealthy' : 'endpoint unreachable'}: ${e.lastError ?? 'unknown error'}`;
        out.push({ name: e.address, store: new UnavailableStore(e.info ?? UNKNOWN_INFO, why), info: e.info ?? UNKNOWN_INFO });
      }
    }
    return out;
  }

  /** Healthy endpoints whose Info advertises `api` (upstream's GetRulesClients, GetTargetsClients, …). */
  apiEndpoints(api: ComponentApiName): ApiEndpoint[] {
    const out: ApiEndpoint[] = [];
    for (const e of this.endpoints.values()) {
      const advertised = api === 'exemplars' ? e.advertised?.exemplars !== undefined : e.advertised?.[api] === true;
      if (!e.healthy || !advertised || !e.client.serverStream) continue;
      const client = e.client;
      out.push({
        name: e.address, labelSets: e.info?.labelSets ?? [],
        apis: new ComponentApisClient({ serverStream: (path, body, signal) => client.serverStream!(path, body, signal) }),
      });
    }
    return out;
  }

  /** /api/v1/stores data: component type → endpoints, failing ones until the unhealthy timeout passes. */
  statuses(): Record<string, EndpointStatus[]> {
    const out: Record<string, EndpointStatus[]> = {};
    const timeout = this.options.unhealthyTimeoutMs ?? 5 * 60_000;
    for (const e of this.endpoints.values()) {
      if (e.lastCheck === 0) continue;
      if (!e.healthy && !e.strict && this.now() - e.unhealthySince > timeout) continue;
      const info = e.info ?? UNKNOWN_INFO;
      (out[info.componentType] ??= []).push({
        name: e.address,
        lastCheck: new Date(e.lastCheck).toISOString(),
        lastError: e.lastError,
        labelSets: info.labelSets.map(labelsToRecord),
        minTime: info.minTime,
        maxTime: info.maxTime,
      });
    }
    for (const list of Object.values(out)) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  close(): void {
    for (const e of this.endpoints.values()) e.client.close();
    this.endpoints.clear();
  }
}

/** Stands for an endpoint whose Info fails: it advertises what it last held and fails every data call at once. */
class UnavailableStore implements StoreAPI {
  constructor(private readonly last: StoreInfo, private readonly reason: string) {}
  async info(): Promise<StoreInfo> { return this.last; }
  // eslint-disable-next-line require-yield
  async *series(): AsyncGenerator<SeriesResponse> { throw new UnavailableError(this.reason); }
  async labelNames(): Promise<LabelNamesResponse> { throw new UnavailableError(this.reason); }
  async labelValues(): Promise<LabelValuesResponse> { throw new UnavailableError(this.reason); }
}
