// Block IDs are accepted exactly as upstream's ulid.Parse accepts them.
import { describe, expect, it } from 'vitest';
import { isBlockId } from '../../../src/tsdb/block/ulid.js';

describe('isBlockId', () => {
  it.each([
    ['01HNZX8JGFACFA36RBXDHEQN6E', true],
    ['01hnzx8jgfacfa36rbxdheqn6e', true], // either case, as Crockford base32 decodes
    ['7ZZZZZZZZZZZZZZZZZZZZZZZZZ', true], // the largest 128-bit value
    ['8ZZZZZZZZZZZZZZZZZZZZZZZZZ', false], // overflows 128 bits: ulid.ErrOverflow
    ['01HNZX8JGFACFA36RBXDHEQN6', false], // 25 characters
    ['01HNZX8JGFACFA36RBXDHEQN6EE', false], // 27 characters
    ['01HNZX8JGFACFA36RBXDHEQN6U', false], // U is not in the alphabet
    ['01HNZX8JGFACFA36RBXDHEQNIL', false], // nor I and L
    ['01HNZX8JGFACFA36RBXDHEQN6E/', false],
    ['', false],
  ])('%s → %s', (s, want) => {
    expect(isBlockId(s)).toBe(want);
  });
});
