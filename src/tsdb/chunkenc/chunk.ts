// Chunk encodings and the sample-level iterator contract (Prometheus chunkenc.Iterator), shared by every reader.
// Spec: prometheus tsdb/docs/format/chunks.md and tsdb/chunkenc; see ../../../docs or shared reference §3.

/** The encoding byte stored before each chunk in a segment file. */
export const Encoding = { None: 0, XOR: 1, Histogram: 2, FloatHistogram: 3 } as const;
export type EncodingByte = number;

export function encodingName(e: EncodingByte): string {
  switch (e) {
    case Encoding.None: return 'none';
    case Encoding.XOR: return 'XOR';
    case Encoding.Histogram: return 'histogram';
    case Encoding.FloatHistogram: return 'floathistogram';
    default: return `<unknown ${e}>`;
  }
}

/** What `next()`/`seek()` found: nothing (exhausted or failed), a float sample, or a histogram. */
export type ValueType = 0 | 1 | 2 | 3;
export const ValNone = 0;
export const ValFloat = 1;
export const ValHistogram = 2;
export const ValFloatHistogram = 3;

/**
 * A sync pull iterator over the samples of one chunk (or a series), allocating nothing per sample.
 * - `next()` advances and returns the type of the new current sample, or ValNone when exhausted or failed.
 * - `atT()`/`atF()` are the current timestamp (ms) and float value; undefined before the first `next()`.
 * - `seek(t)` advances to the first sample with timestamp >= t (staying put if already there).
 * - `err()` is checked after ValNone: undefined means the data simply ended.
 */
export interface SampleIterator {
  next(): ValueType;
  seek(t: number): ValueType;
  atT(): number;
  atF(): number;
  err(): Error | undefined;
}

/** The stale-marker NaN bit pattern (0x7FF0000000000002), split for comparisons without BigInt. */
export const STALE_NAN_HI = 0x7ff00000;
export const STALE_NAN_LO = 0x00000002;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The staleness-marker value; `isStaleNaN` recognises it by bit pattern. */
export const STALE_NAN: number = (() => { u32[1] = STALE_NAN_HI; u32[0] = STALE_NAN_LO; return f64[0]!; })();

export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  f64[0] = v;
  return u32[1] === STALE_NAN_HI && u32[0] === STALE_NAN_LO;
}
