// Reloader: $(NAME) substitution, change detection on the template and rule dirs, POST /-/reload with retries.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
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
  let server: Server;
  let url: string;
  let reloads: number;
  let failNext: number;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reloader-'));
    reloads = 0;
    failNext = 0;
    server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/-/reload') {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end('failed to reload config: boom');
          return;
        }
        reloads++;
        res.writeHead(200).end();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (typeof addr !== 'object' || addr === null) throw new Error('no address');
    url = `http://127.0.0.1:${addr.port}`;
  });

  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  function makeReloader(registry: Registry, watchIntervalMs = 60_000): Reloader {
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
    const end = Date.now() + 10_000;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('renders the template, reloads once at start, and again after template or rule edits', async () => {
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), 'global:\n  external_labels:\n    replica: $(POD_NAME)\n');
    await mkdir(path.join(dir, 'rules'));
    await writeFile(path.join(dir, 'rules', 'a.yaml'), 'groups: []\n');
    const registry = new Registry();
    const r = makeReloader(registry);
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(() => reloads === 1, 'first reload');
      expect(await readFile(path.join(dir, 'out', 'prom.yaml'), 'utf8')).toContain('replica: pod-7');

      await replaceFile(path.join(dir, 'prom.yaml.tmpl'), 'global:\n  external_labels:\n    replica: $(POD_NAME)-b\n');
      await until(() => reloads === 2, 'reload after template edit');
      expect(await readFile(path.join(dir, 'out', 'prom.yaml'), 'utf8')).toContain('replica: pod-7-b');

      await replaceFile(path.join(dir, 'rules', 'b.yaml'), 'groups: []\n');
      await until(() => reloads === 3, 'reload after rule edit');

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
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), 'a: 1\n');
    await mkdir(path.join(dir, 'rules'));
    failNext = 3;
    const registry = new Registry();
    const r = makeReloader(registry);
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(() => reloads === 1, 'reload after retries');
      const text = await registry.metrics();
      expect(text).toMatch(/thanos_sidecar_reloader_reloads_failed_total 3/);
      expect(text).toMatch(/thanos_sidecar_reloader_reloads_total 4/);
    } finally {
      ac.abort();
      await running;
    }
  });

  it('does not reload when nothing changed on a periodic pass', async () => {
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), 'a: 1\n');
    await mkdir(path.join(dir, 'rules'));
    const registry = new Registry();
    const r = makeReloader(registry, 100);
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(() => reloads === 1, 'first reload');
      await new Promise((res) => setTimeout(res, 400));
      expect(reloads).toBe(1);
      expect(await registry.metrics()).toMatch(/thanos_sidecar_reloader_config_apply_operations_total [3-9]/);
    } finally {
      ac.abort();
      await running;
    }
  });

  it('counts a template with an unset variable as a failed apply and keeps running', async () => {
    await writeFile(path.join(dir, 'prom.yaml.tmpl'), 'a: $(UNSET_VAR)\n');
    await mkdir(path.join(dir, 'rules'));
    const registry = new Registry();
    const r = makeReloader(registry, 100);
    const ac = new AbortController();
    const running = r.run(ac.signal);
    try {
      await until(async () => /config_apply_operations_failed_total [1-9]/.test(await registry.metrics()), 'failed apply');
      expect(reloads).toBe(0);
      await replaceFile(path.join(dir, 'prom.yaml.tmpl'), 'a: $(POD_NAME)\n');
      await until(() => reloads === 1, 'reload after fixing the template');
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
      metrics: createReloaderMetrics(new Registry()),
      env: { POD_NAME: 'gz-1' },
    });
    await r.apply(new AbortController().signal);
    expect(await readFile(path.join(dir, 'out.yaml'), 'utf8')).toBe('replica: gz-1\n');
    expect(reloads).toBe(1);
  });
});
