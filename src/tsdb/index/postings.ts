// Postings lists (sorted series IDs) and their set operations. Lists are materialised Uint32Arrays: block indexes
// hold at most 2^32 series, and whole lists make intersect/merge/remove simple linear merges.

export type Postings = Uint32Array;

export const EMPTY_POSTINGS: Postings = new Uint32Array(0);

/** Series present in every list. */
export function intersect(lists: readonly Postings[]): Postings {
  if (lists.length === 0) return EMPTY_POSTINGS;
  const sorted = [...lists].sort((a, b) => a.length - b.length);
  let acc = sorted[0]!;
  for (let k = 1; k < sorted.length && acc.length > 0; k++) acc = intersect2(acc, sorted[k]!);
  return acc;
}

function intersect2(a: Postings, b: Postings): Postings {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!, y = b[j]!;
    if (x === y) { out[n++] = x; i++; j++; } else if (x < y) i++; else j++;
  }
  return out.subarray(0, n);
}

/** Series present in any list, sorted and unique. */
export function merge(lists: readonly Postings[]): Postings {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return EMPTY_POSTINGS;
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  let total = 0;
  for (const l of nonEmpty) total += l.length;
  const all = new Uint32Array(total);
  let n = 0;
  for (const l of nonEmpty) { all.set(l, n); n += l.length; }
  all.sort();
  let u = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[u - 1]) all[u++] = all[i]!;
  return all.subarray(0, u);
}

/** Series of `a` that are not in `b`. */
export function remove(a: Postings, b: Postings): Postings {
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out[n++] = x;
    i++;
  }
  return out.subarray(0, n);
}
