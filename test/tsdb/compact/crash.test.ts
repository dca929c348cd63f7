// Crash safety of the block merge: a real process compacting four blocks is SIGKILLed at random points; after each
// kill, every directory named like a block is a complete block (meta.json, index and chunks that verify, the same
// stats as an uninterrupted run), anything else is a `*.tmp-for-creation` leftover that removeTmpBlockDirs clears,
// and the inputs are untouched. MERGE_CRASH_ROUNDS sets the number of kills (default 5; `npm run soak:merge-crash`).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMeta } from '../../../src/tsdb/block/meta.js';
import type { BlockMeta } from '../../../src/tsdb/block/meta.js';
import { BlockReader, findBlockDirs } from '../../../src/tsdb/block/reader.js';
import { BlockWriter } from '../../../src/tsdb/block/writer.js';
import { removeTmpBlockDirs } from '../../../src/tsdb/compact/compactor.js';
import { TMP_FOR_CREATION } from '../../../src/tsdb/block/streamed-block.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

const ROUNDS = Number(process.env['MERGE_CRASH_ROUNDS'] ?? 5);
const CHILD = path.join(import.meta.dirname, 'support', 'compact-child.ts');
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
let work: string;
let inputs: string[];

function runChild(dest: string, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dest, ...inputs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('error', reject);
    p.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, ms: Date.now() - start }); });
  });
}

async function checkBlock(dir: string, want: BlockMeta): Promise<void> {
  const meta = await readMeta(dir);
  expect({ stats: meta.stats, compaction: meta.compaction, minTime: meta.minTime, maxTime: meta.maxTime })
    .toEqual({ stats: want.stats, compaction: want.compaction, minTime: want.minTime, maxTime: want.maxTime });
  const r = await BlockReader.open(dir);
  try {
    await r.index.verify();
    let samples = 0;
    for await (const s of r.select([])) for (const c of s.chunks) samples += (c.data[0]! << 8) | c.data[1]!;
    expect(samples).toBe(want.stats.numSamples);
  } finally { await r.close(); }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'tsdb-compact-crash-'));
  const src = path.join(work, 'in');
  await mkdir(src);
  const HOUR = 3_600_000;
  for (let b = 0; b < 4; b++) {
    const w = await BlockWriter.create(src, { minTime: b * 2 * HOUR, maxTime: (b + 1) * 2 * HOUR });
    const ts = Float64Array.from({ length: 480 }, (_, k) => b * 2 * HOUR + k * 15_000);
    for (let i = 0; i < 1500; i++) {
      await w.addSeries(labelsFromRecord({ __name__: `m${String(Math.floor(i / 150))}`, i: String(i).padStart(5, '0') }), ts, Float64Array.from(ts, (t) => (t / 1000) * (i % 7)));
    }
    await w.finish();
  }
  inputs = await findBlockDirs(src);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('compactBlocks under SIGKILL', () => {
  it(`never leaves a directory that reads as a block but is not one (${ROUNDS} kills at random points)`, async () => {
    const inputMetas = await Promise.all(inputs.map((d) => readMeta(d)));
    const clean = path.join(work, 'clean');
    await mkdir(clean);
    const full = await runChild(clean);
    expect(full.code).toBe(0);
    const [cleanDir] = await findBlockDirs(clean);
    const want = await readMeta(cleanDir!);
    const kinds = { complete: 0, tmpLeft: 0, nothing: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const dest = path.join(work, `dest-${round}`);
      await mkdir(dest);
      // From just after start-up to the end of an uninterrupted run: kills land in start-up, reading, writing
      // chunks, the index, meta.json and the rename.
      const r = await runChild(dest, Math.floor(Math.random() * full.ms * 1.1));
      for (const name of await readdir(dest)) {
        if (/^[0-9A-Z]{26}$/.test(name)) {
          await checkBlock(path.join(dest, name), want);
          kinds.complete++;
        } else {
          expect(name.endsWith(TMP_FOR_CREATION), name).toBe(true);
          kinds.tmpLeft++;
        }
      }
      if ((await readdir(dest)).length === 0) kinds.nothing++;
      expect(await findBlockDirs(dest)).toEqual((await readdir(dest)).filter((n) => /^[0-9A-Z]{26}$/.test(n)).map((n) => path.join(dest, n)));
      await removeTmpBlockDirs(dest);
      expect((await readdir(dest)).every((n) => !n.endsWith(TMP_FOR_CREATION))).toBe(true);
      if (r.signal === null) expect(r.code).toBe(0);
    }
    // The inputs are untouched.
    expect(await Promise.all(inputs.map((d) => readMeta(d)))).toEqual(inputMetas);
    expect(kinds.complete + kinds.tmpLeft + kinds.nothing).toBeGreaterThanOrEqual(ROUNDS);
    console.log(`merge crash rounds: ${JSON.stringify(kinds)}`);
  }, 60_000 + ROUNDS * 30_000);
});
