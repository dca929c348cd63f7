// The meta.json of a compaction result, as Prometheus's CompactBlockMetas builds it: time range spanning every
// input, level = highest input level + 1, sources = union of the inputs' sources (sorted), parents = the inputs.

import type { BlockMeta, BlockStats } from '../block/meta.js';
import { InvalidArgumentError } from '../../runtime/errors.js';

/** Meta of the block made from `inputs` (in the order given, which is the order of `parents`). */
export function compactBlockMetas(ulid: string, inputs: readonly BlockMeta[], stats: BlockStats = {}): BlockMeta {
  if (inputs.length === 0) throw new InvalidArgumentError('compaction needs at least one input block');
  let minTime = inputs[0]!.minTime;
  let maxTime = inputs[0]!.maxTime;
  let level = 0;
  const sources = new Set<string>();
  for (const m of inputs) {
    if (m.minTime < minTime) minTime = m.minTime;
    if (m.maxTime > maxTime) maxTime = m.maxTime;
    if (m.compaction.level > level) level = m.compaction.level;
    for (const s of m.compaction.sources ?? []) sources.add(s);
  }
  // ULIDs compare as their 16 bytes; their canonical upper-case Crockford text sorts the same way.
  const sorted = [...sources].map((s) => s.toUpperCase()).sort();
  return {
    ulid, minTime, maxTime, stats, version: 1,
    compaction: {
      level: level + 1,
      sources: sorted,
      parents: inputs.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime })),
    },
  };
}
