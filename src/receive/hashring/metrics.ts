// The hashrings file's metrics under upstream's names (pkg/receive/config.go ConfigWatcher), so dashboards and
// alerts written for Thanos receive work unchanged.

import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';

export interface HashringsMetrics {
  readonly configHash: Gauge;
  readonly lastReloadSuccessful: Gauge;
  readonly lastReloadSuccessTimestamp: Gauge;
  readonly changes: Counter;
  readonly errors: Counter;
  readonly refreshes: Counter;
  readonly nodes: Gauge<'name'>;
  readonly tenants: Gauge<'name'>;
}

export function createHashringsMetrics(registry: Registry): HashringsMetrics {
  const registers = [registry];
  return {
    configHash: new Gauge({ name: 'thanos_receive_config_hash', help: 'Hash of the currently loaded hashring configuration file.', registers }),
    lastReloadSuccessful: new Gauge({ name: 'thanos_receive_config_last_reload_successful', help: 'Whether the last hashring configuration file reload attempt was successful.', registers }),
    lastReloadSuccessTimestamp: new Gauge({
      name: 'thanos_receive_config_last_reload_success_timestamp_seconds', help: 'Timestamp of the last successful hashring configuration file reload.', registers,
    }),
    changes: new Counter({ name: 'thanos_receive_hashrings_file_changes_total', help: 'The number of times the hashrings configuration file has changed.', registers }),
    errors: new Counter({ name: 'thanos_receive_hashrings_file_errors_total', help: 'The number of errors watching the hashrings configuration file.', registers }),
    refreshes: new Counter({ name: 'thanos_receive_hashrings_file_refreshes_total', help: 'The number of refreshes of the hashrings configuration file.', registers }),
    nodes: new Gauge({ name: 'thanos_receive_hashring_nodes', help: 'The number of nodes per hashring.', labelNames: ['name'], registers }),
    tenants: new Gauge({ name: 'thanos_receive_hashring_tenants', help: 'The number of tenants per hashring.', labelNames: ['name'], registers }),
  };
}

/** Upstream's hashAsMetricValue: the first 48 bits of the file's SHA-256, little-endian, so a float holds it exactly. */
export function configHashValue(content: Buffer): number {
  const sum = createHash('sha256').update(content).digest();
  let v = 0;
  for (let i = 5; i >= 0; i--) v = v * 256 + sum[i]!;
  return v;
}
