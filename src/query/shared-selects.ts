// Store selects shared between instant queries evaluated at the same time. A ruler sends each group's rules as
// instant queries at one evaluation timestamp, and most of them read the same few selectors; without sharing, every
// rule costs a Series call through every store (for the sidecar, a remote read of Prometheus). Our own addition:
// upstream has no such layer. See docs/architecture.md "Shared selects" for the semantics.

import type { Counter } from 'prom-client';
import type { SelectHints } from '../promql/queryable.js';
import { matchesAll, type Matcher } from '../tsdb/labels/matcher.js';
import type { SelectSource } from './eval-pool/pool.js';
import { fetchedBytes, type FetchedSeries } from './queryable.js';

/** One store select: what fetchSeries does, with the warnings set it adds store warnings to. */
export type FetchInto = (matchers: readonly Matcher[], hints: SelectHints, warnings: Set<string>, signal: AbortSignal) => Promise<FetchedSeries[]>;

export interface SharedSelectsOptions {
  /** How long after it started a fetch may answer other selects (--query.shared-selects-window); 0 turns sharing off. */
  readonly windowMs: number;
  /** Chunk bytes kept for reuse in all (--query.shared-selects-max-bytes); a bigger answer is shared only while in flight. */
  readonly maxBytes: number;
  /** thanos_query_shared_selects_total{result}. */
  readonly counter?: Counter<'result'>;
  readonly now?: () => number;
}

interface Entry {
  readonly key: string;
  /** The selector's matchers as text. */
  readonly matchers: ReadonlySet<string>;
  readonly mint: number;
  readonly maxt: number;
  readonly startedAt: number;
  readonly answer: Promise<{ series: FetchedSeries[]; warnings: ReadonlySet<string> }>;
  readonly controller: AbortController;
  /** The stores' warnings for this select (filled in as it runs). */
  readonly warnings: ReadonlySet<string>;
  done: boolean;
  /** Selects waiting for the fetch; when all of them gave up, it is cancelled. */
  waiters: number;
  bytes: number;
}

export interface SourceOptions {
  /** What a select's hints change in the stores' answer (downsampled aggregates), if anything. */
  readonly variant?: (hints: SelectHints) => string;
  /** Labels the stores strip from the answer (replica labels under dedup). */
  readonly strippedLabels?: readonly string[];
}

export class SharedSelects {
  /** Entries by key (scope with its evaluation time, and variant), each a selector covering [mint, maxt]. */
  private readonly byKey = new Map<string, Entry[]>();
  /** Every entry, oldest first: expiry and the byte bound drop from the front. */
  private readonly order: Entry[] = [];
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly opts: SharedSelectsOptions) {
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.windowMs > 0;
  }

  /** Chunk bytes held for reuse now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * A select source for one instant query. `scope` names everything of the request that changes a store's answer
   * (dedup, replica labels, partial response, store matchers, source resolution) together with its evaluation time;
   * `opts` adds what a select's hints change in it. A select is answered by an entry of the same key and matchers
   * whose range covers its own (the engine reads only its own range of the series), or by a finished one with fewer
   * matchers, filtered (findWider); otherwise it fetches.
   */
  source(scope: string, fetch: FetchInto, warnings: Set<string>, opts: SourceOptions = {}): SelectSource {
    return async (matchers, hints, signal) => {
      const key = `${scope}\u0000${opts.variant ? opts.variant(hints) : ''}`;
      const texts = new Set(matchers.map((m) => m.toString()));
      this.expire();
      const same = this.find(key, texts, hints.start, hints.end);
      if (same) {
        this.opts.counter?.inc({ result: same.done ? 'hit' : 'joined' });
      } else {
        const wider = this.findWider(key, matchers, texts, hints.start, hints.end, opts.strippedLabels ?? []);
        if (wider) {
          this.opts.counter?.inc({ result: 'filtered' });
          const got = await wider.entry.answer;
          return got.series.filter((s) => matchesAll(wider.extra, s.labels));
        }
      }
      const entry = same ?? this.start(key, texts, hints, matchers, fetch);
      if (!same) this.opts.counter?.inc({ result: 'miss' });
      const got = await this.wait(entry, signal);
      for (const w of got.warnings) warnings.add(w);
      return got.series;
    };
  }

  private live(key: string): Entry[] {
    const list = this.byKey.get(key);
    if (!list) return [];
    const deadline = this.now() - this.opts.windowMs;
    return list.filter((e) => e.startedAt >= deadline);
  }

  /** An entry with exactly these matchers whose range covers [mint, maxt]. */
  private find(key: string, texts: ReadonlySet<string>, mint: number, maxt: number): Entry | undefined {
    for (const e of this.live(key)) {
      if (e.mint <= mint && e.maxt >= maxt && e.matchers.size === texts.size && [...texts].every((t) => e.matchers.has(t))) return e;
    }
    return undefined;
  }

  /**
   * A finished entry, without warnings, whose matchers are a subset of these (and whose range covers): its series
   * filtered by the other matchers are this select's answer. Not for a matcher on a label the stores stripped
   * (replica labels), which the fetched labels no longer show. Only finished answers without warnings: a wider
   * select may reach more stores or more series, and its failure or warnings are not this select's.
   */
  private findWider(key: string, matchers: readonly Matcher[], texts: ReadonlySet<string>, mint: number, maxt: number, stripped: readonly string[]): { entry: Entry; extra: Matcher[] } | undefined {
    for (const e of this.live(key)) {
      if (!e.done || e.warnings.size > 0 || e.mint > mint || e.maxt < maxt || e.matchers.size >= texts.size) continue;
      if (![...e.matchers].every((t) => texts.has(t))) continue;
      const extra = matchers.filter((m) => !e.matchers.has(m.toString()));
      if (extra.some((m) => stripped.includes(m.name))) continue;
      return { entry: e, extra };
    }
    return undefined;
  }

  private start(key: string, texts: ReadonlySet<string>, hints: SelectHints, matchers: readonly Matcher[], fetch: FetchInto): Entry {
    const controller = new AbortController();
    const own = new Set<string>();
    const entry: Entry = {
      key, matchers: texts, warnings: own, mint: hints.start, maxt: hints.end, startedAt: this.now(), controller, done: false, waiters: 0, bytes: 0,
      answer: fetch(matchers, hints, own, controller.signal).then((series) => ({ series, warnings: own })),
    };
    entry.answer.then((got) => {
      entry.done = true;
      if (!this.holds(entry)) return;
      entry.bytes = fetchedBytes(got.series);
      this.bytes += entry.bytes;
      this.trim();
    }, () => this.remove(entry));
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, list = []);
    list.push(entry);
    this.order.push(entry);
    return entry;
  }

  /** The entry's answer for one select; that select giving up (its signal) leaves the fetch to the others. */
  private wait(entry: Entry, signal: AbortSignal): Promise<{ series: FetchedSeries[]; warnings: ReadonlySet<string> }> {
    if (entry.done) return entry.answer;
    signal.throwIfAborted();
    entry.waiters++;
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        signal.removeEventListener('abort', onAbort);
        entry.waiters--;
      };
      const onAbort = (): void => {
        leave();
        if (entry.waiters === 0 && !entry.done) {
          // Nobody wants it any more: stop the stores' work and let no later select join a cancelled fetch.
          this.remove(entry);
          entry.controller.abort(signal.reason);
        }
        reject(signal.reason instanceof Error ? signal.reason : new Error('select aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.answer.then((got) => {
        if (signal.aborted) return;
        leave();
        resolve(got);
      }, (err: unknown) => {
        if (signal.aborted) return;
        leave();
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  private holds(entry: Entry): boolean {
    return this.byKey.get(entry.key)?.includes(entry) ?? false;
  }

  private remove(entry: Entry): void {
    const list = this.byKey.get(entry.key);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.byKey.delete(entry.key);
    const j = this.order.indexOf(entry);
    if (j >= 0) this.order.splice(j, 1);
    this.bytes -= entry.bytes;
  }

  /** Drops entries past the window (the oldest are first). */
  private expire(): void {
    const deadline = this.now() - this.opts.windowMs;
    while (this.order.length > 0 && this.order[0]!.startedAt < deadline) this.remove(this.order[0]!);
  }

  /** Drops finished entries, oldest first, until the held bytes fit. */
  private trim(): void {
    for (let i = 0; this.bytes > this.opts.maxBytes && i < this.order.length;) {
      const e = this.order[i]!;
      if (e.done) this.remove(e);
      else i++;
    }
  }
}
