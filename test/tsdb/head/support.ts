// Helpers for head/WAL tests: what a set of appended samples dumps as (promtool tsdb dump's text), and dumping a
// directory with thanos-ts into a string.

import { Writable } from 'node:stream';
import type { Labels } from '../../../src/tsdb/labels/labels.js';
import { compareLabels, formatLabels } from '../../../src/tsdb/labels/labels.js';
import { dumpSamples } from '../../../src/tsdb/tools/dump.js';
import { formatFloatGoG } from '../../../src/runtime/go-float.js';

/** Samples per series, as a test appended them. */
export class Appended {
  private readonly m = new Map<string, { labels: Labels; ts: number[]; vs: number[] }>();

  add(labels: Labels, t: number, v: number): void {
    const k = formatLabels(labels);
    let s = this.m.get(k);
    if (!s) { s = { labels, ts: [], vs: [] }; this.m.set(k, s); }
    s.ts.push(t);
    s.vs.push(v);
  }

  get samples(): number {
    let n = 0;
    for (const s of this.m.values()) n += s.ts.length;
    return n;
  }

  /** The text promtool tsdb dump prints for these samples. */
  dump(): string {
    const all = [...this.m.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    let out = '';
    for (const s of all) {
      const prefix = formatLabels(s.labels) + ' ';
      for (let i = 0; i < s.ts.length; i++) out += `${prefix}${formatFloatGoG(s.vs[i]!)} ${s.ts[i]}\n`;
    }
    return out;
  }
}

/** `thanos-ts tools tsdb dump` of a directory, as a string. */
export async function dumpDir(dir: string): Promise<string> {
  let out = '';
  const w = new Writable({ write(chunk: Buffer, _enc, cb) { out += chunk.toString('utf8'); cb(); } });
  await dumpSamples(dir, w);
  return out;
}
