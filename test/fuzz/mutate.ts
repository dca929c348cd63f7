// A small deterministic mutation engine for the fuzz suite: a seeded PRNG and byte- and token-level mutations of
// seed inputs. Input i of a run is a pure function of (run seed, i), so any failure is reproduced from two numbers.

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; the whole state is one number. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

/** The seed of input `i` of a run seeded `runSeed` (both 32-bit). */
export function inputSeed(runSeed: number, i: number): number {
  let h = Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x20];
/** Varints that overflow 32 bits, 53 bits and 64 bits, a 10-byte maximum and an unterminated one. */
const VARINTS: readonly number[][] = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
  [0x80, 0x80, 0x80, 0x80, 0x08],
  [0xfe, 0xff, 0xff, 0xff, 0x07],
];
/** Big-endian 32-bit values that break length and offset fields. */
const BE32: readonly number[][] = [
  [0xff, 0xff, 0xff, 0xff], [0x7f, 0xff, 0xff, 0xff], [0x80, 0x00, 0x00, 0x00], [0x00, 0x00, 0x00, 0x00], [0x00, 0x00, 0x00, 0x01],
];

/** Token-level pieces for text targets (PromQL, YAML, JSON). */
const TOKENS: readonly string[] = [
  '(', ')', '[', ']', '{', '}', '"', "'", '`', ',', ':', '-', '#', '\\', '\n', ' ', '\t', '=', '!=', '=~', '!~', '@', 'offset',
  'by', 'without', 'on', 'ignoring', 'group_left', 'bool', '1e309', '-Inf', 'NaN', '0x', '5m', '1y2w3d', '999999999999999999999d',
  'sum(', 'rate(', 'x[5m:1m]', '{__name__=~".+"}', '\u00e9', '\u{1F600}', '\u0000', '\ufffd', '\ud800', '\u202e', '&a', '*a', '!!binary',
  '- ', '? ', '|', '>', '---', '...', '~', 'null', 'true', '1.5', '-1', '9007199254740993', '<<: *a', '%', '$', '${X}', '\r\n',
];
const REPEATABLE: readonly string[] = ['(', '[', '{', '"', "'", '-(', '- ', '[[', '{a: ', '!', '+', '^'];

function clampLen(b: Uint8Array, max: number): Uint8Array {
  return b.length > max ? b.subarray(0, max) : b;
}

/** One random byte-level mutation of `b` (may return a new array). */
function mutateBytesOnce(rng: Rng, b: Uint8Array, seeds: readonly Uint8Array[]): Uint8Array {
  const n = b.length;
  const pos = (): number => rng.below(n + 1);
  const insert = (at: number, piece: ArrayLike<number>): Uint8Array => {
    const out = new Uint8Array(n + piece.length);
    out.set(b.subarray(0, at));
    out.set(piece, at);
    out.set(b.subarray(at), at + piece.length);
    return out;
  };
  switch (rng.below(11)) {
    case 0: { // bit flips
      if (n === 0) return insert(0, [rng.below(256)]);
      const out = b.slice();
      const k = 1 + rng.below(4);
      for (let j = 0; j < k; j++) { const p = rng.below(n); out[p] = out[p]! ^ (1 << rng.below(8)); }
      return out;
    }
    case 1: { // interesting byte
      if (n === 0) return insert(0, [rng.pick(INTERESTING)]);
      const out = b.slice();
      out[rng.below(n)] = rng.pick(INTERESTING);
      return out;
    }
    case 2: { // random byte
      if (n === 0) return insert(0, [rng.below(256)]);
      const out = b.slice();
      out[rng.below(n)] = rng.below(256);
      return out;
    }
    case 3: // insert random bytes
      return insert(pos(), Array.from({ length: 1 + rng.below(8) }, () => rng.below(256)));
    case 4: { // delete a range
      if (n === 0) return b;
      const at = rng.below(n);
      const len = 1 + rng.below(Math.min(16, n - at));
      const out = new Uint8Array(n - len);
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + len), at);
      return out;
    }
    case 5: { // duplicate a range
      if (n === 0) return b;
      const at = rng.below(n);
      const len = 1 + rng.below(Math.min(64, n - at));
      return insert(pos(), b.subarray(at, at + len));
    }
    case 6: // truncate
      return b.subarray(0, rng.below(n + 1));
    case 7: { // splice with another seed
      const other = rng.pick(seeds);
      const cut = rng.below(n + 1);
      const from = rng.below(other.length + 1);
      const out = new Uint8Array(cut + other.length - from);
      out.set(b.subarray(0, cut));
      out.set(other.subarray(from), cut);
      return out;
    }
    case 8: { // overwrite with an overflowing varint
      const v = rng.pick(VARINTS);
      if (n === 0 || rng.chance(0.3)) return insert(pos(), v);
      const out = b.slice();
      const at = rng.below(n);
      for (let j = 0; j < v.length && at + j < n; j++) out[at + j] = v[j]!;
      return out;
    }
    case 9: { // overwrite with a bad BE32 length/offset
      const v = rng.pick(BE32);
      if (n < 4) return insert(pos(), v);
      const out = b.slice();
      out.set(v, rng.below(n - 3));
      return out;
    }
    default: { // arithmetic on one byte
      if (n === 0) return b;
      const out = b.slice();
      const p = rng.below(n);
      out[p] = (out[p]! + (rng.chance(0.5) ? 1 : -1) * (1 + rng.below(16))) & 0xff;
      return out;
    }
  }
}

/** One random token-level mutation of a string. */
function mutateTextOnce(rng: Rng, s: string, seeds: readonly string[]): string {
  const at = (): number => rng.below(s.length + 1);
  switch (rng.below(7)) {
    case 0: { const p = at(); return s.slice(0, p) + rng.pick(TOKENS) + s.slice(p); }
    case 1: { // repeat an opening token many times (deep nesting, long runs)
      const p = at();
      const k = 1 + rng.below(rng.chance(0.2) ? 3000 : 64);
      return s.slice(0, p) + rng.pick(REPEATABLE).repeat(k) + s.slice(p);
    }
    case 2: { // delete a range of characters
      const p = at();
      return s.slice(0, p) + s.slice(p + 1 + rng.below(8));
    }
    case 3: { // replace a character with a token
      const p = rng.below(s.length);
      return s.slice(0, p) + rng.pick(TOKENS) + s.slice(p + 1);
    }
    case 4: { // splice with another seed
      const o = rng.pick(seeds);
      return s.slice(0, at()) + o.slice(rng.below(o.length + 1));
    }
    case 5: { // duplicate a range
      const p = rng.below(s.length);
      const piece = s.slice(p, p + 1 + rng.below(32));
      const q = at();
      return s.slice(0, q) + piece + s.slice(q);
    }
    default: { // swap two characters / change a digit
      const p = rng.below(s.length);
      const c = s.charCodeAt(p);
      if (c >= 48 && c <= 57) return s.slice(0, p) + rng.pick(['0', '9', '99999999999', '-1', '.', 'e', '1e400']) + s.slice(p + 1);
      const q = rng.below(s.length);
      return s.slice(0, Math.min(p, q)) + s[Math.max(p, q)]! + s.slice(Math.min(p, q) + 1, Math.max(p, q)) + s[Math.min(p, q)]! + s.slice(Math.max(p, q) + 1);
    }
  }
}

export interface MutatorOptions {
  /** Longest input produced (bytes / UTF-16 units). */
  readonly maxLen: number;
}

/**
 * Input i of a binary run: a seed (1 in 16 times unmutated) with 1..8 stacked mutations. The same (runSeed, i)
 * always gives the same bytes.
 */
export function mutateBytes(seeds: readonly Uint8Array[], runSeed: number, i: number, opts: MutatorOptions): Uint8Array {
  const rng = new Rng(inputSeed(runSeed, i));
  let b = rng.pick(seeds);
  if (rng.below(16) === 0) return b;
  const k = 1 + rng.below(rng.chance(0.5) ? 2 : 8);
  for (let j = 0; j < k; j++) b = clampLen(mutateBytesOnce(rng, b, seeds), opts.maxLen);
  return b;
}

/** Input i of a text run: token-level mutations mostly, byte-level ones (as UTF-8, decoded leniently) sometimes. */
export function mutateText(seeds: readonly string[], runSeed: number, i: number, opts: MutatorOptions): string {
  const rng = new Rng(inputSeed(runSeed, i));
  let s = rng.pick(seeds);
  if (rng.below(16) === 0) return s;
  const k = 1 + rng.below(rng.chance(0.5) ? 2 : 6);
  for (let j = 0; j < k; j++) {
    if (rng.chance(0.2)) {
      const enc = new TextEncoder().encode(s);
      const bytes = mutateBytesOnce(rng, enc, [enc]);
      s = new TextDecoder().decode(bytes);
    } else {
      s = mutateTextOnce(rng, s, seeds);
    }
    if (s.length > opts.maxLen) s = s.slice(0, opts.maxLen);
  }
  return s;
}
