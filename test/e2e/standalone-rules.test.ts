// `thanos-ts standalone --demo --rule-file … --alertmanagers.url …`: rule groups evaluated in-process over
// standalone's own querier. Checked: a recording rule's series is answered by the same querier (with --label as
// external label) and equals the expression queried directly at the evaluation times; an alert reaches a real
// Alertmanager 0.25 with its labels, annotations and the external label; the querier's /api/v1/rules lists the
// groups; POST /-/reload picks up a changed rule file.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { freePort } from '../support/peers/process.js';
import { startAlertmanager, type RunningAlertmanager } from '../rule/support/alertmanager.js';

const RULES = `groups:
- name: demo
  interval: 2s
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: DemoTargetsUp
    expr: count(up) > 0
    labels:
      severity: page
    annotations:
      summary: '{{ $value }} targets up'
`;

let child: ChildProcess;
let work = '';
let base = '';
let log = '';
let am: RunningAlertmanager;
let rulesFile = '';

type Json = Record<string, unknown>;
interface Sample { metric: Record<string, string>; value: [number, string] }
interface RangeSeries { metric: Record<string, string>; values: [number, string][] }

async function getJson(url: string, init?: RequestInit): Promise<Json> {
  const res = await fetch(url, init);
  const text = await res.text();
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 40_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (child.exitCode !== null) throw new Error(`standalone exited ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`${what} not seen in ${ms} ms; standalone log:\n${log.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'standalone-rules-e2e-'));
  am = await startAlertmanager(path.join(work, 'am'));
  rulesFile = path.join(work, 'rules.yml');
  await writeFile(rulesFile, RULES);
  const [http, grpc] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${http}`;
  child = spawn(process.execPath, [BIN, 'standalone', '--demo', '--compact.disable', `--data-dir=${path.join(work, 'data')}`,
    `--http-address=127.0.0.1:${http}`, `--grpc-address=127.0.0.1:${grpc}`, `--rule-file=${rulesFile}`,
    `--alertmanagers.url=${am.url}`, '--label=ruler="standalone"', `--alert.query-url=${base}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  await until('readiness', async () => ((await fetch(`${base}/-/ready`).then((r) => r.status, () => 0)) === 200 ? true : undefined), 60_000);
}, 120_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  await am?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('standalone evaluating rule files in-process', () => {
  it('serves the recording rule\'s series from its querier, equal to the expression at the evaluation times', async () => {
    const series = await until('job:up:sum with two evaluations', async () => {
      const r = await getJson(`${base}/api/v1/query?query=${encodeURIComponent('job:up:sum[1m]')}`);
      const result = (r['data'] as { result: RangeSeries[] } | undefined)?.result ?? [];
      return result.length > 0 && result.every((s) => s.values.length >= 2) ? result : undefined;
    });
    const direct = await getJson(`${base}/api/v1/query?query=${encodeURIComponent('sum by (job) (up)')}&time=${series[0]!.values[0]![0]}`);
    const expected = new Map((direct['data'] as { result: Sample[] }).result.map((s) => [s.metric['job'], s.value[1]]));
    expect(expected.size).toBeGreaterThan(0);
    expect(series).toHaveLength(expected.size);
    for (const s of series) {
      expect(s.metric).toMatchObject({ __name__: 'job:up:sum', ruler: 'standalone' });
      expect(s.values[0]![1]).toBe(expected.get(s.metric['job']));
      // Evaluations two seconds apart, at the group's interval.
      expect(Math.round((s.values[1]![0] - s.values[0]![0]) * 1000)).toBe(2000);
    }
  }, 60_000);

  it('sends the alert to Alertmanager with its labels, annotations and the external label', async () => {
    const alert = await until('DemoTargetsUp at Alertmanager', async () => (await am.alerts()).find((a) => a.labels['alertname'] === 'DemoTargetsUp'));
    const count = await getJson(`${base}/api/v1/query?query=${encodeURIComponent('count(up)')}`);
    const n = (count['data'] as { result: Sample[] }).result[0]!.value[1];
    expect(alert.labels).toEqual({ alertname: 'DemoTargetsUp', severity: 'page', ruler: 'standalone' });
    expect(alert.annotations).toEqual({ summary: `${n} targets up` });
    expect(alert.generatorURL).toContain(`${base}/graph?g0.expr=`);
    expect(alert.status.state).toBe('active');
  }, 60_000);

  it('lists its rule groups in the querier\'s /api/v1/rules and reloads a changed file on POST /-/reload', async () => {
    const names = async (): Promise<string[]> => {
      const r = await getJson(`${base}/api/v1/rules`);
      const groups = (r['data'] as { groups: { name: string; rules: { name: string; health: string }[] }[] }).groups;
      return groups.flatMap((g) => g.rules.map((x) => `${g.name}/${x.name}/${x.health}`)).sort();
    };
    expect(await until('healthy rules', async () => { const n = await names(); return n.every((x) => x.endsWith('/ok')) && n.length === 2 ? n : undefined; }))
      .toEqual(['demo/DemoTargetsUp/ok', 'demo/job:up:sum/ok']);
    await writeFile(rulesFile, RULES + '  - record: up:count\n    expr: count(up)\n');
    const res = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await names()).map((x) => x.split('/').slice(0, 2).join('/'))).toEqual(['demo/DemoTargetsUp', 'demo/job:up:sum', 'demo/up:count']);
    await writeFile(rulesFile, 'groups: [{name: broken, rules: [{record: x}]}]\n');
    const bad = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('failed to reload config');
    expect((await names()).length).toBe(3);
  }, 60_000);
});
