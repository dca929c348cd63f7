// The compaction group of a block, exactly as upstream keys it: `<resolution ms>@<labels hash>`, where the hash is
// Prometheus's labels.Hash() of the external labels (after replica labels are removed): xxhash64 with seed 0 over
// `name 0xFF value 0xFF` for every label in name order. Blocks of one group are planned and merged together.

import { xxh64 } from '@node-rs/xxhash';
import { compareBytewise } from '../tsdb/index/writer.js';

const SEP = Buffer.from([0xff]);

/** Prometheus's labels.Hash() of a label set given as a record, as an unsigned 64-bit integer. */
export function labelsHash(labels: Readonly<Record<string, string>>): bigint {
  const names = Object.keys(labels).sort(compareBytewise);
  const parts: Buffer[] = [];
  for (const n of names) parts.push(Buffer.from(n, 'utf8'), SEP, Buffer.from(labels[n]!, 'utf8'), SEP);
  return xxh64(Buffer.concat(parts), 0n);
}

/** The group key of a block with these external labels and downsampling resolution (ms). */
export function groupKey(resolution: number, labels: Readonly<Record<string, string>>): string {
  return `${resolution}@${labelsHash(labels).toString()}`;
}

/** How upstream names a group in logs: `<resolution>@{name="value", ...}`. */
export function groupDescription(resolution: number, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort(compareBytewise);
  return `${resolution}@{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ')}}`;
}
