// The reloader's metrics, with upstream pkg/reloader's names (the sidecar registers them under `thanos_sidecar_`).
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export interface ReloaderMetrics {
  readonly reloads: Counter;
  readonly reloadErrors: Counter;
  readonly lastReloadSuccess: Gauge;
  readonly lastReloadSuccessTimestamp: Gauge;
  readonly configApply: Counter;
  readonly configApplyErrors: Counter;
  readonly watches: Gauge;
  readonly watchEvents: Counter;
  readonly watchErrors: Counter;
}

export function createReloaderMetrics(registry: Registry, prefix = ''): ReloaderMetrics {
  const registers = [registry];
  const counter = (name: string, help: string): Counter => new Counter({ name: prefix + name, help, registers });
  const gauge = (name: string, help: string): Gauge => new Gauge({ name: prefix + name, help, registers });
  return {
    reloads: counter('reloader_reloads_total', 'Total number of reload requests.'),
    reloadErrors: counter('reloader_reloads_failed_total', 'Total number of reload requests that failed.'),
    lastReloadSuccess: gauge('reloader_last_reload_successful', 'Whether the last reload attempt was successful'),
    lastReloadSuccessTimestamp: gauge('reloader_last_reload_success_timestamp_seconds', 'Timestamp of the last successful reload'),
    configApply: counter('reloader_config_apply_operations_total', 'Total number of config apply operations.'),
    configApplyErrors: counter('reloader_config_apply_operations_failed_total', 'Total number of config apply operations that failed.'),
    watches: gauge('reloader_watches', 'Number of resources watched by the reloader.'),
    watchEvents: counter('reloader_watch_events_total', 'Total number of events received by the reloader from the watcher.'),
    watchErrors: counter('reloader_watch_errors_total', 'Total number of errors received by the reloader from the watcher.'),
  };
}
