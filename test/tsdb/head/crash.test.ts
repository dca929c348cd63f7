// Crash safety of the head, WAL and head compaction: a driver process appends numbered batches and acknowledges
// each after Commit returns; it is SIGKILLed at random moments and at every head-compaction step (mid block write,
// after the block, after head truncation, mid checkpoint, after the checkpoint). After each kill every acknowledged
// batch is present, every present batch is whole, and a block directory without meta.json is never read.
// HEAD_CRASH_KILLS sets the number of kills (`npm run soak:head` runs many more).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Db } from '../../../src/tsdb/head/db.js';
import { CRASH_BASE_TIME, CRASH_CHUNK_RANGE, CRASH_SERIES, CRASH_STEP_MS, crashValue } from './crash-shape.js';
import { dumpDir } from './support.js';

const KILLS = Number(process.env['HEAD_CRASH_KILLS'] ?? 20);
const STEPS = ['block-writing', 'block-written', 'head-truncated', 'checkpoint-writing', 'checkpointed'];
const driver = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-driver.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'head-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A seeded generator, so a failing run can be repeated (the seed is in the test name). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x1_0000_0000; };
}

/** Runs the driver until it is killed: at `step` by itself, else by us after `delayMs` of appending. */
async function runDriver(data: string, ack: string, step: string | undefined, delayMs: number): Promise<string> {
  const args = [driver, data, ack, String(CRASH_BASE_TIME), String(CRASH_STEP_MS), String(CRASH_SERIES), String(CRASH_CHUNK_RANGE)];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(step ? { CRASH_STEP: step } : {}) },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('ready') && child.exitCode === null && child.signalCode === null) {
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`driver not ready in 30 s: ${err}`); }
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!out.includes('ready')) throw new Error(`driver exited before it was ready: ${err}`);
  // A step kill should come within a few compactions; if it does not, kill anyway (the check then says so).
  const timer = setTimeout(() => child.kill('SIGKILL'), step ? 20_000 : delayMs);
  const signal = await exited;
  clearTimeout(timer);
  if (signal !== 'SIGKILL') throw new Error(`driver ended with ${signal ?? child.exitCode} instead of SIGKILL: ${err}`);
  return out;
}

/** Checks the directory against the acknowledgements; returns the number of batches present. */
async function check(data: string, ack: string): Promise<number> {
  const acked = existsSync(ack) ? readFileSync(ack, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  const maxAcked = acked.length ? Math.max(...acked) : -1;
  const perBatch = new Map<number, number[]>();
  for (const line of (await dumpDir(data)).split('\n')) {
    if (!line) continue;
    const m = /^\{__name__="crash", series="(\d+)"\} (\S+) (\d+)$/.exec(line);
    if (!m) throw new Error(`unexpected dump line ${line}`);
    const k = (Number(m[3]) - CRASH_BASE_TIME) / CRASH_STEP_MS;
    expect(Number(m[2]), `value of series ${m[1]} in batch ${k}`).toBe(crashValue(k, Number(m[1])));
    let l = perBatch.get(k);
    if (!l) { l = []; perBatch.set(k, l); }
    l.push(Number(m[1]));
  }
  const present = [...perBatch.keys()].sort((a, b) => a - b);
  // Batches are committed in order, so what is present is 0..n-1, each whole, and covers every acknowledged one.
  expect(present.length === 0 ? -1 : present[present.length - 1], 'newest batch present').toBe(present.length - 1);
  for (const [k, series] of perBatch) expect(series.length, `samples of batch ${k}`).toBe(CRASH_SERIES);
  expect(present.length - 1, 'every acknowledged batch is present').toBeGreaterThanOrEqual(maxAcked);
  return present.length;
}

describe('head crash safety', () => {
  it(`survives ${KILLS} SIGKILLs, at random moments and at every head-compaction step`, async () => {
    const data = path.join(work, 'data');
    const ack = path.join(work, 'acks');
    const random = rng(Number(process.env['HEAD_CRASH_SEED'] ?? 19));
    const seenTmpBlock: boolean[] = [];
    const seenTmpCheckpoint: boolean[] = [];
    let batches = 0;
    for (let run = 0; run < KILLS; run++) {
      const step = run % 2 === 1 ? STEPS[((run - 1) / 2) % STEPS.length] : undefined;
      await runDriver(data, ack, step, 30 + Math.floor(random() * 400));
      if (step === 'block-writing') seenTmpBlock.push(readdirSync(data).some((n) => n.endsWith('.tmp-for-creation')));
      if (step === 'checkpoint-writing') seenTmpCheckpoint.push(readdirSync(path.join(data, 'wal')).some((n) => /^checkpoint\.\d+\.tmp$/.test(n)));
      if (run === 2) {
        // A block directory without meta.json (a half-copied block): never read as a block.
        const bogus = path.join(data, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
        mkdirSync(path.join(bogus, 'chunks'), { recursive: true });
        writeFileSync(path.join(bogus, 'index'), 'not an index');
      }
      const n = await check(data, ack);
      expect(n, `run ${run} made progress`).toBeGreaterThan(batches);
      batches = n;
    }
    expect(seenTmpBlock.length).toBeGreaterThan(0);
    expect(seenTmpBlock.every(Boolean), 'killed while a block was half written').toBe(true);
    expect(seenTmpCheckpoint.every(Boolean), 'killed while a checkpoint was half written').toBe(true);
    // Blocks were cut (more than one chunk range of batches), and a final open finds all of it.
    const db = await Db.open(data, { chunkRange: CRASH_CHUNK_RANGE });
    expect(db.blocks.length).toBeGreaterThan(1);
    expect(db.blocks.some((b) => b.meta.ulid === '01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe(false);
    await db.close();
    expect(await check(data, ack)).toBeGreaterThanOrEqual(batches);
  }, 600_000);
});
