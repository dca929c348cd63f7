// The proxy store (upstream pkg/store/proxy.go): fans one request out to many StoreAPIs, skipping those whose
// external labels or time range cannot match, merges their sorted streams into one, applies the partial-response
// strategy (WARN: a failing store becomes a warning; ABORT: the first failure fails the request) and bounds how
// many store calls one request runs at once.

import { AbortError, UnavailableError, errorMessage } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { groupsOfOne } from '../runtime/async.js';
import { compareLabels, getLabel, labelsEqual, type Labels } from '../tsdb/labels/labels.js';
import type { Matcher } from '../tsdb/labels/matcher.js';
import { Gate } from './gate.js';
import { mergeSeriesGroups } from './merge.js';
import {
  MAX_TIME, MIN_TIME, type LabelNamesRequest, type LabelNamesResponse, type LabelValuesRequest,
  type LabelValuesResponse, type PartialResponseStrategy, type SeriesRequest, type SeriesResponse, type StoreAPI,
  type StoreInfo,
} from './store-api.js';

/** A store the proxy may ask, with the Info it last advertised (the endpoint set keeps this fresh). */
export interface StoreTarget {
  /** Shown in warnings and logs (usually the address). */
  readonly name: string;
  readonly store: StoreAPI;
  readonly info: StoreInfo;
}

export interface ProxyStoreOptions {
  readonly logger?: Logger;
  /** ComponentType advertised in Info. Default `query`. */
  readonly componentType?: string;
  /**
   * Store calls one request may have in flight at once; 0 = unlimited. For Series a call holds its slot until the
   * store's first frame arrives (the expensive index work happens before it), so the merge can still hold every
   * stream open.
   */
  readonly maxConcurrency?: number;
  /**
   * --store.response-timeout in ms: a store that sends nothing for this long while the proxy waits on it is cut
   * off and counts as failed (a warning under WARN). 0 = wait as long as the request allows.
   */
  readonly responseTimeoutMs?: number;
}

/**
 * Whether any of a store's label sets can satisfy the matchers (upstream LabelSetsMatch): a matcher only rules a
 * set out when the set has that label and the matcher rejects its value. No label sets = anything may match.
 */
export function labelSetsMatch(matchers: readonly Matcher[], labelSets: readonly Labels[]): boolean {
  if (labelSets.length === 0) return true;
  return labelSets.some((ls) => matchers.every((m) => !ls.some((l) => l.name === m.name) || m.matches(getLabel(ls, m.name))));
}

/** A store that can hand over Series frames in the groups they arrive in (GrpcStoreClient, ProxyStore). */
interface GroupedSeriesStore extends StoreAPI {
  seriesGroups(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<readonly SeriesResponse[]>;
}

function hasSeriesGroups(store: StoreAPI): store is GroupedSeriesStore {
  return typeof (store as Partial<GroupedSeriesStore>).seriesGroups === 'function';
}

/** A store's Series frames in groups: its own when it has them, else one frame per group. */
export function seriesGroupsOf(store: StoreAPI, req: SeriesRequest, signal?: AbortSignal): AsyncIterable<readonly SeriesResponse[]> {
  return hasSeriesGroups(store) ? store.seriesGroups(req, signal) : groupsOfOne(store.series(req, signal));
}

// Reasons for aborts that only tell the stores still running to stop: made once (an Error captures a stack trace
// when made), as nobody waits for these to be thrown.
const SERIES_FINISHED = new AbortError('proxy series finished');
const STORE_FINISHED = new AbortError('store stream finished');

function strategyOf(r: { partialResponseDisabled: boolean; partialResponseStrategy: PartialResponseStrategy }): PartialResponseStrategy {
  return r.partialResponseDisabled ? 'ABORT' : r.partialResponseStrategy;
}

export class ProxyStore implements StoreAPI {
  private readonly logger: Logger;

  constructor(private readonly targets: () => readonly StoreTarget[], private readonly options: ProxyStoreOptions = {}) {
    this.logger = options.logger ?? nopLogger;
  }

  async info(): Promise<StoreInfo> {
    const ts = this.targets();
    const labelSets: Labels[] = [];
    for (const t of ts) {
      for (const ls of t.info.labelSets) if (!labelSets.some((x) => labelsEqual(x, ls))) labelSets.push(ls);
    }
    labelSets.sort(compareLabels);
    return {
      componentType: this.options.componentType ?? 'query',
      labelSets,
      minTime: ts.length === 0 ? MIN_TIME : Math.min(...ts.map((t) => t.info.minTime)),
      maxTime: ts.length === 0 ? MAX_TIME : Math.max(...ts.map((t) => t.info.maxTime)),
      supportsSharding: false,
      supportsWithoutReplicaLabels: ts.every((t) => t.info.supportsWithoutReplicaLabels),
      tsdbInfos: ts.flatMap((t) => t.info.tsdbInfos),
    };
  }

  /** The targets that may hold data for these matchers in [minTime, maxTime]. */
  select(matchers: readonly Matcher[], minTime: number, maxTime: number): StoreTarget[] {
    return this.targets().filter((t) =>
      t.info.minTime <= maxTime && t.info.maxTime >= minTime && labelSetsMatch(matchers, t.info.labelSets));
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    for await (const group of this.seriesGroups(req, signal)) yield* group;
  }

  /**
   * series() in groups of frames, in the same order: callers that can take a group at a time (the querier) pay one
   * await per group instead of one per series.
   */
  async *seriesGroups(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<readonly SeriesResponse[]> {
    const strategy = strategyOf(req);
    const targets = this.select(req.matchers, req.minTime, req.maxTime);
    this.logger.debug('proxy series', { stores: targets.length, strategy });
    const ac = new AbortController();
    const sig = signal ? AbortSignal.any([signal, ac.signal]) : ac.signal;
    const gate = new Gate(this.options.maxConcurrency ?? 0);
    let fatal: unknown;
    const onFatal = (err: unknown): void => {
      fatal ??= err;
      ac.abort(err); // stop the other stores at once
    };
    const sources = targets.map((t) => this.storeSeries(t, req, sig, gate, strategy, onFatal));
    try {
      let emitted = 0;
      for await (const group of mergeSeriesGroups(sources)) {
        if (req.limit <= 0) {
          yield group;
          continue;
        }
        // Cut the group right after the series that reaches the limit.
        let end = 0;
        while (end < group.length && emitted < req.limit) if (group[end++]!.type === 'series') emitted++;
        yield end === group.length ? group : group.slice(0, end);
        if (emitted >= req.limit) return;
      }
      if (fatal !== undefined) throw fatal;
    } catch (err) {
      if (signal?.aborted) throw new AbortError('proxy series aborted', { cause: err });
      throw fatal ?? err;
    } finally {
      ac.abort(SERIES_FINISHED);
    }
  }

  private async *storeSeries(
    t: StoreTarget, req: SeriesRequest, signal: AbortSignal, gate: Gate, strategy: PartialResponseStrategy,
    onFatal: (err: unknown) => void,
  ): AsyncGenerator<readonly SeriesResponse[]> {
    const timeoutMs = this.options.responseTimeoutMs ?? 0;
    // Only the response timeout stops one store alone; everything else (the caller leaving, a fatal failure, the
    // merge ending) aborts `signal` for all. Without a timeout the store gets `signal` itself: no controller and
    // joined signal per store and request.
    const own = timeoutMs > 0 ? new AbortController() : undefined;
    const storeSignal = own ? AbortSignal.any([signal, own.signal]) : signal;
    let release: (() => void) | undefined;
    let it: AsyncIterator<readonly SeriesResponse[]> | undefined;
    try {
      release = await gate.acquire(signal);
      it = seriesGroupsOf(t.store, req, storeSignal)[Symbol.asyncIterator]();
      for (;;) {
        // Only time spent waiting on the store counts: the merge may leave this stream idle for long.
        const timer = own
          ? setTimeout(() => own.abort(new UnavailableError(`no response from store ${t.name} within ${timeoutMs}ms`)), timeoutMs)
          : undefined;
        let r: IteratorResult<readonly SeriesResponse[]>;
        try {
          r = await it.next();
        } finally {
          clearTimeout(timer);
        }
        if (r.done) break;
        release();
        yield r.value;
      }
    } catch (caught) {
      if (signal.aborted) throw caught; // someone else failed the request, or the caller left
      const err: unknown = own?.signal.aborted ? own.signal.reason : caught;
      if (strategy === 'ABORT') {
        this.logger.warn('store failed, failing the request (partial response disabled)', { store: t.name, err: errorMessage(err) });
        onFatal(err);
        throw err;
      }
      this.logger.warn('store failed, returning partial response', { store: t.name, err: errorMessage(err) });
      yield [{ type: 'warning', warning: `fetch series from store ${t.name}: ${errorMessage(err)}` }];
    } finally {
      release?.();
      own?.abort(STORE_FINISHED);
      // Let the store run its own cleanup; not awaited, so a store that ignores its signal cannot hold us.
      it?.return?.().catch(() => {});
    }
  }

  async labelNames(req: LabelNamesRequest, signal?: AbortSignal): Promise<LabelNamesResponse> {
    const { values, warnings } = await this.fanOut(req, signal, (t, sig) => t.store.labelNames(req, sig).then((r) => ({ values: r.names, warnings: r.warnings })));
    return { names: values, warnings };
  }

  async labelValues(req: LabelValuesRequest, signal?: AbortSignal): Promise<LabelValuesResponse> {
    return this.fanOut(req, signal, (t, sig) => t.store.labelValues(req, sig));
  }

  /** Asks every selected store, unions their sorted answers, applies partial response and the limit. */
  private async fanOut(
    req: LabelNamesRequest,
    signal: AbortSignal | undefined,
    ask: (t: StoreTarget, signal: AbortSignal) => Promise<{ values: readonly string[]; warnings: readonly string[] }>,
  ): Promise<{ values: string[]; warnings: string[] }> {
    const strategy = strategyOf(req);
    const ac = new AbortController();
    const sig = signal ? AbortSignal.any([signal, ac.signal]) : ac.signal;
    const gate = new Gate(this.options.maxConcurrency ?? 0);
    const values = new Set<string>();
    const warnings: string[] = [];
    try {
      await Promise.all(this.select(req.matchers, req.start, req.end).map(async (t) => {
        let release: (() => void) | undefined;
        try {
          release = await gate.acquire(sig);
          const r = await ask(t, sig);
          for (const v of r.values) values.add(v);
          warnings.push(...r.warnings);
        } catch (err) {
          if (sig.aborted) throw err;
          if (strategy === 'ABORT') {
            this.logger.warn('store failed, failing the request (partial response disabled)', { store: t.name, err: errorMessage(err) });
            ac.abort(err);
            throw err;
          }
          this.logger.warn('store failed, returning partial response', { store: t.name, err: errorMessage(err) });
          warnings.push(`fetch labels from store ${t.name}: ${errorMessage(err)}`);
        } finally {
          release?.();
        }
      }));
    } finally {
      ac.abort(new AbortError('proxy label request finished'));
    }
    let out = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (req.limit > 0 && out.length > req.limit) out = out.slice(0, req.limit);
    return { values: out, warnings };
  }
}
