// The shipped mixin (examples/mixin): the committed files are what scripts/mixin/generate.ts renders, promtool
// (Prometheus 2.42) accepts the alerting and recording rules, and the alert unit tests in tests.yaml pass.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OUTPUT_DIR, renderMixin } from '../../scripts/mixin/generate.js';
import { runPromtool } from '../support/promtool.js';

describe('examples/mixin', () => {
  it('holds exactly what the generator renders (regenerate with npx tsx scripts/mixin/generate.ts)', async () => {
    const rendered = renderMixin();
    expect(rendered.size).toBe(11);
    for (const [file, text] of rendered) expect(await readFile(path.join(OUTPUT_DIR, file), 'utf8'), file).toBe(text);
  });

  it('promtool check rules accepts alerts.yaml (48 alerts) and rules.yaml (16 recording rules)', async () => {
    const r = await runPromtool(['check', 'rules', path.join(OUTPUT_DIR, 'alerts.yaml'), path.join(OUTPUT_DIR, 'rules.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS: 48 rules found');
    expect(r.stdout).toContain('SUCCESS: 16 rules found');
  });

  it('promtool test rules passes the alert unit tests, and fails when an expectation is wrong', async () => {
    const ok = await runPromtool(['test', 'rules', 'tests.yaml'], { cwd: OUTPUT_DIR });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('SUCCESS');
    // The same tests against an alert whose threshold moved (5% → 20%) must fail: the tests do test the expressions.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mixin-rules-'));
    try {
      const alerts = await readFile(path.join(OUTPUT_DIR, 'alerts.yaml'), 'utf8');
      const moved = alerts.replace(/(handler="query"\}\[5m\]\)\)\n\s*\) \* 100 > )5/, '$120');
      expect(moved).not.toBe(alerts);
      await writeFile(path.join(dir, 'alerts.yaml'), moved);
      await writeFile(path.join(dir, 'tests.yaml'), await readFile(path.join(OUTPUT_DIR, 'tests.yaml'), 'utf8'));
      const bad = await runPromtool(['test', 'rules', 'tests.yaml'], { cwd: dir });
      expect(bad.code).toBe(1);
      expect(bad.stdout + bad.stderr).toContain('ThanosQueryHttpRequestQueryErrorRateHigh');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has every upstream alert group and a runbook link on every alert', async () => {
    const doc = parse(await readFile(path.join(OUTPUT_DIR, 'alerts.yaml'), 'utf8')) as { groups: { name: string; rules: { alert: string; annotations: Record<string, string> }[] }[] };
    expect(doc.groups.map((g) => g.name)).toEqual([
      'thanos-compact', 'thanos-query', 'thanos-receive', 'thanos-sidecar', 'thanos-store', 'thanos-rule', 'thanos-bucket-replicate', 'thanos-component-absent',
    ]);
    for (const r of doc.groups.flatMap((g) => g.rules)) expect(r.annotations['runbook_url']).toMatch(new RegExp(`#alert-name-${r.alert.toLowerCase()}$`));
  });
});
