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
}

export function createRuntime(log: LoggerOptions): Runtime {
  return { logger: createLogger(log), registry: createRegistry(), prober: new Prober(), now: Date.now };
}
