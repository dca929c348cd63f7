// The querier's own Rules, Targets, Metadata and Exemplars gRPC services (upstream's rules/targets/metadata/
// exemplars proxies), so queriers stack: the fan-out over its endpoints with the caller's partial-response
// strategy, replica labels kept (the querier that finally answers HTTP deduplicates).

import type { ExemplarsApi, MetadataApi, RulesApi, TargetsApi } from '../../store/apis/component-apis.js';
import type { ExemplarsRequest } from '../../store/apis/exemplars.js';
import type { MetricMetadataRequest } from '../../store/apis/metadata.js';
import type { RulesRequest } from '../../store/apis/rules.js';
import type { TargetsRequest } from '../../store/apis/targets.js';
import type { PartialResponseStrategy } from '../../store/store-api.js';
import type { ApiEndpoint, ComponentApiName } from '../endpoint-set.js';
import { fanOutExemplars } from './exemplars.js';
import { fanOutMetadata } from './metadata.js';
import { fanOutRules, type DedupOptions } from './rules.js';
import { fanOutTargets } from './targets.js';

export class ProxyApis implements RulesApi, TargetsApi, MetadataApi, ExemplarsApi {
  constructor(private readonly endpoints: (api: ComponentApiName) => readonly ApiEndpoint[]) {}

  private static opts(strategy: PartialResponseStrategy, signal: AbortSignal | undefined): DedupOptions {
    return { replicaLabels: [], partialResponse: strategy === 'WARN', ...(signal ? { signal } : {}) };
  }

  rules(req: RulesRequest, signal?: AbortSignal): ReturnType<RulesApi['rules']> {
    return fanOutRules(this.endpoints('rules'), req, ProxyApis.opts(req.partialResponseStrategy, signal));
  }

  targets(req: TargetsRequest, signal?: AbortSignal): ReturnType<TargetsApi['targets']> {
    return fanOutTargets(this.endpoints('targets'), req, ProxyApis.opts(req.partialResponseStrategy, signal));
  }

  metricMetadata(req: MetricMetadataRequest, signal?: AbortSignal): ReturnType<MetadataApi['metricMetadata']> {
    return fanOutMetadata(this.endpoints('metricMetadata'), req, 0, ProxyApis.opts(req.partialResponseStrategy, signal));
  }

  exemplars(req: ExemplarsRequest, signal?: AbortSignal): ReturnType<ExemplarsApi['exemplars']> {
    return fanOutExemplars(this.endpoints('exemplars'), req, ProxyApis.opts(req.partialResponseStrategy, signal));
  }
}
