// `--deduplication.func=penalty`: the merge of a series held by several replica blocks uses the querier's penalty
// deduplication (stick to one replica, switch only after a gap), as upstream's dedup.NewChunkSeriesMerger does, and
// re-encodes the result in chunks of 120 samples. Plain counters are not adjusted (no PromQL function applies here).

import { splitOverlapping, dedupIterator } from '../query/dedup.js';
import { ValNone, Encoding, encodingName, type SampleIterator } from '../tsdb/chunkenc/chunk.js';
import { ChunkSeriesIterator } from '../tsdb/block/series-iterator.js';
import { encodeSamples, type SeriesMergeFunc } from '../tsdb/compact/chunk-merge.js';
import type { EncodedChunk } from '../tsdb/block/writer.js';
import { formatLabels } from '../tsdb/labels/labels.js';
import { InvalidArgumentError } from '../runtime/errors.js';

export const penaltyChunkMerge: SeriesMergeFunc = (labels, inputs) => {
  const replicas: SampleIterator[] = [];
  for (const input of inputs) {
    const sorted = [...input.chunks].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
    for (const c of sorted) {
      if (c.encoding !== Encoding.XOR) throw new InvalidArgumentError(`series ${formatLabels(labels)}: penalty deduplication handles XOR float chunks only, got ${encodingName(c.encoding)}`);
    }
    // A block whose own chunks overlap reads as several pseudo-replicas, as the querier reads it.
    for (const part of splitOverlapping<EncodedChunk>(sorted)) replicas.push(new ChunkSeriesIterator().reset(part));
  }
  const it = dedupIterator(replicas, 'penalty', '');
  const ts: number[] = [];
  const vs: number[] = [];
  while (it.next() !== ValNone) { ts.push(it.atT()); vs.push(it.atF()); }
  const err = it.err();
  if (err) throw err;
  return encodeSamples(ts, vs);
};
