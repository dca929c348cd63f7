// Block IDs: a block's directory name and meta.json `ulid` are ULIDs, checked everywhere by this one rule.

// oklog/ulid's Parse, as Prometheus and Thanos use it: 26 Crockford base32 characters in either case, the first
// at most '7' (a larger one overflows 128 bits).
const BLOCK_ID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;

/** Whether `s` is a block ID (a ULID) as upstream's ulid.Parse accepts it. */
export function isBlockId(s: string): boolean {
  return BLOCK_ID.test(s);
}
