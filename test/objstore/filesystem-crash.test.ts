// FILESYSTEM bucket crash safety with real processes: an uploader SIGKILLed at random moments leaves temp files that
// are never listed and are removed when the bucket is next opened, while every upload it acknowledged is whole; a
// temp file another live uploader is writing survives the cleanup; files whose writer cannot be checked go once stale.
// FS_CRASH_ROUNDS sets the number of kills (`npm run soak:fs-upload-crash` runs many).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import type { Bucket } from '../../src/objstore/bucket.js';
import { FilesystemBucket, STALE_UPLOAD_AGE_MS } from '../../src/objstore/providers/filesystem.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { objectBytes } from './support/fs-upload-objects.js';

const UPLOADER = path.join(import.meta.dirname, 'support', 'fs-uploader.ts');
const ROUNDS = Number(process.env['FS_CRASH_ROUNDS'] ?? 4);

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function workDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'fs-crash-'));
  dirs.push(d);
  return d;
}

/** Starts the uploader; `lines` collects its stdout lines as they come. */
function uploader(mode: 'loop' | 'hold', dir: string): { child: ChildProcess; lines: string[]; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', UPLOADER, mode, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, lines, exited };
}

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every upload temp file under `root`, relative. */
async function tempFiles(root: string): Promise<string[]> {
  const all = await readdir(root, { recursive: true });
  return all.filter((f) => path.basename(f).startsWith('.thanos-upload-')).sort();
}

async function openBucket(dir: string): Promise<Bucket> {
  return createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${dir}\n`, 'test', nopLogger), { logger: nopLogger });
}

async function listAll(b: Bucket): Promise<string[]> {
  const out: string[] = [];
  for await (const n of b.iter('', { recursive: true })) out.push(n);
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('FILESYSTEM bucket upload temp files', () => {
  it(`are cleaned after an uploader is SIGKILLed at random moments (${ROUNDS} kills), never listed, acknowledged uploads whole`, async () => {
    const dir = await workDir();
    const acked = new Map<string, string>();
    let leftovers = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const u = uploader('loop', dir);
      const seen = u.lines.length;
      await until(() => u.lines.length > seen, 'the first acknowledged upload');
      await new Promise((r) => setTimeout(r, Math.random() * 400));
      u.child.kill('SIGKILL');
      await u.exited;
      for (const l of u.lines) {
        const [, name, digest] = l.split(' ');
        acked.set(name!, digest!);
      }
      leftovers += (await tempFiles(dir)).length;
      // Every round restarts the numbering; the same names are uploaded again, so the files are overwritten whole.
    }
    expect(leftovers, 'no kill landed inside an upload: the test proved nothing').toBeGreaterThan(0);

    // Listed before any cleanup: only objects, never a temp file.
    const raw = new FilesystemBucket(dir, { writer: '000000000000' });
    const listed = await listAll(raw);
    expect(listed.some((n) => n.includes('.thanos-upload-'))).toBe(false);
    expect((await tempFiles(dir)).length).toBeGreaterThan(0);

    // Opening the bucket (as every mode does) removes what the killed writers left.
    const b = await openBucket(dir);
    await b.close();
    expect(await tempFiles(dir)).toEqual([]);
    for (const [name, digest] of acked) {
      const i = Number(name.split('-')[1]);
      expect(digest).toBe(sha(objectBytes(i)));
      expect(sha(await readFile(path.join(dir, ...name.split('/')))), name).toBe(digest);
    }
    expect(listed).toEqual(expect.arrayContaining([...acked.keys()]));
  }, 30_000 + ROUNDS * 15_000);

  it('leaves the temp file of a live uploader alone, which then completes', async () => {
    const dir = await workDir();
    const u = uploader('hold', dir);
    await until(() => u.lines.includes('writing'), 'the held upload to start');
    const held = await tempFiles(dir);
    expect(held).toHaveLength(1);
    // Made old: a live writer on this machine keeps its file however long it has been idle.
    const old = (Date.now() - 2 * STALE_UPLOAD_AGE_MS) / 1000;
    await utimes(path.join(dir, held[0]!), old, old);

    const b = await openBucket(dir);
    await b.close();
    expect(await tempFiles(dir)).toEqual(held);
    expect(await listAll(b)).toEqual([]);

    u.child.stdin!.write('go\n');
    await u.exited;
    expect(u.child.exitCode).toBe(0);
    expect(u.lines).toContain(`ack held/obj ${sha(objectBytes(0))}`);
    expect(sha(await readFile(path.join(dir, 'held', 'obj')))).toBe(sha(objectBytes(0)));
    expect(await tempFiles(dir)).toEqual([]);
  }, 60_000);

  it('removes a temp file whose writer cannot be checked only once it is stale', async () => {
    const dir = await workDir();
    await mkdir(path.join(dir, 'a', 'b'), { recursive: true });
    const files = {
      legacyOld: 'a/.thanos-upload-0123456789ab', // the name format before writers were recorded
      legacyFresh: 'a/.thanos-upload-ba9876543210',
      otherHostOld: 'a/b/.thanos-upload-ffffffffffff-1-00aa',
      otherHostFresh: 'a/b/.thanos-upload-ffffffffffff-2-00bb',
    };
    const stale = (Date.now() - STALE_UPLOAD_AGE_MS - 60_000) / 1000;
    for (const [k, f] of Object.entries(files)) {
      await writeFile(path.join(dir, f), 'partial');
      if (k.endsWith('Old')) await utimes(path.join(dir, f), stale, stale);
    }
    const b = new FilesystemBucket(dir, { writer: '111111111111' });
    expect(await b.sweepAbandonedUploads()).toBe(2);
    expect(await tempFiles(dir)).toEqual([files.legacyFresh, files.otherHostFresh].sort());
  });
});
