// Rule queries answered by a query engine in the same process (standalone's querier): the same parameters and the
// same answer as over the querier's HTTP API, without the HTTP round trip.
import type { PartialResponseStrategy } from './rule-file.js';
import { parseQueryResponse } from './query-client.js';
import type { QueryFunc } from './rules.js';

/** The querier's in-process instant query: the `data` JSON of /api/v1/query's answer, and its warnings. */
export type InstantQuery = (expr: string, tMs: number, partialResponse: boolean) => Promise<{ data: string; warnings: readonly string[] }>;

/** A group's query function over `instant`, with partial responses as the group's strategy says. */
export function localQueryFunc(instant: InstantQuery, strategy: PartialResponseStrategy): QueryFunc {
  return async (expr, tMs) => {
    const r = await instant(expr, tMs, strategy === 'WARN');
    return parseQueryResponse({ status: 'success', data: JSON.parse(r.data) as unknown, warnings: r.warnings }, tMs);
  };
}
