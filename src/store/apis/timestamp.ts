// google.protobuf.Timestamp as the component APIs carry it, and its text as Prometheus's JSON writes it (Go's
// RFC 3339 with up to nine fraction digits). Kept to the nanosecond, so an answer relayed through gRPC reads the same.

import { InvalidArgumentError } from '../../runtime/errors.js';
import { int64, optObj, type Obj } from '../codec-values.js';

export interface Timestamp {
  /** Seconds since the Unix epoch (Go's zero time, year 1, is -62135596800). */
  readonly seconds: number;
  /** 0 … 999 999 999. */
  readonly nanos: number;
}

/** Go's zero time.Time: what Prometheus reports for a rule that was never evaluated. */
export const ZERO_TIME: Timestamp = { seconds: -62135596800, nanos: 0 };

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d\d):(\d\d))$/;

/** Parses RFC 3339 text with any offset, as Go's time.Time unmarshals it. */
export function parseRfc3339(s: string, where: string): Timestamp {
  const m = RFC3339.exec(s);
  if (!m) throw new InvalidArgumentError(`${where}: cannot parse ${JSON.stringify(s)} as an RFC 3339 time`);
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let seconds = d.getTime() / 1000;
  if (m[9] !== undefined) seconds -= (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  return { seconds, nanos };
}

/** Go's time.RFC3339Nano in UTC: trailing fraction zeros dropped, `Z` suffix. */
export function formatRfc3339(t: Timestamp): string {
  const iso = new Date(t.seconds * 1000).toISOString(); // yyyy-mm-ddThh:mm:ss.000Z
  const base = iso.slice(0, 19);
  if (t.nanos === 0) return `${base}Z`;
  return `${base}.${String(t.nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
}

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a.seconds - b.seconds || a.nanos - b.nanos;
}

/** The wire form: absent fields stand for the epoch, as in proto3. */
export function encodeTimestamp(t: Timestamp): { seconds: number; nanos: number } {
  return { seconds: t.seconds, nanos: t.nanos };
}

export function decodeTimestamp(v: unknown, where: string): Timestamp | undefined {
  const o: Obj | undefined = optObj(v, where);
  if (o === undefined) return undefined;
  const nanos = o['nanos'] ?? 0;
  if (typeof nanos !== 'number' || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new InvalidArgumentError(`${where}.nanos: out of range`);
  }
  return { seconds: int64(o['seconds'], `${where}.seconds`), nanos };
}
