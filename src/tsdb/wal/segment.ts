// WAL layout constants and file names (shared reference §6): 8-digit segment files of 32 KiB pages, fragment
// headers, and `checkpoint.NNNNNNNN` directories.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const PAGE_SIZE = 32 * 1024;
/** Default segment size, 128 MiB. */
export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;
/** Fragment header: type (1), length (BE16), CRC32C (BE32). */
export const FRAGMENT_HEADER_SIZE = 7;

/** Fragment kinds in the low 3 bits of the type byte. */
export const FragmentType = { PageTerm: 0, Full: 1, First: 2, Middle: 3, Last: 4 } as const;
export const SNAPPY_FLAG = 0x08;
export const ZSTD_FLAG = 0x10;
export const FRAGMENT_TYPE_MASK = 0x07;

/** `00000042` for segment 42. */
export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

export function segmentPath(dir: string, index: number): string {
  return join(dir, segmentName(index));
}

/** The entries of `dir`; none when it is missing. */
function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Segment indexes in `dir` (files named by 8 or more digits only), ascending; empty when `dir` is missing. */
export function listSegments(dir: string): number[] {
  const names = namesIn(dir);
  const out: number[] = [];
  for (const n of names) if (/^\d{8,}$/.test(n)) out.push(Number(n));
  return out.sort((a, b) => a - b);
}

export function checkpointName(index: number): string {
  return `checkpoint.${segmentName(index)}`;
}

/** Finished checkpoints in `dir` (not `.tmp` ones), ascending by the last segment they cover. */
export function listCheckpoints(dir: string): { index: number; name: string }[] {
  const names = namesIn(dir);
  const out: { index: number; name: string }[] = [];
  for (const n of names) {
    const m = /^checkpoint\.(\d+)$/.exec(n);
    if (m) out.push({ index: Number(m[1]), name: n });
  }
  return out.sort((a, b) => a.index - b.index);
}
