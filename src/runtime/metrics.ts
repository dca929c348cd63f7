// A fresh prom-client registry per process with Node/process metrics and upstream's thanos_build_info.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { buildInfo } from './version.js';

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = buildInfo();
  const g = new Gauge({
    name: 'thanos_build_info',
    help: 'A metric with a constant \'1\' value labeled by version, revision, branch, goversion from which thanos was built, and the goos and goarch for the build.',
    labelNames: ['version', 'revision', 'branch', 'tags', 'goversion', 'goos', 'goarch'] as const,
    registers: [registry],
  });
  g.set({
    version: info.version, revision: info.revision, branch: info.branch, tags: 'unknown',
    goversion: info.goVersion, goos: process.platform, goarch: process.arch === 'x64' ? 'amd64' : process.arch,
  }, 1);
  return registry;
}
