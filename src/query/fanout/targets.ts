// The querier's Targets API over its endpoints (upstream pkg/targets/targets.go): active and dropped targets of
// every endpoint, replica labels removed, copies of one target merged: an unhealthy copy, then the most recently
// scraped one, wins.

import { compareLabels, withoutLabels } from '../../tsdb/labels/labels.js';
import type { ActiveTarget, DroppedTarget, TargetDiscovery, TargetsRequest } from '../../store/apis/targets.js';
import { TARGET_HEALTHS } from '../../store/apis/targets.js';
import { compareTimestamps } from '../../store/apis/timestamp.js';
import type { ApiEndpoint } from '../endpoint-set.js';
import { fanOut } from './fanout.js';
import type { DedupOptions } from './rules.js';

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareActive(a: ActiveTarget, b: ActiveTarget): number {
  return cmpStr(a.scrapeUrl, b.scrapeUrl) || cmpStr(a.scrapePool, b.scrapePool)
    || compareLabels(a.discoveredLabels, b.discoveredLabels) || compareLabels(a.labels, b.labels);
}

/** <0 when `a` is the copy to keep: lower health number (down before up), then the later scrape. */
function preferActive(a: ActiveTarget, b: ActiveTarget): number {
  return TARGET_HEALTHS.indexOf(a.health) - TARGET_HEALTHS.indexOf(b.health) || compareTimestamps(b.lastScrape, a.lastScrape);
}

function dedup<T>(items: readonly T[], compare: (a: T, b: T) => number, prefer: (a: T, b: T) => number): T[] {
  const sorted = [...items].sort((a, b) => compare(a, b) || prefer(a, b));
  const out: T[] = [];
  for (const t of sorted) if (out.length === 0 || compare(out[out.length - 1]!, t) !== 0) out.push(t);
  return out;
}

export async function fanOutTargets(endpoints: readonly ApiEndpoint[], req: TargetsRequest, opts: DedupOptions): Promise<{ targets: TargetDiscovery; warnings: readonly string[] }> {
  const r = await fanOut(endpoints, 'targets', opts, (c, _e, signal) => c.targets(req, signal));
  const replica = new Set(opts.replicaLabels);
  const active = r.answers.flatMap((a) => a.targets.activeTargets).map((t): ActiveTarget => ({
    ...t, discoveredLabels: withoutLabels(t.discoveredLabels, replica), labels: withoutLabels(t.labels, replica),
  }));
  const dropped = r.answers.flatMap((a) => a.targets.droppedTargets).map((t): DroppedTarget => ({
    discoveredLabels: withoutLabels(t.discoveredLabels, replica),
  }));
  return {
    targets: {
      activeTargets: dedup(active, compareActive, preferActive),
      droppedTargets: dedup(dropped, (a, b) => compareLabels(a.discoveredLabels, b.discoveredLabels), () => 0),
    },
    warnings: r.warnings,
  };
}
