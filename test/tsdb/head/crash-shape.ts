// The data the crash driver (crash-driver.mjs, which takes these as arguments) writes: batch k holds one sample per series at
// BASE + k * STEP with value k * 10 + series.

export const CRASH_BASE_TIME = 1_700_000_000_000;
export const CRASH_STEP_MS = 1000;
export const CRASH_SERIES = 4;
/** A small chunk (and block) range so the head compacts every ~100 batches. */
export const CRASH_CHUNK_RANGE = 60_000;

export function crashValue(batch: number, series: number): number {
  return batch * 10 + series;
}
