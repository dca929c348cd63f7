// The hashrings file on disk, watched for real (fs.watch + polling): a good change replaces the ring and tells the
// listener; an invalid or empty file keeps the old ring and is counted; the upstream metrics say which is which.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MultiHashring } from '../../../src/receive/hashring/multi.js';
import { configHashValue } from '../../../src/receive/hashring/metrics.js';
import { HashringsFileWatcher, loadHashringsConfig } from '../../../src/receive/hashring/watcher.js';
import { ConfigError } from '../../../src/runtime/errors.js';
import { nopLogger } from '../../../src/runtime/logger.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

const series = labelsFromRecord({ __name__: 'up', job: 'x' });
const ringA = JSON.stringify([{ hashring: 'a', tenants: ['team-a'], endpoints: ['a-0:10901', 'a-1:10901'] }, { hashring: 'rest', endpoints: ['r-0:10901'] }]);
const ringB = JSON.stringify([{ hashring: 'b', endpoints: ['b-0:10901', 'b-1:10901', 'b-2:10901'] }]);
const ringC = JSON.stringify([{ hashring: 'c', tenants: ['x', 'y'], endpoints: ['c-0:10901'] }, { endpoints: ['d-0:10901'] }]);

async function metric(reg: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = await reg.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hashrings file watcher', () => {
  let dir: string;
  let file: string;
  let stop: AbortController;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hashrings-'));
    file = join(dir, 'hashrings.json');
    stop = new AbortController();
  });
  afterEach(() => {
    stop.abort();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Replaces the file the way editors and config tools do: write beside it, rename over it. */
  const replace = (text: string): void => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  it('follows good changes, keeps the old ring on an invalid or empty file, and counts both', async () => {
    writeFileSync(file, ringA);
    const reg = new Registry();
    // A long poll interval: changes here must arrive through fs.watch.
    const w = new HashringsFileWatcher(file, { algorithm: 'hashmod', replicationFactor: 1, logger: nopLogger, registry: reg, refreshIntervalMs: 3_600_000 });
    const seen: MultiHashring[] = [];
    w.onChange((r) => seen.push(r));
    const running = w.run(stop.signal);

    expect(w.current().endpointsFor('team-a', series, 1)[0]!.address).toMatch(/^a-/);
    expect(await metric(reg, 'thanos_receive_hashring_nodes', { name: 'a' })).toBe(2);
    expect(await metric(reg, 'thanos_receive_hashring_tenants', { name: 'a' })).toBe(1);
    expect(await metric(reg, 'thanos_receive_hashring_tenants', { name: 'rest' })).toBe(0);
    expect(await metric(reg, 'thanos_receive_config_hash')).toBe(configHashValue(Buffer.from(ringA)));
    expect(await metric(reg, 'thanos_receive_config_last_reload_successful')).toBe(1);
    expect(await metric(reg, 'thanos_receive_hashrings_file_changes_total')).toBe(1);

    replace(ringB);
    await until('ring B', () => seen.length === 1);
    expect(w.current()).toBe(seen[0]);
    expect(w.current().endpointsFor('team-a', series, 1)[0]!.address).toMatch(/^b-/);
    expect(await metric(reg, 'thanos_receive_hashring_nodes', { name: 'b' })).toBe(3);
    // The old ring's gauges are gone.
    expect(await metric(reg, 'thanos_receive_hashring_nodes', { name: 'a' })).toBeUndefined();
    expect(await metric(reg, 'thanos_receive_hashrings_file_changes_total')).toBe(2);
    const hashB = configHashValue(Buffer.from(ringB));
    expect(await metric(reg, 'thanos_receive_config_hash')).toBe(hashB);

    for (const bad of ['[{"endpoints": [', '', '[]', '[{"endpoints": [{"address": "x", "az": "z"}]}]']) {
      const before = (await metric(reg, 'thanos_receive_hashrings_file_errors_total')) ?? 0;
      replace(bad);
      await until(`the error of ${JSON.stringify(bad)} counted`, async () => ((await metric(reg, 'thanos_receive_hashrings_file_errors_total')) ?? 0) > before);
      expect(await metric(reg, 'thanos_receive_config_last_reload_successful')).toBe(0);
      expect(w.current()).toBe(seen[0]);
      expect(w.current().endpointsFor('team-a', series, 1)[0]!.address).toMatch(/^b-/);
      expect(await metric(reg, 'thanos_receive_config_hash')).toBe(hashB);
    }
    expect(seen).toHaveLength(1);

    // Written in place this time (no rename).
    writeFileSync(file, ringC);
    await until('ring C', () => seen.length === 2);
    expect(w.current().endpointsFor('y', series, 1)[0]!.address).toBe('c-0:10901');
    expect(w.current().endpointsFor('team-a', series, 1)[0]!.address).toBe('d-0:10901');
    expect(await metric(reg, 'thanos_receive_config_last_reload_successful')).toBe(1);
    expect(await metric(reg, 'thanos_receive_hashrings_file_changes_total')).toBe(3);
    expect(await metric(reg, 'thanos_receive_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);

    stop.abort();
    await running;
  });

  it('re-reads every refresh interval even without file events', async () => {
    writeFileSync(file, ringA);
    const reg = new Registry();
    const w = new HashringsFileWatcher(file, { algorithm: 'ketama', replicationFactor: 1, logger: nopLogger, registry: reg, refreshIntervalMs: 100 });
    const running = w.run(stop.signal);
    await until('three polls', async () => ((await metric(reg, 'thanos_receive_hashrings_file_refreshes_total')) ?? 0) >= 4, 3000);
    expect(await metric(reg, 'thanos_receive_hashrings_file_changes_total')).toBe(1);
    stop.abort();
    await running;
  });

  it('an invalid or missing file at startup is fatal, naming the file and the field', () => {
    writeFileSync(file, '[{"hashring": "x", "endpoints": [{"az": "1"}]}]');
    expect(() => loadHashringsConfig({ file, algorithm: 'hashmod', replicationFactor: 1, logger: nopLogger })).toThrow(ConfigError);
    expect(() => loadHashringsConfig({ file, algorithm: 'hashmod', replicationFactor: 1, logger: nopLogger })).toThrow(`${file}: hashrings[0].endpoints[0]: endpoint address must be set`);
    expect(() => loadHashringsConfig({ file: join(dir, 'nope.json'), algorithm: 'hashmod', replicationFactor: 1, logger: nopLogger })).toThrow(/nope\.json: failed to read configuration file/);
  });

  it('inline content is parsed once; the file wins over content; neither means no hashring', async () => {
    const inline = loadHashringsConfig({ content: ringB, algorithm: 'hashmod', replicationFactor: 2, logger: nopLogger })!;
    expect(inline.current().endpointsFor('t', series, 2)).toHaveLength(2);
    await inline.run(stop.signal);
    expect(() => loadHashringsConfig({ content: '[]', algorithm: 'hashmod', replicationFactor: 1, logger: nopLogger })).toThrow(/^--receive\.hashrings: configuration file is empty/);
    writeFileSync(file, ringA);
    expect(loadHashringsConfig({ file, content: ringB, algorithm: 'hashmod', replicationFactor: 1, logger: nopLogger })!.current().nodes().map((e) => e.address)).toEqual(['a-0:10901', 'a-1:10901', 'r-0:10901']);
    expect(loadHashringsConfig({ file: '', content: '', algorithm: 'hashmod', replicationFactor: 1, logger: nopLogger })).toBeUndefined();
  });
});
