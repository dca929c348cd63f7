// Which blocks answer a request at a given max_resolution_window (upstream bucketBlockSet.getFor): the coarsest
// resolution not above the window is used where it has blocks; the gaps before, between and after them are filled,
// recursively, from the next finer resolution, so a query never has holes where only finer data exists.

/** Resolutions in ms, coarsest first: 1h, 5m, raw. */
export const RESOLUTIONS = [3_600_000, 300_000, 0] as const;

export interface ResolutionBlock {
  /** Inclusive. */
  readonly minTime: number;
  /** Exclusive. */
  readonly maxTime: number;
}

/**
 * The blocks covering [mint, maxt] (inclusive) at resolutions ≤ maxResolution, coarsest first where present;
 * `byRes` maps each resolution to its blocks sorted by minTime. Blocks of a resolution not in RESOLUTIONS are never
 * served, as upstream.
 */
export function blocksFor<B extends ResolutionBlock>(byRes: ReadonlyMap<number, readonly B[]>, mint: number, maxt: number, maxResolution: number): B[] {
  let i = 0;
  while (i < RESOLUTIONS.length && RESOLUTIONS[i]! > maxResolution) i++;
  return fill(byRes, mint, maxt, i);
}

function fill<B extends ResolutionBlock>(byRes: ReadonlyMap<number, readonly B[]>, mint: number, maxt: number, i: number): B[] {
  if (mint > maxt || i >= RESOLUTIONS.length) return [];
  const out: B[] = [];
  let start = mint;
  for (const b of byRes.get(RESOLUTIONS[i]!) ?? []) {
    if (b.maxTime <= mint) continue;
    if (b.minTime > maxt) break;
    out.push(...fill(byRes, start, b.minTime - 1, i + 1));
    out.push(b);
    start = b.maxTime;
  }
  out.push(...fill(byRes, start, maxt, i + 1));
  return out;
}
