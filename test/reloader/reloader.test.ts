// Reloader: $(NAME) substitution, change detection on the template and rule dirs, POST /-/reload with retries,
// against a real Prometheus 2.42 whose config file is the reloader's output (its config and rules APIs show what
// each reload applied; an invalid rule file makes it refuse a reload, as it does in service).
import { mkdtemp, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandEnvRefs } from '../../src/reloader/envsubst.js';
import { createReloaderMetrics } from '../../src/reloader/metrics.js';
import { Reloader } from '../../src/reloader/reloader.js';
import { httpReloadTrigger } from '../../src/reloader/trigger.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { startPrometheus, type PrometheusPeer } from '../store/prometheus/prometheus-peer.js';

describe('expandEnvRefs', () => {
  it.each([
    { name: 'substitutes $(NAME)', input: 'replica: $(POD_NAME)\nhost: \'$(HOSTNAME)\'', want: 'replica: pod-0\nhost: \'h1\'' },
    { name: 'leaves ${NAME} and $NAME alone', input: 'a: ${POD_NAME} $POD_NAME', want: 'a: ${POD_NAME} $POD_NAME' },
    { name: 'substitutes an empty value', input: 'x$(EMPTY)y', want: 'xy' },
  ])('$name', ({ input, want }) => {
    expect(expandEnvRefs(input, 'tmpl', { POD_NAME: 'pod-0', HOSTNAME: 'h1', EMPTY: '' })).toBe(want);
  });

  it('rejects a reference to an unset variable, naming it and the file', () => {
    expect(() => expandEnvRefs('a: $(NOPE)', 'prom.tmpl', {})).toThrow(ConfigError);
    expect(() => expandEnvRefs('a: $(NOPE)', 'prom.tmpl', {})).toThrow(/prom\.tmpl: .*"NOPE"/);
  });
});

describe('Reloader', () => {
  let dir: string;
  let prom: PrometheusPeer | undefined;
  let url: string;
  let registry: Registry;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reloader-'));
    registry = new Registry();
    // Prometheus reads the reloader's output; it starts from a minimal config the first reload replaces.
    await mkdir(path.join(dir, 'out'), { recursive: true });
    await writeFile(path.join(dir, 'out', 'prom.yaml'), 'global: {}\n');
    prom = await startPrometheus(dir, { configFile: path.join(dir, 'out', 'prom.yaml') });
    url = prom.url;
  });

  afterEach(async () => {
    await prom?.stop();
    prom = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A metric of the reloader's registry (0 when absent). */
  async function metric(name: string): Promise<number> {
    const m = await registry.getSingleMetric(name)?.get();
    return m?.values[0]?.value ?? 0;
  }
  /** Reloads Prometheus accepted. */
  const reloads = async (): Promise<number> => (await metric('thanos_sidecar_reloader_reloads_total')) - (await metric('thanos_sidecar_reloader_reloads_failed_total'));

  /** The config Prometheus runs now, as it prints it. */
  async function runningConfig(): Promise<string> {
    const body = await (await fetch(`${url}/api/v1/status/config`)).json() as { data: { yaml: string } };
    return body.data.yaml;
  }

  /** The rule group names Prometheus has loaded. */
  async function ruleGroups(): Promise<string[]> {
    const body = await (await fetch(`${url}/api/v1/rules`)).json() as { data: { groups: { name: string }[] } };
    return body.data.groups.map((g) => g.name).sort();
  }

  const template = (replica: string): string =>
    `global:\n  external_labels:\n    replica: ${replica}\nrule_files:\n  - ${path.join(dir, 'rules', '*.yaml')}\n`;
  const group = (name: string, record = 'job:up:sum'): string => `groups:\n  - name: ${name}\n    rules:\n      - record: ${JSON.stringify(record)}\n        expr: sum(up)\n`;

  function makeReloader(watchIntervalMs = 60_000): Reloader {
    return new Reloader({
      configFile: path.join(dir, 'prom.yaml.tmpl'),
      configEnvsubstFile: path.join(dir, 'out', 'prom.yaml'),
      ruleDirs: [path.join(dir, 'rules')],
      watchIntervalMs,
      retryIntervalMs: 50,
      trigger: httpReloadTrigger(url),
      logger: nopLogger,
      metrics: createReloaderMetrics(registry, 'thanos_sidecar_'),
      env: { POD_NAME: 'pod-7' },
      debounceMs: 20,
    });
  }

  /**
   * Replaces a watched file at once, as config tools and kubelet do: written in place, the reloader could read it
   * empty between the truncate and the write and reload for that, making the reload count race the test.
   */
  async function replaceFile(file: string, content: string): Promise<void> {
    const staged = path.join(dir, 'staging', path.basename(file));
    await mkdir(path.dirname(staged), { recursive: true });
    await writeFile(staged, content);
    await rename(staged, file);
  }

  async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const end = Date.now() + 20_000;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${await registry.metrics()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('renders the template, reloads once at start, and again after template or rule edits', async () => {
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), template('$(POD_NAME)'));
    await mkdir(path.join(dir, 'rules'));
    await writeFile(path.join(dir, 'rules', 'a.yaml'), group('a'));
    const r = makeReloader();
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(async () => (await reloads()) === 1, 'first reload');
      expect(await readFile(path.join(dir, 'out', 'prom.yaml'), 'utf8')).toContain('replica: pod-7');
      expect(await runningConfig()).toContain('replica: pod-7');
      expect(await ruleGroups()).toEqual(['a']);

      await replaceFile(path.join(dir, 'prom.yaml.tmpl'), template('$(POD_NAME)-b'));
      await until(async () => (await reloads()) === 2, 'reload after template edit');
      expect(await runningConfig()).toContain('replica: pod-7-b');

      await replaceFile(path.join(dir, 'rules', 'b.yaml'), group('b'));
      await until(async () => (await reloads()) === 3, 'reload after rule edit');
      expect(await ruleGroups()).toEqual(['a', 'b']);

      const text = await registry.metrics();
      expect(text).toMatch(/thanos_sidecar_reloader_reloads_total 3/);
      expect(text).toMatch(/thanos_sidecar_reloader_last_reload_successful 1/);
      expect(text).toMatch(/thanos_sidecar_reloader_watches 2/);
    } finally {
      ac.abort();
      await running;
    }
  });

  it('retries a failing reload until Prometheus accepts it, counting failures', async () => {
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), template('r'));
    await mkdir(path.join(dir, 'rules'));
    // Prometheus refuses the reload (500) while a rule records an invalid metric name.
    await writeFile(path.join(dir, 'rules', 'a.yaml'), group('a', 'not a metric name'));
    const r = makeReloader();
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(async () => (await metric('thanos_sidecar_reloader_reloads_failed_total')) >= 2, 'failed reloads');
      expect(await reloads()).toBe(0);
      await replaceFile(path.join(dir, 'rules', 'a.yaml'), group('a'));
      await until(async () => (await reloads()) === 1, 'reload after the rule file was fixed');
      expect(await ruleGroups()).toEqual(['a']);
      const text = await registry.metrics();
      expect(text).toMatch(/thanos_sidecar_reloader_reloads_failed_total [2-9]/);
      expect(text).toMatch(/thanos_sidecar_reloader_last_reload_successful 1/);
    } finally {
      ac.abort();
      await running;
    }
  });

  it('does not reload when nothing changed on a periodic pass', async () => {
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), template('r'));
    await mkdir(path.join(dir, 'rules'));
    const r = makeReloader(100);
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(async () => (await reloads()) === 1, 'first reload');
      await new Promise((res) => setTimeout(res, 400));
      expect(await reloads()).toBe(1);
      expect(await registry.metrics()).toMatch(/thanos_sidecar_reloader_config_apply_operations_total [3-9]/);
    } finally {
      ac.abort();
      await running;
    }
  });

  it('counts a template with an unset variable as a failed apply and keeps running', async () => {
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), template('$(UNSET_VAR)'));
    await mkdir(path.join(dir, 'rules'));
    const r = makeReloader(100);
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(async () => /config_apply_operations_failed_total [1-9]/.test(await registry.metrics()), 'failed apply');
      expect(await reloads()).toBe(0);
      await replaceFile(path.join(dir, 'prom.yaml.tmpl'), template('$(POD_NAME)'));
      await until(async () => (await reloads()) === 1, 'reload after fixing the template');
      expect(await runningConfig()).toContain('replica: pod-7');
    } finally {
      ac.abort();
      await running;
    }
  });

  it('reads a gzipped template (.gz) and writes the substituted plain config', async () => {
    const { gzipSync } = await import('node:zlib');
    await writeFile(path.join(dir, 'prom.yaml.gz'), gzipSync(Buffer.from('replica: $(POD_NAME)\n')));
    await mkdir(path.join(dir, 'rules'));
    const r = new Reloader({
      configFile: path.join(dir, 'prom.yaml.gz'),
      configEnvsubstFile: path.join(dir, 'out.yaml'),
      ruleDirs: [],
      watchIntervalMs: 60_000,
      retryIntervalMs: 50,
      trigger: httpReloadTrigger(url),
      logger: nopLogger,
      metrics: createReloaderMetrics(registry, 'thanos_sidecar_'),
      env: { POD_NAME: 'gz-1' },
    });
    await r.apply(new AbortController().signal);
    expect(await readFile(path.join(dir, 'out.yaml'), 'utf8')).toBe('replica: gz-1\n');
    expect(await reloads()).toBe(1);
  });
});
