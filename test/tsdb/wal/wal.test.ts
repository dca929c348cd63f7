// WAL writer and reader: fragments across pages and segments, records never crossing a segment, compression only
// when smaller; damage at the tail (a cut page, a flipped byte) repaired by keeping everything before it and
// saying what was dropped; damage in an older segment reported with its file and offset.

import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '../../../src/runtime/logger.js';
import { Db } from '../../../src/tsdb/head/db.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { WalCorruptionError, readSegmentRecords, readWal } from '../../../src/tsdb/wal/reader.js';
import { PAGE_SIZE, listSegments, segmentPath } from '../../../src/tsdb/wal/segment.js';
import { WalWriter } from '../../../src/tsdb/wal/writer.js';
import { Appended, dumpDir } from '../head/support.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'wal-test-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Pseudo-random bytes that Snappy cannot shrink. */
function noise(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

describe('WAL writer and reader', () => {
  it('splits records over pages, never over segments, and reads them back', () => {
    const dir = tmp();
    const w = WalWriter.open(dir, { segmentSize: 4 * PAGE_SIZE });
    const recs = [noise(10, 1), noise(PAGE_SIZE * 2 + 100, 2), new Uint8Array(0), noise(PAGE_SIZE - 7, 3), noise(3 * PAGE_SIZE, 4), noise(5, 5)];
    for (const r of recs) w.log(r);
    w.close();
    const got = [...readWal(dir)];
    expect(got.map((r) => Buffer.from(r.data).toString('hex'))).toEqual(recs.map((r) => Buffer.from(r).toString('hex')));
    // The 3-page record did not fit in what was left of segment 0 and started segment 1.
    expect(got[4]!.segment).toBe(got[3]!.segment + 1);
    expect(got[4]!.offset).toBe(0);
    for (const s of listSegments(dir)) expect(statSync(segmentPath(dir, s)).size % PAGE_SIZE).toBe(0);
    // A full first fragment, then middles and a last one: type bytes 2, 3, 4 (no Snappy: noise does not shrink).
    const seg0 = readFileSync(segmentPath(dir, 0));
    expect(seg0[0]).toBe(1);
    expect(seg0[17]).toBe(2);
    expect(seg0[PAGE_SIZE]).toBe(3);
    expect(seg0[2 * PAGE_SIZE]).toBe(4);
  });

  it('compresses a record with Snappy only when that makes it smaller', () => {
    const dir = tmp();
    const w = WalWriter.open(dir);
    w.log(new Uint8Array(1000).fill(7), noise(50, 9));
    w.close();
    const seg = readFileSync(segmentPath(dir, 0));
    expect(seg[0]).toBe(0x01 | 0x08);
    const len = (seg[1]! << 8) | seg[2]!;
    expect(len).toBeLessThan(100);
    expect(seg[7 + len]).toBe(0x01);
    expect([...readWal(dir)].map((r) => r.data.length)).toEqual([1000, 50]);
  });

  it('starts a fresh segment on every open, as Prometheus', () => {
    const dir = tmp();
    WalWriter.open(dir).close();
    const w = WalWriter.open(dir);
    expect(w.currentSegment).toBe(1);
    w.close();
  });

  const damage: { name: string; hurt: (file: string) => void }[] = [
    { name: 'last page cut short', hurt: (f) => truncateSync(f, statSync(f).size - 5) },
    {
      name: 'a flipped byte in the last record',
      hurt: (f) => { const b = readFileSync(f); b[b.length - 3]! ^= 0x40; writeFileSync(f, b); },
    },
  ];
  for (const d of damage) {
    it(`replays everything before the damage and says what it dropped: ${d.name}`, async () => {
      const dir = tmp();
      const db = await Db.open(dir);
      const want = new Appended();
      const labels = labelsFromRecord({ __name__: 'x', i: '1' });
      for (let t = 1; t <= 50; t++) {
        const app = db.appender();
        app.append(labels, t * 1000, t);
        app.commit();
        if (t < 50) want.add(labels, t * 1000, t);
      }
      // Not closed: the killed process left its last page partly written.
      const seg = segmentPath(path.join(dir, 'wal'), db.head.wal!.currentSegment);
      d.hurt(seg);
      const log = captureLogger();
      const again = await Db.open(dir, { logger: log.logger });
      expect(again.replay.corruption).toBeInstanceOf(WalCorruptionError);
      expect(again.replay.samples).toBe(49);
      const warn = log.lines.find((l) => l.level === 'warn')!;
      expect(warn.msg).toMatch(/WAL damaged/);
      expect(warn.fields['file']).toBe(seg);
      expect(warn.fields['offset']).toBe(again.replay.corruption!.offset);
      expect(Number(warn.fields['dropped_bytes'])).toBeGreaterThan(0);
      // After the repair the WAL reads cleanly, takes new samples, and holds exactly what survived.
      const app = again.appender();
      app.append(labels, 60_000, 60);
      app.commit();
      want.add(labels, 60_000, 60);
      await again.close();
      expect([...readWal(path.join(dir, 'wal'))].length).toBeGreaterThan(0);
      expect(await dumpDir(dir)).toBe(want.dump());
      await db.close();
    });
  }

  it('reports damage in an older segment with its file and offset', async () => {
    const dir = tmp();
    const db = await Db.open(dir, { walSegmentSize: PAGE_SIZE, walCompression: false });
    const labels = labelsFromRecord({ __name__: 'x' });
    for (let t = 1; t <= 400; t++) {
      const app = db.appender();
      app.append(labelsFromRecord({ __name__: 'x', pad: String(t).padStart(300, 'p') }), t * 1000, t);
      app.append(labels, t * 1000, t);
      app.commit();
    }
    await db.close();
    const walDir = path.join(dir, 'wal');
    const segs = listSegments(walDir);
    expect(segs.length).toBeGreaterThan(3);
    const older = segmentPath(walDir, segs[1]!);
    const b = readFileSync(older);
    b[100]! ^= 0xff;
    writeFileSync(older, b);
    // The reader names the file and the offset of the damaged record.
    let caught: unknown;
    try { for (const _ of readSegmentRecords(b, older, segs[1]!)) { /* read through */ } } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(WalCorruptionError);
    const err = caught as WalCorruptionError;
    expect(err.file).toBe(older);
    expect(err.offset).toBeLessThanOrEqual(100);
    expect(err.message).toContain(older);
    expect(err.message).toMatch(/at byte \d+/);
    // Opening the directory repairs as Prometheus does (the later segments go) and logs file and offset.
    const log = captureLogger();
    const again = await Db.open(dir, { logger: log.logger });
    await again.close();
    const warn = log.lines.find((l) => l.level === 'warn')!;
    expect(warn.fields['file']).toBe(older);
    expect(warn.fields['offset']).toBe(err.offset);
    expect(String(warn.fields['deleted_segments'])).toContain(segmentPath(walDir, segs[2]!));
  });
});

function captureLogger(): { logger: Logger; lines: { level: string; msg: string; fields: LogFields }[] } {
  const lines: { level: string; msg: string; fields: LogFields }[] = [];
  const make = (): Logger => ({
    debug: (msg, fields = {}) => lines.push({ level: 'debug', msg, fields }),
    info: (msg, fields = {}) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields = {}) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields = {}) => lines.push({ level: 'error', msg, fields }),
    with: () => make(),
  });
  return { logger: make(), lines };
}
