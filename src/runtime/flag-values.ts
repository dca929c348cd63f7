// Parsers for flag values written as upstream writes them: Thanos byte sizes, Thanos's time-or-duration values
// (--min-time / --max-time), Go booleans, host:port, TLS versions (durations: ./duration.ts). Each throws a plain
// Error with the reason; the CLI layer wraps it into `invalid value "..." for flag --name: reason`.

import { parseDuration } from './duration.js';

// alecthomas/units Base2Bytes as Thanos uses it: KB and KiB both mean 1024 (base 2), B optional on the unit.
const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1, B: 1,
  K: 2 ** 10, KB: 2 ** 10, KIB: 2 ** 10,
  M: 2 ** 20, MB: 2 ** 20, MIB: 2 ** 20,
  G: 2 ** 30, GB: 2 ** 30, GIB: 2 ** 30,
  T: 2 ** 40, TB: 2 ** 40, TIB: 2 ** 40,
  P: 2 ** 50, PB: 2 ** 50, PIB: 2 ** 50,
  E: 2 ** 60, EB: 2 ** 60, EIB: 2 ** 60,
};

/** Parses a byte size as Thanos flags accept it (`250MB`, `2GB`, `1GiB`, `512KB`, `0`), base 2. */
export function parseBytes(s: string): number {
  const trimmed = s.trim();
  if (trimmed === '') throw new Error('empty byte size');
  // Compound values such as `1GB512MB` are accepted by units.ParseBase2Bytes; so are they here.
  const re = /(\d+(?:\.\d+)?)([a-zA-Z]*)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(trimmed)) !== null) {
    const unit = BYTE_UNITS[m[2]!.toUpperCase()];
    if (unit === undefined) throw new Error(`unknown unit "${m[2]}" in byte size "${s}" (use B, KB, MB, GB, TB, PB, EB or KiB…)`);
    total += Number(m[1]) * unit;
    pos = re.lastIndex;
    if (pos === trimmed.length) break;
  }
  if (pos !== trimmed.length) throw new Error(`not a valid byte size: "${s}"`);
  return Math.floor(total);
}

/**
 * Thanos's model.TimeOrDurationValue: an RFC3339 time (`2026-01-02T15:04:05Z`) or a duration relative to now,
 * written with a sign (`-2w`, `-6h30m`, also `2h`). Returns absolute unix milliseconds.
 */
export function parseTimeOrDuration(s: string, now: () => number = Date.now): number {
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s);
    if (Number.isNaN(t)) throw new Error(`not a valid RFC3339 time: "${s}"`);
    // Years such as 0000 and 9999 (the flags' defaults) are outside Date.parse's quirks only with a 4-digit year.
    return t;
  }
  const negative = s.startsWith('-');
  const body = negative || s.startsWith('+') ? s.slice(1) : s;
  const ms = parseDuration(body);
  return now() + (negative ? -ms : ms);
}

/** Parses a Go ParseBool value, as upstream uses for boolean query parameters. */
export function parseGoBool(s: string): boolean {
  switch (s) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True': return true;
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False': return false;
    default: throw new Error(`strconv.ParseBool: parsing "${s}": invalid syntax`);
  }
}

/** Splits `host:port` (host may be empty, meaning every interface, or a bracketed IPv6 address). */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(s);
  if (!m) throw new Error(`address "${s}" is not host:port`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`port ${port} out of range in "${s}"`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Upstream's TLS version flag values (--grpc-server-tls-min-version) and Node's names for them. */
export const TLS_VERSIONS: Readonly<Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'>> = {
  '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3',
};
