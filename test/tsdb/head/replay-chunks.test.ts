// A replay on the worker thread (samples cut into chunks there, in columns, open chunks handed over frozen) builds
// exactly the head an in-thread replay builds: same stats, same series, same chunk bytes and cut points, including
// dropped samples (too old, out of order, unknown series), a series logged again under a second ref, stale markers
// and chunks cut at range boundaries and at 240 samples; and both heads stay equal when appended to afterwards.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../../src/tsdb/chunkenc/chunk.js';
import { Head } from '../../../src/tsdb/head/head.js';
import type { ReplayStats } from '../../../src/tsdb/head/replay.js';
import { replayWalAsync } from '../../../src/tsdb/head/replay.js';
import type { Label } from '../../../src/tsdb/labels/labels.js';
import { encodeSamples, encodeSeries, newSampleColumns } from '../../../src/tsdb/wal/records.js';
import { WalWriter } from '../../../src/tsdb/wal/writer.js';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % (2 * HOUR));

const dirs: string[] = [];
afterEach(async () => { await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))); });

function lbls(i: number): Label[] {
  return [{ name: '__name__', value: `m_${i % 7}` }, { name: 'instance', value: `host-${i}` }, { name: 'job', value: 'test' }];
}

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0; return x / 0x1_0000_0000; };
}

/** A WAL with every case the sample side of a replay decides on. */
async function writeWal(seed: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'replay-chunks-'));
  dirs.push(dir);
  const w = WalWriter.open(path.join(dir, 'wal'), { compress: true, segmentSize: 1 << 20 });
  const rand = rng(seed);
  const SERIES = 300;
  w.log(encodeSeries(Array.from({ length: SERIES }, (_, i) => ({ ref: i + 1, labels: lbls(i) }))));
  // Series 5 again under ref 1000 (an alias), series 6 again under its own ref (ignored).
  w.log(encodeSeries([{ ref: 1000, labels: lbls(4) }, { ref: 6, labels: lbls(5) }]));
  const t = new Array<number>(SERIES + 1).fill(T0 - HOUR);
  for (let round = 0; round < 40; round++) {
    const cols = newSampleColumns(4096);
    for (let k = 0; k < 4000; k++) {
      const r = rand();
      const s = 1 + Math.floor(rand() * SERIES);
      let ref = s;
      if (r < 0.01) ref = 5000 + s; // never defined
      else if (r < 0.02 && s === 5) ref = 1000;
      // Mostly regular steps, sometimes jitter, gaps of hours and steps back (out of order, duplicates).
      const step = r < 0.9 ? 15_000 : r < 0.95 ? Math.floor(rand() * 200_000) : r < 0.97 ? 3 * HOUR : -Math.floor(rand() * 60_000);
      t[s] = t[s]! + step;
      const v = r < 0.03 ? STALE_NAN : r < 0.5 ? Math.floor(t[s]! / 15_000) % 50 : rand() * 1e6;
      cols.refs[cols.n] = ref; cols.ts[cols.n] = t[s]!; cols.vs[cols.n] = v; cols.n++;
    }
    w.log(encodeSamples(cols));
  }
  // A series defined late: its earlier samples (above, refs 5000+) were for an unknown series.
  w.log(encodeSeries([{ ref: 5001, labels: lbls(SERIES + 1) }]));
  const tail = newSampleColumns(300);
  for (let k = 0; k < 300; k++) { tail.refs[tail.n] = 5001; tail.ts[tail.n] = T0 + k * 15_000; tail.vs[tail.n] = k; tail.n++; }
  w.log(encodeSamples(tail));
  w.close();
  return path.join(dir, 'wal');
}

async function dump(head: Head): Promise<string[]> {
  const out: string[] = [];
  for await (const s of head.select([])) {
    out.push(`${s.labels.map((l) => `${l.name}=${l.value}`).join(',')} ${s.chunks.map((c) => `${c.minTime}-${c.maxTime}:${Buffer.from(c.data).toString('hex')}`).join(' ')}`);
  }
  out.push(`minTime=${head.minTime} maxTime=${head.maxTime} series=${head.numSeries}`);
  return out;
}

function stats(s: ReplayStats): unknown {
  return { ...s, corruption: s.corruption?.message };
}

describe('replay on the worker thread', () => {
  it.each([1, 2, 3])('builds the same head as an in-thread replay (seed %i), before and after more appends', async (seed) => {
    const wal = await writeWal(seed);
    const heads: Head[] = [];
    const results: unknown[] = [];
    for (const worker of [true, false]) {
      const head = new Head();
      head.minValidTime = T0 - HOUR / 2;
      results.push(stats(await replayWalAsync(head, wal, { worker, repair: false })));
      heads.push(head);
    }
    const [onWorker, inThread] = heads as [Head, Head];
    expect(results[0]).toEqual(results[1]);
    const st = results[1] as ReplayStats;
    expect(st.samples).toBeGreaterThan(100_000);
    expect(st.droppedTooOld).toBeGreaterThan(0);
    expect(st.droppedOutOfOrder).toBeGreaterThan(0);
    expect(st.droppedUnknownSeries).toBeGreaterThan(0);
    const before = await dump(inThread);
    expect(before.some((l) => l.split(' ').length > 4)).toBe(true); // some series have cut chunks
    expect(await dump(onWorker)).toEqual(before);

    // Appending thaws the frozen open chunks: both heads must go on identically (cuts included).
    for (const head of heads) {
      for (let k = 1; k <= 300; k++) {
        const app = head.appender();
        for (let i = 0; i < 302; i += 3) {
          try { app.append(lbls(i), head.maxTime + k * 1000 - 299_000, k % 3 === 0 ? STALE_NAN : k); } catch { /* out of order for this series */ }
        }
        app.commit();
      }
    }
    expect(await dump(onWorker)).toEqual(await dump(inThread));
    for (const head of heads) head.truncateMemory(head.maxTime - HOUR, 0);
    expect(await dump(onWorker)).toEqual(await dump(inThread));
  });
});
