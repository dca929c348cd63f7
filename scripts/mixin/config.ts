// What the generated dashboards and alerts select on: one Prometheus job selector per component, and the modes the
// components are (the e2e test uses the mode to know which panels and alerts a running deployment must answer).

/** The thanos-ts modes (and upstream components without a mode yet) that dashboards and alert groups belong to. */
export type Mode = 'sidecar' | 'store' | 'query' | 'compact' | 'receive' | 'rule' | 'query-frontend' | 'bucket-replicate';

export interface Component {
  readonly mode: Mode;
  /** Dashboard title after the prefix, and the word in upstream's alert names (ThanosQuery…, ThanosStore…). */
  readonly title: string;
  /** The PromQL label matcher that picks this component's scrape jobs. */
  readonly selector: string;
}

/**
 * Upstream's selectors are `job=~".*thanos-<component>.*"`. Ours also take `thanos-ts-<component>`, the job names our
 * examples use, so the same files serve a deployment mixing both (a migration) and one of thanos-ts alone.
 */
export function jobSelector(component: string): string {
  return `job=~".*thanos(-ts)?-${component}.*"`;
}

const component = (mode: Mode, title: string, jobWord: string = mode): Component => ({ mode, title, selector: jobSelector(jobWord) });

export const COMPONENTS = {
  query: component('query', 'Query'),
  queryFrontend: component('query-frontend', 'Query Frontend'),
  store: component('store', 'Store'),
  sidecar: component('sidecar', 'Sidecar'),
  compact: component('compact', 'Compact'),
  receive: component('receive', 'Receive'),
  rule: component('rule', 'Rule'),
  bucketReplicate: component('bucket-replicate', 'BucketReplicate'),
} as const satisfies Record<string, Component>;

export const DASHBOARD_PREFIX = 'Thanos / ';
export const DASHBOARD_TAGS = ['thanos-mixin', 'thanos-ts'];

/** The labels ThanosSidecarNoConnectionToStartedPrometheus joins a sidecar and its Prometheus on (upstream's). */
export const SIDECAR_PROMETHEUS_DIMENSIONS = 'namespace, pod';

/** Where the alerts' runbook links point (upstream's runbook; the alerts mean the same on thanos-ts). */
export const RUNBOOK_BASE = 'https://github.com/thanos-io/thanos/tree/main/mixin/runbook.md';
