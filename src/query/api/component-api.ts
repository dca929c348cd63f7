// The querier's /api/v1/rules, /alerts, /targets, /metadata, /query_exemplars and /alertmanagers (upstream
// pkg/api/query/v1.go handlers over the Rules, Targets, Metadata and Exemplars gRPC APIs of its endpoints).
// Beyond upstream, dedup= and replicaLabels[] work here as on /api/v1/query, so the UI can show every replica.

import type { FastifyInstance } from 'fastify';
import { errorMessage, InvalidArgumentError } from '../../runtime/errors.js';
import { nopLogger, type Logger } from '../../runtime/logger.js';
import type { PartialResponseStrategy } from '../../store/store-api.js';
import type { ApiEndpoint, ComponentApiName } from '../endpoint-set.js';
import { fanOutExemplars } from '../fanout/exemplars.js';
import { fanOutMetadata } from '../fanout/metadata.js';
import { fanOutRules, parseSelector, type DedupOptions } from '../fanout/rules.js';
import { fanOutTargets } from '../fanout/targets.js';
import { alertJson, exemplarsJson, metadataJson, ruleGroupsJson, targetsJson } from './component-json.js';
import { BadDataError, boolParam, invalidParam, MAX_TIME_MS, MIN_TIME_MS, timeParam, type Params } from './params.js';
import { serveApi, TypedApiError, type ApiHandler } from './serve.js';
import type { RuleType } from '../../store/apis/rules.js';
import type { TargetState } from '../../store/apis/targets.js';

export interface ComponentApiOptions {
  /** Healthy endpoints advertising an API. */
  readonly endpoints: (api: ComponentApiName) => readonly ApiEndpoint[];
  /** --query.replica-label. */
  readonly replicaLabels: readonly string[];
  /** --query.partial-response: the default of partial_response=. */
  readonly partialResponse: boolean;
  readonly logger?: Logger;
}

/** Failures of the fan-out itself are `internal` upstream ("error retrieving rules: …"); bad input stays bad_data. */
async function retrieving<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidArgumentError || err instanceof BadDataError) throw err;
    throw new TypedApiError('internal', `error retrieving ${what}: ${errorMessage(err)}`, { cause: err });
  }
}

function enumParam<T extends string>(p: Params, name: string, values: readonly T[], def: T, describe: string): T {
  const v = p.get(name);
  if (v === '') return def;
  const lower = v.toLowerCase() as T;
  if (values.includes(lower)) return lower;
  throw new BadDataError(`invalid ${describe} parameter ${name}='${v}'`);
}

export class ComponentApi {
  private readonly logger: Logger;

  constructor(private readonly opts: ComponentApiOptions) {
    this.logger = opts.logger ?? nopLogger;
  }

  register(app: FastifyInstance, base: string): void {
    const get = (path: string, h: ApiHandler): void => {
      app.get(base + path, (req, reply) => serveApi(req, reply, this.logger, h));
    };
    get('/rules', (p, s) => this.rules(p, s));
    get('/alerts', (p, s) => this.alerts(p, s));
    get('/targets', (p, s) => this.targets(p, s));
    get('/metadata', (p, s) => this.metadata(p, s));
    get('/query_exemplars', (p, s) => this.exemplars(p, s));
    app.post(base + '/query_exemplars', (req, reply) => serveApi(req, reply, this.logger, (p, s) => this.exemplars(p, s)));
    // A querier sends no alerts itself: no Alertmanagers, in Prometheus's shape.
    get('/alertmanagers', async () => ({ data: '{"activeAlertmanagers":[],"droppedAlertmanagers":[]}' }));
  }

  private scope(p: Params, signal: AbortSignal): DedupOptions & { strategy: PartialResponseStrategy } {
    const dedup = boolParam(p, 'dedup', true);
    const partialResponse = boolParam(p, 'partial_response', this.opts.partialResponse);
    const labels = p.has('replicaLabels[]') ? p.all('replicaLabels[]').filter((l) => l !== '') : [...this.opts.replicaLabels];
    return { replicaLabels: dedup ? labels : [], partialResponse, signal, strategy: partialResponse ? 'WARN' : 'ABORT' };
  }

  private async rules(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: readonly string[] }> {
    const type = enumParam<RuleType>(p, 'type', ['alert', 'record'] as RuleType[], 'all', 'rules');
    const matchers = p.all('match[]');
    for (const m of matchers) {
      try {
        parseSelector(m);
      } catch (err) {
        throw invalidParam('match[]', err);
      }
    }
    const s = this.scope(p, signal);
    const r = await retrieving('rules', () => fanOutRules(this.opts.endpoints('rules'), {
      type, partialResponseStrategy: s.strategy, matchers, ruleNames: p.all('rule_name[]'), ruleGroups: p.all('rule_group[]'), files: p.all('file[]'),
    }, s));
    return { data: ruleGroupsJson(r.groups), warnings: r.warnings };
  }

  private async alerts(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: readonly string[] }> {
    const s = this.scope(p, signal);
    const r = await retrieving('rules', () => fanOutRules(this.opts.endpoints('rules'), {
      type: 'alert', partialResponseStrategy: s.strategy, matchers: [], ruleNames: [], ruleGroups: [], files: [],
    }, s));
    const alerts = r.groups.flatMap((g) => g.rules.flatMap((rule) => (rule.type === 'alerting' ? rule.alerts : [])));
    return { data: JSON.stringify({ alerts: alerts.map(alertJson) }), warnings: r.warnings };
  }

  private async targets(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: readonly string[] }> {
    const state = enumParam<TargetState>(p, 'state', ['any', 'active', 'dropped'], 'any', 'targets');
    const s = this.scope(p, signal);
    const r = await retrieving('targets', () => fanOutTargets(this.opts.endpoints('targets'), { state, partialResponseStrategy: s.strategy }, s));
    return { data: targetsJson(r.targets), warnings: r.warnings };
  }

  private async metadata(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: readonly string[] }> {
    const limit = int32Param(p, 'limit', -1, (v) => `invalid metric metadata limit='${v}'`);
    const limitPerMetric = int32Param(p, 'limit_per_metric', 0, (v) => `invalid metric metadata limit_per_metric='${v}'`);
    const s = this.scope(p, signal);
    const r = await retrieving('metadata', () => fanOutMetadata(this.opts.endpoints('metricMetadata'), {
      metric: p.get('metric'), limit, partialResponseStrategy: s.strategy,
    }, limitPerMetric, s));
    return { data: metadataJson(r.metadata), warnings: r.warnings };
  }

  private async exemplars(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: readonly string[] }> {
    const start = timeParam(p, 'start', MIN_TIME_MS);
    const end = timeParam(p, 'end', MAX_TIME_MS);
    if (end < start) throw new BadDataError('end timestamp must not be before start time');
    const s = this.scope(p, signal);
    const r = await retrieving('exemplars', () => fanOutExemplars(this.opts.endpoints('exemplars'), {
      query: p.get('query'), start, end, partialResponseStrategy: s.strategy,
    }, s));
    return { data: exemplarsJson(r.data), warnings: r.warnings };
  }
}

function int32Param(p: Params, name: string, def: number, message: (v: string) => string): number {
  const v = p.get(name);
  if (v === '') return def;
  if (!/^[+-]?\d+$/.test(v) || Math.abs(Number(v)) > 2 ** 31 - 1) throw new BadDataError(message(v));
  return Number(v);
}
