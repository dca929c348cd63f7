// Reads byte ranges of a block's chunk segments for a reader that moves front to back (compaction copies chunks in
// ref order, which is file order): large window reads, the next one already running while the current is used.
// Other access patterns still work, by direct reads. Returned views stay valid (windows are never reused).

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError } from '../../runtime/errors.js';
import { FileByteSource } from '../byte-source.js';
import { readBE32 } from '../encoding/decoder.js';
import { SEGMENT_FORMAT_V1, SEGMENT_HEADER_SIZE, SEGMENT_MAGIC, segmentFileName } from './refs.js';

const DEFAULT_WINDOW = 1024 * 1024;

/**
 * Three window buffers take turns: the current one, the one being read ahead, and the one before the current, so
 * a view stays valid across one window move (callers use a view before reading on twice). Ranges no window holds
 * (backwards, or larger than a window) are read into fresh buffers the caller owns.
 */
export class SequentialChunkReader {
  private seg = -1;
  private winStart = 0;
  private win: Uint8Array = new Uint8Array(0);
  private readonly bufs: Uint8Array[];
  private cur = 0;
  private nextBuf = 1;
  private next: Promise<Uint8Array> | undefined;
  private nextStart = 0;

  private constructor(private readonly segments: readonly FileByteSource[], private readonly window: number) {
    this.bufs = [0, 1, 2].map(() => new Uint8Array(window));
  }

  /** Opens every segment file of a block's chunks/ directory and checks its header. */
  static async openDir(dir: string, window = DEFAULT_WINDOW): Promise<SequentialChunkReader> {
    const names = (await readdir(dir)).filter((n) => /^\d+$/.test(n)).sort();
    const sources: FileByteSource[] = [];
    try {
      for (const n of names) {
        const s = await FileByteSource.open(join(dir, n));
        sources.push(s);
        if (s.length < SEGMENT_HEADER_SIZE) throw new CorruptionError(s.name, 'segment header', 0, `file of ${s.length} bytes is shorter than the header`);
        const h = await s.read(0, SEGMENT_HEADER_SIZE);
        const magic = readBE32(h, 0);
        if (magic !== SEGMENT_MAGIC) throw new CorruptionError(s.name, 'segment header', 0, `invalid magic number 0x${magic.toString(16)}`);
        if (h[4] !== SEGMENT_FORMAT_V1) throw new CorruptionError(s.name, 'segment header', 4, `invalid chunk format version ${h[4]}`);
      }
      return new SequentialChunkReader(sources, window);
    } catch (err) {
      for (const s of sources) await s.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    // A prefetch still running must not land on a closed file handle unobserved.
    try { await this.next; } catch { /* nobody wants that window any more */ }
    for (const s of this.segments) await s.close();
  }

  /** The segment `seg` (0-based), or a CorruptionError naming the ref's target. */
  source(seg: number, off: number): FileByteSource {
    const src = this.segments[seg];
    if (src === undefined) throw new CorruptionError(`chunks/${segmentFileName(seg)}`, 'chunk ref', off, `ref names segment ${seg + 1}, block has ${this.segments.length}`);
    return src;
  }

  /** Size of segment `seg`. */
  segmentLength(seg: number): number {
    return this.source(seg, 0).length;
  }

  /** Bytes [start, end) of segment `seg` when the current window holds them (no I/O), else undefined. */
  tryRange(seg: number, start: number, end: number): Uint8Array | undefined {
    if (seg !== this.seg || start < this.winStart || end > this.winStart + this.win.length) return undefined;
    return this.win.subarray(start - this.winStart, end - this.winStart);
  }

  /**
   * Bytes [start, end) of segment `seg`; CorruptionError when they are not inside the file. The view is valid
   * until the window has moved twice more (any two later calls that did I/O).
   */
  async range(seg: number, start: number, end: number): Promise<Uint8Array> {
    const got = this.tryRange(seg, start, end);
    if (got) return got;
    const src = this.source(seg, start);
    if (start < SEGMENT_HEADER_SIZE || end > src.length || start > end) {
      throw new CorruptionError(src.name, 'chunk ref', start, `chunk bytes [${start}, ${end}) outside segment of ${src.length} bytes`);
    }
    const winEnd = this.winStart + this.win.length;
    if (seg === this.seg && start >= this.winStart && start <= winEnd && this.next !== undefined && this.nextStart === winEnd) {
      // Moving on into the window read ahead.
      const more = await this.next;
      const moreEnd = this.nextStart + more.length;
      let out: Uint8Array | undefined;
      if (end <= moreEnd) {
        if (start >= this.nextStart) out = more.subarray(start - this.nextStart, end - this.nextStart);
        else {
          out = new Uint8Array(end - start);
          out.set(this.win.subarray(start - this.winStart), 0);
          out.set(more.subarray(0, end - this.nextStart), winEnd - start);
        }
      }
      const before = this.cur;
      this.cur = this.nextBuf;
      this.nextBuf = 3 - before - this.cur;
      this.win = more;
      this.winStart = this.nextStart;
      this.prefetch(src, moreEnd);
      return out ?? await src.read(start, end - start);
    }
    if ((seg > this.seg || (seg === this.seg && start >= winEnd)) && end - start <= this.window) {
      // A new segment, or a jump forward: the window restarts here, in the buffer neither current nor read ahead.
      try { await this.next; } catch { /* superseded */ }
      this.next = undefined;
      const spare = 3 - this.cur - this.nextBuf;
      this.seg = seg;
      this.winStart = start;
      this.win = await src.readInto(this.bufs[spare]!, start, Math.min(src.length, start + this.window) - start);
      // The old current buffer becomes the spare: views into it stay valid over this move.
      this.cur = spare;
      this.prefetch(src, start + this.win.length);
      return this.win.subarray(0, end - start);
    }
    // Backwards, or larger than a window: a read of its own; the window stays for whoever reads on.
    return src.read(start, end - start);
  }

  private prefetch(src: FileByteSource, at: number): void {
    this.nextStart = at;
    this.next = at < src.length ? src.readInto(this.bufs[this.nextBuf]!, at, Math.min(this.window, src.length - at)) : undefined;
    // Awaited when the reader gets there (or by close); a failure before that must not crash the process.
    this.next?.catch(() => undefined);
  }
}
