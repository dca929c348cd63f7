// The one Runtime value a mode passes explicitly to what it builds: logger, metrics registry, prober, clock.
import type { Registry } from 'prom-client';
import type { Logger, LoggerOptions } from './logger.js';
import { createLogger } from './logger.js';
import { createRegistry } from './metrics.js';
import { Prober } from './prober.js';

export interface Runtime {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly prober: Prober;
  /** Unix milliseconds; injected so tests can move time. */
  readonly now: () => number;
  /**
   * True when --tracing.config started the OpenTelemetry SDK: tracing interceptors and wrappers are installed only
   * then, so a process without tracing does no tracing work at all on its hot paths.
   */
  readonly tracing?: boolean;
}

export function createRuntime(log: LoggerOptions): Runtime {
  return { logger: createLogger(log), registry: createRegistry(), prober: new Prober(), now: Date.now };
}
