// The querier's /api/v1/status/runtimeinfo and /status/tsdb, and the Prometheus-shaped 404 for every other /api/v1
// path. Build info and flags stay with the query API. runtimeinfo has upstream's keys, filled with what Node knows;
// tsdb merges the Status APIs of the endpoints, of which thanos-ts has none yet, so it is empty as upstream's is then.

import os from 'node:os';
import v8 from 'node:v8';
import type { FastifyInstance } from 'fastify';
import { nopLogger, type Logger } from '../../runtime/logger.js';
import { errorJson, ERROR_STATUS } from './json.js';
import { BadDataError } from './params.js';
import { serveApi } from './serve.js';

export interface StatusApiOptions {
  readonly startTime: Date;
  readonly logger?: Logger;
}

export function registerStatusApi(app: FastifyInstance, base: string, opts: StatusApiOptions): void {
  const logger = opts.logger ?? nopLogger;
  app.get(base + '/status/runtimeinfo', (req, reply) => serveApi(req, reply, logger, async () => ({
    data: JSON.stringify({
      startTime: opts.startTime.toISOString(),
      CWD: process.cwd(),
      // Goroutines have no Node counterpart; active handles are the nearest thing to "things running".
      goroutineCount: process.getActiveResourcesInfo().length,
      GOMAXPROCS: os.availableParallelism(),
      GOGC: process.env['GOGC'] ?? '',
      GODEBUG: process.env['GODEBUG'] ?? '',
      GOMEMLIMIT: v8.getHeapStatistics().heap_size_limit,
    }),
  })));
  app.get(base + '/status/tsdb', (req, reply) => serveApi(req, reply, logger, async (p) => {
    const limit = p.get('limit');
    if (limit !== '' && (!/^\d+$/.test(limit) || Number(limit) > 2 ** 31 - 1)) throw new BadDataError(`cannot parse ${JSON.stringify(limit)} to a valid limit`);
    return {
      data: JSON.stringify({
        headStats: { numSeries: 0, numLabelPairs: 0, chunkCount: 0, minTime: 0, maxTime: 0 },
        seriesCountByMetricName: [], labelValueCountByLabelName: [], memoryInBytesByLabelName: [], seriesCountByLabelValuePair: [],
      }),
    };
  }));
}

/** Any /api/v1 path nothing else answers: Prometheus's error envelope with 404, not the web framework's page. */
export function registerApiNotFound(app: FastifyInstance, base: string): void {
  app.all(base + '/*', (req, reply) => {
    const path = new URL(req.url, 'http://x').pathname;
    return reply.code(ERROR_STATUS.not_found).type('application/json').send(errorJson('not_found', `unknown API endpoint: ${req.method} ${path}`));
  });
}
