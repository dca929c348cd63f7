// Field readers for decoded protobufjs messages: every value arrives as unknown and leaves typed, or the reader
// throws InvalidArgumentError naming the message and field path. int64 values are clamped to safe integers.

import { InvalidArgumentError } from '../runtime/errors.js';

export type Obj = Readonly<Record<string, unknown>>;

const TWO_32 = 4294967296;

export function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(`${where}: expected a message`);
  return v as Obj;
}

/** An optional sub-message: undefined/null when absent. */
export function optObj(v: unknown, where: string): Obj | undefined {
  return v === undefined || v === null ? undefined : obj(v, where);
}

function isLongLike(v: unknown): v is { low: number; high: number; unsigned: boolean } {
  return typeof v === 'object' && v !== null && typeof (v as { low?: unknown }).low === 'number'
    && typeof (v as { high?: unknown }).high === 'number';
}

/**
 * An int64 as a number. Values beyond ±2^53 (upstream uses math.MinInt64/MaxInt64 for "unbounded") are clamped to
 * the safe range, so re-encoding never wraps MaxInt64 around to a negative.
 */
export function int64(v: unknown, where: string): number {
  let n: number;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') n = v;
  else if (isLongLike(v)) n = v.unsigned ? (v.high >>> 0) * TWO_32 + (v.low >>> 0) : v.high * TWO_32 + (v.low >>> 0);
  else throw new InvalidArgumentError(`${where}: expected an integer`);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${where}: expected an integer`);
  if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (n < Number.MIN_SAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
  return n;
}

/** A uint64 as a bigint (only used for rarely-set hashes). */
export function uint64Big(v: unknown, where: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number') return BigInt(v);
  if (isLongLike(v)) return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  throw new InvalidArgumentError(`${where}: expected an unsigned integer`);
}

export function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new InvalidArgumentError(`${where}: expected a string`);
  return v;
}

export function bool(v: unknown, where: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(`${where}: expected a bool`);
  return v;
}

export function bytes(v: unknown, where: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (!(v instanceof Uint8Array)) throw new InvalidArgumentError(`${where}: expected bytes`);
  return v;
}

export function list(v: unknown, where: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError(`${where}: expected a repeated field`);
  return v as unknown[];
}

export function strings(v: unknown, where: string): string[] {
  return list(v, where).map((s, i) => str(s, `${where}[${i}]`));
}

/** An enum given by wire number, looked up in `names` (index = wire number). Unknown numbers are rejected. */
export function enumName<T extends string>(v: unknown, names: readonly T[], where: string): T {
  const n = v === undefined || v === null ? 0 : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= names.length) {
    throw new InvalidArgumentError(`${where}: unknown enum value ${typeof n === 'number' ? n : typeof n}`);
  }
  return names[n]!;
}

/** The wire number of an enum name (inverse of enumName). */
export function enumNumber<T extends string>(name: T, names: readonly T[]): number {
  const i = names.indexOf(name);
  if (i < 0) throw new InvalidArgumentError(`unknown enum value ${name}`);
  return i;
}
