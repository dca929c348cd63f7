// The four APIs a component may serve besides the StoreAPI (upstream's Rules, Targets, Metadata and Exemplars), as
// one typed interface each. The sidecar implements them over its Prometheus, the gRPC client over a remote
// component, and the querier's fan-out over every endpoint that advertises them; each answer carries its warnings.

import type { ExemplarData, ExemplarsRequest } from './exemplars.js';
import type { MetricMetadata, MetricMetadataRequest } from './metadata.js';
import type { RuleGroup, RulesRequest } from './rules.js';
import type { TargetDiscovery, TargetsRequest } from './targets.js';

export interface RulesApi {
  rules(req: RulesRequest, signal?: AbortSignal): Promise<{ readonly groups: readonly RuleGroup[]; readonly warnings: readonly string[] }>;
}

export interface TargetsApi {
  targets(req: TargetsRequest, signal?: AbortSignal): Promise<{ readonly targets: TargetDiscovery; readonly warnings: readonly string[] }>;
}

export interface MetadataApi {
  metricMetadata(req: MetricMetadataRequest, signal?: AbortSignal): Promise<{ readonly metadata: MetricMetadata; readonly warnings: readonly string[] }>;
}

export interface ExemplarsApi {
  exemplars(req: ExemplarsRequest, signal?: AbortSignal): Promise<{ readonly data: readonly ExemplarData[]; readonly warnings: readonly string[] }>;
}

/** What a component serves; an absent API is neither served nor advertised in Info. */
export interface ComponentApis {
  readonly rules?: RulesApi;
  readonly targets?: TargetsApi;
  readonly metadata?: MetadataApi;
  readonly exemplars?: ExemplarsApi;
}
