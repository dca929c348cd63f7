// The querier's fan-out of the Rules, Targets, Metadata and Exemplars APIs over real gRPC on loopback: two
// "replicas" served by componentApiGrpcServices from in-memory answers (what a sidecar relays), and one endpoint
// that is down. Checks dedup by replica label, upstream's choice of the surviving copy, filters, limits, the
// exemplar query each endpoint gets, and partial-response warnings versus failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import type { ComponentApis } from '../../src/store/apis/component-apis.js';
import type { ExemplarsRequest } from '../../src/store/apis/exemplars.js';
import { ComponentApisClient, componentApiGrpcServices } from '../../src/store/apis/grpc.js';
import type { Rule, RuleGroup } from '../../src/store/apis/rules.js';
import type { ActiveTarget } from '../../src/store/apis/targets.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import type { ApiEndpoint } from '../../src/query/endpoint-set.js';
import { fanOutExemplars } from '../../src/query/fanout/exemplars.js';
import { fanOutMetadata } from '../../src/query/fanout/metadata.js';
import { fanOutRules } from '../../src/query/fanout/rules.js';
import { fanOutTargets } from '../../src/query/fanout/targets.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import { freePort } from '../support/peers/process.js';

const ls = labelsFromRecord;
const at = (seconds: number): { seconds: number; nanos: number } => ({ seconds, nanos: 0 });

function replicaApis(replica: string, evaluatedAt: number, alertState: 'firing' | 'pending', exemplarQueries: string[]): ComponentApis {
  const ext = { cluster: 'c', replica };
  const rules: Rule[] = [
    { type: 'recording', name: 'r', query: 'sum(up)', labels: ls(ext), health: 'ok', lastError: '', evaluationTime: 0.1, lastEvaluation: at(evaluatedAt) },
    {
      type: 'alerting', state: alertState, name: 'A', query: 'x > 0', duration: 0, keepFiringFor: 0, labels: ls({ ...ext, severity: 'page' }),
      annotations: [], alerts: [], health: 'ok', lastError: '', evaluationTime: 0.1, lastEvaluation: at(evaluatedAt),
    },
    {
      type: 'alerting', state: 'inactive', name: 'B', query: 'y > 0', duration: 0, keepFiringFor: 0, labels: ls({ ...ext, team: '{{ $labels.team }}' }),
      annotations: [], alerts: [], health: 'ok', lastError: '', evaluationTime: 0.1, lastEvaluation: at(evaluatedAt),
    },
  ];
  const group: RuleGroup = { name: 'g', file: 'rules.yml', rules, interval: 5, evaluationTime: 0.2, lastEvaluation: at(evaluatedAt), limit: 0, partialResponseStrategy: 'ABORT' };
  const target = (url: string, health: 'up' | 'down', scraped: number): ActiveTarget => ({
    discoveredLabels: ls({ __address__: url, ...ext }), labels: ls({ instance: url, job: 'j', ...ext }), scrapePool: 'j',
    scrapeUrl: `http://${url}/metrics`, globalUrl: `http://${url}/metrics`, lastError: '', lastScrape: at(scraped), lastScrapeDuration: 0.01, health,
  });
  return {
    rules: { rules: async () => ({ groups: [group], warnings: [] }) },
    targets: {
      targets: async () => ({
        targets: { activeTargets: [target('a:1', replica === '1' ? 'down' : 'up', evaluatedAt), target('b:1', 'up', evaluatedAt)], droppedTargets: [{ discoveredLabels: ls({ __address__: 'z:1', ...ext }) }] },
        warnings: [],
      }),
    },
    metadata: {
      metricMetadata: async () => ({
        metadata: new Map([['up', [{ type: 'gauge', help: 'Up.', unit: '' }]], [`only_${replica}`, [{ type: 'counter', help: replica, unit: '' }, { type: 'counter', help: 'other', unit: '' }]]]),
        warnings: [],
      }),
    },
    exemplars: {
      exemplars: async (req: ExemplarsRequest) => {
        exemplarQueries.push(`${replica}: ${req.query}`);
        return {
          data: [{ seriesLabels: ls({ __name__: 'x', ...ext }), exemplars: [{ labels: ls({ trace_id: 't1' }), value: 1, ts: 1000 }, { labels: ls({ trace_id: `t-${replica}` }), value: 2, ts: 2000 }] }],
          warnings: [],
        };
      },
    },
  };
}

describe('querier fan-out of the component APIs', () => {
  const servers: RunningGrpcServer[] = [];
  const clients: GrpcStoreClient[] = [];
  const endpoints: ApiEndpoint[] = [];
  let down: ApiEndpoint;
  const exemplarQueries: string[] = [];

  beforeAll(async () => {
    // Replica 1 evaluated later, but replica 0's alert is firing: upstream keeps the more critical copy first.
    for (const [replica, evaluatedAt, state] of [['0', 100, 'firing'], ['1', 200, 'pending']] as const) {
      const server = await startGrpcServer(componentApiGrpcServices(replicaApis(replica, evaluatedAt, state, exemplarQueries)), { address: '127.0.0.1:0' });
      servers.push(server);
      const client = new GrpcStoreClient(server.address);
      clients.push(client);
      endpoints.push({ name: server.address, labelSets: [ls({ cluster: 'c', replica })], apis: new ComponentApisClient(client) });
    }
    const dead = new GrpcStoreClient(`127.0.0.1:${await freePort()}`, { timeoutMs: 2000 });
    clients.push(dead);
    down = { name: 'down:1', labelSets: [ls({ cluster: 'c', replica: '2' })], apis: new ComponentApisClient(dead) };
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of servers) await s.stop(0);
  });

  const dedup = { replicaLabels: ['replica'], partialResponse: true };
  const allRules = { type: 'all', partialResponseStrategy: 'WARN', matchers: [], ruleNames: [], ruleGroups: [], files: [] } as const;

  it('merges one group, one copy per rule: the firing copy over a later pending one, else the later evaluation', async () => {
    const r = await fanOutRules(endpoints, allRules, dedup);
    expect(r.warnings).toEqual([]);
    expect(r.groups).toHaveLength(1);
    const rules = r.groups[0]!.rules;
    expect(rules.map((x) => x.name)).toEqual(['A', 'B', 'r']);
    expect(rules.map((x) => x.labels.some((l) => l.name === 'replica'))).toEqual([false, false, false]);
    const a = rules[0]!;
    expect(a.type === 'alerting' ? a.state : '').toBe('firing');
    expect(rules[2]!.lastEvaluation).toEqual(at(200));
    const all = await fanOutRules(endpoints, allRules, { ...dedup, replicaLabels: [] });
    expect(all.groups[0]!.rules).toHaveLength(6);
  });

  it('filters by match[] on non-templated labels, rule name, group and file', async () => {
    const by = async (extra: Partial<typeof allRules> | Record<string, string[]>): Promise<string[]> =>
      (await fanOutRules(endpoints, { ...allRules, ...extra }, dedup)).groups.flatMap((g) => g.rules.map((x) => x.name));
    expect(await by({ matchers: ['{severity="page"}'] })).toEqual(['A']);
    // B's templated team label is not matched on: it counts as absent.
    expect(await by({ matchers: ['{cluster="c", team=""}'] })).toEqual(['A', 'B', 'r']);
    expect(await by({ matchers: ['{team="{{ $labels.team }}"}'] })).toEqual([]);
    expect(await by({ ruleNames: ['r', 'B'] })).toEqual(['B', 'r']);
    expect(await by({ ruleGroups: ['nope'] })).toEqual([]);
    expect(await by({ files: ['rules.yml'] })).toEqual(['A', 'B', 'r']);
  });

  it('a down endpoint is a warning under partial response, and fails the request without', async () => {
    const r = await fanOutRules([...endpoints, down], allRules, dedup);
    expect(r.groups[0]!.rules).toHaveLength(3);
    expect(r.warnings).toEqual([expect.stringMatching(/^fetching rules from down:1: /)]);
    await expect(fanOutRules([...endpoints, down], allRules, { ...dedup, partialResponse: false })).rejects.toThrow(/fetching rules from down:1/);
    const t = await fanOutTargets([...endpoints, down], { state: 'any', partialResponseStrategy: 'WARN' }, dedup);
    expect(t.warnings).toHaveLength(1);
  });

  it('keeps one copy per target: the unhealthy one first', async () => {
    const r = await fanOutTargets(endpoints, { state: 'any', partialResponseStrategy: 'WARN' }, dedup);
    expect(r.targets.activeTargets.map((t) => [t.scrapeUrl, t.health])).toEqual([['http://a:1/metrics', 'down'], ['http://b:1/metrics', 'up']]);
    expect(r.targets.droppedTargets).toHaveLength(1);
    const all = await fanOutTargets(endpoints, { state: 'any', partialResponseStrategy: 'WARN' }, { ...dedup, replicaLabels: [] });
    expect(all.targets.activeTargets).toHaveLength(4);
  });

  it('merges metadata per metric, with limit and limit_per_metric', async () => {
    const req = { metric: '', limit: -1, partialResponseStrategy: 'WARN' } as const;
    const all = await fanOutMetadata(endpoints, req, 0, dedup);
    expect([...all.metadata.keys()].sort()).toEqual(['only_0', 'only_1', 'up']);
    expect(all.metadata.get('up')).toHaveLength(1);
    expect((await fanOutMetadata(endpoints, { ...req, limit: 1 }, 0, dedup)).metadata.size).toBe(1);
    expect((await fanOutMetadata(endpoints, { ...req, limit: 0 }, 0, dedup)).metadata.size).toBe(0);
    expect((await fanOutMetadata(endpoints, req, 1, dedup)).metadata.get('only_0')).toEqual([{ type: 'counter', help: '0', unit: '' }]);
  });

  it('sends exemplar selectors only where external labels can match, without those matchers, and merges series', async () => {
    const req = { query: 'x{replica="1", job="j"} + y', start: 0, end: 10_000, partialResponseStrategy: 'WARN' } as const;
    exemplarQueries.length = 0;
    const r = await fanOutExemplars(endpoints, req, dedup);
    expect(exemplarQueries.sort()).toEqual(['0: {__name__="y"}', '1: {__name__="x", job="j"} + {__name__="y"}']);
    expect(r.data).toHaveLength(1);
    expect(r.data[0]!.exemplars.map((e) => e.labels[0]!.value)).toEqual(['t1', 't-0', 't-1']);
    await expect(fanOutExemplars(endpoints, { ...req, query: '{replica="1"}' }, dedup)).rejects.toThrow(/no matchers specified/);
  });
});
