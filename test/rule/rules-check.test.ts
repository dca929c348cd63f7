// Rule-file validation against real promtool 2.42 on the same files: the same verdict for every file, and for
// validation problems the same lines (Go prints map problems in random order, so lines are compared as sets).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRules } from '../../src/rule/rules-check.js';
import { parseRuleFile } from '../../src/rule/rule-file.js';
import { runPromtool } from '../support/promtool.js';

const FILES: Record<string, string> = {
  'good.yml': `groups:
- name: node
  interval: 30s
  limit: 10
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
    labels: {tier: "1"}
  - alert: InstanceDown
    expr: up == 0
    for: 5m
    keep_firing_for: 1m
    labels: {severity: page}
    annotations:
      summary: "Instance {{ $labels.instance }} down"
      description: "{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 5 minutes ({{ $value | humanize }})."
`,
  'minio.yml': `groups:
- name: kubernetes
  rules:
  - alert: DeploymentAtZeroReplicas
    expr: sum(kube_deployment_status_replicas{pod_template_hash=""}) by (deployment,namespace) < 1
    for: 1m
    labels:
      team: devops
    annotations:
      summary: Deployment {{$labels.deployment}} in {{$labels.namespace}} is currently having no pods running
  - alert: ContainerRestarted
    expr: kube_pod_container_status_restarts_total > 0
    for: 1m
    labels: {team: devops}
    annotations:
      summary: Container {{$labels.container}} in Pod {{$labels.namespace}}/{{$labels.pod}} restarted {{$value}} times
`,
  'empty.yml': '',
  'bad-expr.yml': `groups:
- name: g
  rules:
  - record: job:up:sum
    expr: sum by (job) (up
  - alert: Down
    record: x
    expr: up == 0
  - alert: X
    expr: up
    annotations: {summary: "{{ $labels.job "}
  - record: "bad name"
    expr: up
    for: 1m
- name: g
  rules: []
`,
  'bad-fields.yml': `groups:
- name: ""
  rules:
  - expr: up
  - alert: A
    expr: ""
    labels: {__name__: x, "bad-l": y}
    annotations: {"bad-a": "{{ .Foo }}", ok: "{{ humanize $value }} {{ nofunc }}"}
`,
  'bad-record.yml': `groups:
- name: a
  rules:
  - record: x
    expr: up
    keep_firing_for: 1m
    annotations: {a: b}
`,
  'unknown-field.yml': `groups:
- name: g
  foo: 1
  rules: []
`,
  'bad-duration.yml': `groups:
- name: g
  rules:
  - alert: B
    expr: up
    for: 5x
`,
  'not-yaml.yml': 'foo: [\n',
  'groups-int.yml': 'groups: 3\n',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rules-check-'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(path.join(dir, name), text);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const errorLines = (s: string): string[] => s.split('\n').filter((l) => l.includes(': ') && !l.startsWith('  ')).sort();

describe('tools rules-check agrees with promtool check rules', () => {
  for (const name of Object.keys(FILES)) {
    it(name, async () => {
      const file = path.join(dir, name);
      const prom = await runPromtool(['check', 'rules', file]);
      const ours = await checkRules([file]);
      expect(ours.ok, ours.err).toBe(prom.code === 0);
      if (prom.code === 0) {
        expect(ours.out).toBe(prom.stdout);
      } else if (!/yaml:|valid duration/.test(prom.stderr)) {
        // Validation problems: the same lines, word for word.
        expect(errorLines(ours.err)).toEqual(errorLines(prom.stderr));
      }
    });
  }

  it('reads Thanos\'s partial_response_strategy and Prometheus 3 group fields', () => {
    const groups = parseRuleFile(`groups:
- name: a
  partial_response_strategy: warn
  query_offset: 1m
  labels: {team: x}
  rules: [{record: r, expr: up}]
- name: b
  rules: [{record: r, expr: up}]
`, 'f.yml');
    expect(groups.map((g) => [g.partialResponseStrategy, g.queryOffsetMs, [...g.labels]])).toEqual([['WARN', 60_000, [['team', 'x']]], ['ABORT', undefined, []]]);
    expect(() => parseRuleFile('groups:\n- name: a\n  partial_response_strategy: maybe\n  rules: []\n', 'f.yml')).toThrow(/unknown strategy "maybe"/);
  });
});
