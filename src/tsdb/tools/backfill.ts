// `create-blocks-from openmetrics`: cuts an OpenMetrics file into blocks aligned to the block duration (2h by
// default) exactly as promtool 2.42 does: same boundaries, chunk range of twice the block duration, maxTime = last
// sample + 1.

import { mkdir } from 'node:fs/promises';
import { InvalidArgumentError, ParseError } from '../../runtime/errors.js';
import type { Labels } from '../labels/labels.js';
import { compareLabels, formatLabels } from '../labels/labels.js';
import type { BlockMeta } from '../block/meta.js';
import { BlockWriter } from '../block/writer.js';
import { parseOpenMetrics } from './openmetrics.js';

export const DEFAULT_BLOCK_DURATION = 2 * 60 * 60 * 1000;

interface SeriesSamples {
  readonly labels: Labels;
  t: number[];
  /** Float64Array, not number[]: V8 canonicalises NaN bit patterns in plain double arrays. */
  v: Float64Array;
  n: number;
}

/** The block duration promtool uses for a --max-block-duration: the largest 2h×3^k not above it (at least 2h). */
export function compatibleBlockDuration(maxBlockDuration: number): number {
  let d = DEFAULT_BLOCK_DURATION;
  if (maxBlockDuration > DEFAULT_BLOCK_DURATION) {
    for (let r = DEFAULT_BLOCK_DURATION; r <= maxBlockDuration; r *= 3) d = r;
  }
  return d;
}

/** Writes one block per non-empty block-duration window into `outputDir`; returns their metas in time order. */
export async function backfillOpenMetrics(text: string, outputDir: string, maxBlockDuration = DEFAULT_BLOCK_DURATION): Promise<BlockMeta[]> {
  const blockDuration = compatibleBlockDuration(maxBlockDuration);
  const byKey = new Map<string, SeriesSamples>();
  let mint = Infinity;
  let maxt = -Infinity;
  for (const s of parseOpenMetrics(text)) {
    if (s.t === undefined) throw new ParseError(`line ${s.line}: expected timestamp for series ${formatLabels(s.labels)}, got none`);
    if (s.labels.length === 0) continue;
    const key = formatLabels(s.labels);
    let e = byKey.get(key);
    if (!e) { e = { labels: s.labels, t: [], v: new Float64Array(64), n: 0 }; byKey.set(key, e); }
    if (e.n === e.v.length) { const nv = new Float64Array(e.n * 2); nv.set(e.v); e.v = nv; }
    e.t.push(s.t);
    e.v[e.n++] = s.v;
    if (s.t < mint) mint = s.t;
    if (s.t > maxt) maxt = s.t;
  }
  await mkdir(outputDir, { recursive: true });
  if (byKey.size === 0) return [];
  const series = [...byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  const metas: BlockMeta[] = [];
  // Go's integer division truncates toward zero; so does Math.trunc.
  for (let t = Math.trunc(mint / blockDuration) * blockDuration; t <= maxt; t += blockDuration) {
    const upper = t + blockDuration;
    const w = await BlockWriter.create(outputDir, { chunkRange: 2 * blockDuration });
    try {
      for (const s of series) {
        const ts: number[] = [];
        const vs = new Float64Array(s.n);
        let last = -Infinity;
        for (let i = 0; i < s.t.length; i++) {
          const st = s.t[i]!;
          if (st < t || st >= upper) continue;
          if (st < last) throw new InvalidArgumentError(`add sample: out of order sample for series ${formatLabels(s.labels)} at ${st}`);
          if (st === last) continue;
          vs[ts.length] = s.v[i]!;
          ts.push(st);
          last = st;
        }
        if (ts.length > 0) await w.addSeries(s.labels, ts, vs, ts.length);
      }
      if (w.seriesCount === 0) { await w.abort(); continue; }
      metas.push(await w.finish());
    } catch (err) {
      await w.abort();
      throw err;
    }
  }
  return metas;
}
