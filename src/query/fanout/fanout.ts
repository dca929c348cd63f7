// Calls one component API on every endpoint that advertises it, at once. A failing endpoint becomes a warning
// under partial response and fails the request otherwise, as upstream's rules/targets/metadata/exemplars proxies do.

import { AbortError, errorMessage, UnavailableError } from '../../runtime/errors.js';
import type { ApiEndpoint } from '../endpoint-set.js';

export interface FanOutOptions {
  /** partial_response: failures become warnings instead of failing the request. */
  readonly partialResponse: boolean;
  readonly signal?: AbortSignal;
}

export interface FanOutResult<T> {
  readonly answers: readonly T[];
  readonly warnings: readonly string[];
}

/** Runs `call` against each endpoint; every answer's own warnings are kept too. */
export async function fanOut<T extends { readonly warnings: readonly string[] }>(
  endpoints: readonly ApiEndpoint[], what: string, opts: FanOutOptions,
  call: (apis: ApiEndpoint['apis'], endpoint: ApiEndpoint, signal: AbortSignal | undefined) => Promise<T | undefined>,
): Promise<FanOutResult<T>> {
  const settled = await Promise.allSettled(endpoints.map((e) => call(e.apis, e, opts.signal)));
  const answers: T[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < settled.length; i++) {
    const s = settled[i]!;
    if (s.status === 'fulfilled') {
      if (s.value === undefined) continue;
      answers.push(s.value);
      warnings.push(...s.value.warnings);
      continue;
    }
    if (opts.signal?.aborted) throw new AbortError(`${what} aborted`, { cause: s.reason });
    const msg = `fetching ${what} from ${endpoints[i]!.name}: ${errorMessage(s.reason)}`;
    if (!opts.partialResponse) throw new UnavailableError(msg, { cause: s.reason });
    warnings.push(msg);
  }
  return { answers, warnings };
}
