// The ruler's own TSDB (head + WAL + blocks) as rule groups use it: appending results (each sample checked on its
// own, refusals counted as Prometheus's group does) and reading back ALERTS_FOR_STATE to restore `for` state.
// Series are stored without external labels; the StoreAPI adds them.

import { errorMessage } from '../runtime/errors.js';
import { Encoding, ValFloat } from '../tsdb/chunkenc/chunk.js';
import { XorIterator } from '../tsdb/chunkenc/xor.js';
import type { Db } from '../tsdb/head/db.js';
import { labelsEqual, type Labels } from '../tsdb/labels/labels.js';
import { Matcher } from '../tsdb/labels/matcher.js';
import type { RuleAppendable } from './group.js';
import type { RuleSample } from './rules.js';

export class RuleStorage implements RuleAppendable {
  constructor(private readonly db: Db) {}

  append(samples: readonly RuleSample[]): { failed: number; reasons: string[] } {
    if (samples.length === 0) return { failed: 0, reasons: [] };
    const app = this.db.appender();
    let failed = 0;
    const reasons: string[] = [];
    for (const s of samples) {
      try {
        app.append(s.labels, s.t, s.v);
      } catch (err) {
        failed++;
        if (reasons.length < 5) reasons.push(errorMessage(err));
      }
    }
    try {
      app.commit();
    } catch (err) {
      return { failed: samples.length, reasons: [errorMessage(err)] };
    }
    return { failed, reasons };
  }

  /** The newest ALERTS_FOR_STATE sample of exactly `alertLabels` in [mint, maxt]. */
  async forState(alertLabels: Labels, mint: number, maxt: number): Promise<{ t: number; v: number } | undefined> {
    const matchers = [new Matcher('=', '__name__', 'ALERTS_FOR_STATE'), ...alertLabels.map((l) => new Matcher('=', l.name, l.value))];
    let last: { t: number; v: number } | undefined;
    const it = new XorIterator();
    for (const block of this.db.seriesBlocks()) {
      if (block.meta.maxTime < mint || block.meta.minTime > maxt) continue;
      for await (const s of block.select(matchers, mint, maxt)) {
        if (!labelsEqual(s.labels.filter((l) => l.name !== '__name__'), alertLabels)) continue;
        for (const c of s.chunks) {
          if (c.encoding !== Encoding.XOR) continue;
          it.reset(c.data);
          while (it.next() === ValFloat) {
            const t = it.atT();
            if (t < mint || t > maxt) continue;
            if (last === undefined || t >= last.t) last = { t, v: it.atF() };
          }
        }
      }
    }
    return last;
  }
}
