// Endpoint addresses from --endpoint values (upstream pkg/discovery/dns): `host:port` as is, `dns+host:port` through
// A/AAAA lookups, `dnssrv+name` through an SRV lookup (targets then resolved to IPs), `dnssrvnoa+name` SRV only.
// Short names are completed with resolv.conf's `search` list and `ndots`, as Go's resolver does (Node's does not).

import { readFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';

/** The lookups we need, as node:dns/promises' Resolver has them; tests inject their own. */
export interface DnsResolver {
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
  resolveSrv(name: string): Promise<{ name: string; port: number }[]>;
}

export type EndpointSpec =
  | { readonly kind: 'static'; readonly address: string }
  | {
    readonly kind: 'dns'; readonly host: string; readonly port: string; readonly raw: string;
    /** Addresses never returned (the querier's own, for gossip-era --cluster.peers that list every component). */
    readonly exclude?: readonly string[];
  }
  | { readonly kind: 'dnssrv' | 'dnssrvnoa'; readonly name: string; readonly port: string | undefined; readonly raw: string };

function splitHostPort(s: string, where: string): { host: string; port: string } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  if (!m) throw new ConfigError(`address ${JSON.stringify(s)} is not host:port`, { where });
  return { host: m[1] ?? m[2] ?? '', port: m[3]! };
}

/** Parses one --endpoint/--store value; `where` names the flag in errors. */
export function parseEndpointSpec(raw: string, where = '--endpoint'): EndpointSpec {
  const plus = raw.indexOf('+');
  const scheme = plus > 0 ? raw.slice(0, plus) : '';
  const rest = plus > 0 ? raw.slice(plus + 1) : raw;
  switch (scheme) {
    case '': {
      splitHostPort(raw, where);
      return { kind: 'static', address: raw };
    }
    case 'dns': {
      const { host, port } = splitHostPort(rest, where);
      return { kind: 'dns', host, port, raw };
    }
    case 'dnssrv':
    case 'dnssrvnoa': {
      // A port given here overrides the SRV records' ports, as upstream does.
      const m = /^(.*?)(?::(\d+))?$/.exec(rest)!;
      if (m[1] === '') throw new ConfigError(`${JSON.stringify(raw)} has no name to look up`, { where });
      return { kind: scheme, name: m[1]!, port: m[2], raw };
    }
    default:
      throw new ConfigError(`unknown scheme ${JSON.stringify(scheme)} in ${JSON.stringify(raw)}; want dns+, dnssrv+ or dnssrvnoa+`, { where });
  }
}

const joinHostPort = (host: string, port: string | number): string => (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);

/** Upstream's DNS provider metrics: lookups and failures of prefixed addresses, and how many endpoints each gave. */
export interface DnsMetrics {
  readonly lookups: Counter;
  readonly failures: Counter;
  readonly results: Gauge<'addr'>;
}

/**
 * Registers the provider's metrics under `prefix` (the querier's is `thanos_query_store_apis_`, giving
 * thanos_query_store_apis_dns_lookups_total etc., as upstream's query dashboard and ThanosQueryHighDNSFailures read).
 */
export function dnsMetrics(registry: Registry, prefix: string): DnsMetrics {
  const registers = [registry];
  return {
    lookups: new Counter({ name: `${prefix}dns_lookups_total`, help: 'The number of DNS lookups resolutions attempts', registers }),
    failures: new Counter({ name: `${prefix}dns_failures_total`, help: 'The number of DNS lookup failures', registers }),
    results: new Gauge({
      name: `${prefix}dns_provider_results`, help: 'The number of resolved endpoints for each configured address', labelNames: ['addr'], registers,
    }),
  };
}

/** Resolves endpoint specs; a name whose lookup fails keeps its last good answer (so a DNS blip drops nothing). */
export class DnsProvider {
  private readonly last = new Map<string, string[]>();

  constructor(
    private readonly resolver: DnsResolver = SearchListResolver.fromResolvConf(),
    private readonly logger: Logger = nopLogger,
    private readonly metrics?: DnsMetrics,
  ) {}

  /** Every address the specs resolve to, deduplicated, in spec order. */
  async resolve(specs: readonly EndpointSpec[]): Promise<string[]> {
    const all = await Promise.all(specs.map(async (s) => {
      if (s.kind === 'static') return [s.address];
      // Every prefixed address counts as one lookup per resolution round, as upstream's provider counts them.
      this.metrics?.lookups.inc();
      try {
        const got = await this.lookup(s);
        this.last.set(s.raw, got);
        this.metrics?.results.set({ addr: s.raw.slice(s.raw.indexOf('+') + 1) }, got.length);
        return got;
      } catch (err) {
        this.metrics?.failures.inc();
        this.logger.error('dns resolution failed, keeping the previous result', { addr: s.raw, err: errorMessage(err) });
        return this.last.get(s.raw) ?? [];
      }
    }));
    return [...new Set(all.flat())];
  }

  private async lookup(s: Exclude<EndpointSpec, { kind: 'static' }>): Promise<string[]> {
    if (s.kind === 'dns') {
      const exclude = new Set(s.exclude ?? []);
      return (await this.ips(s.host)).map((ip) => joinHostPort(ip, s.port)).filter((a) => !exclude.has(a));
    }
    const records = await this.resolver.resolveSrv(s.name);
    const out: string[] = [];
    for (const r of records) {
      const port = s.port ?? String(r.port);
      if (s.kind === 'dnssrvnoa') out.push(joinHostPort(r.name, port));
      else for (const ip of await this.ips(r.name)) out.push(joinHostPort(ip, port));
    }
    return out;
  }

  /** A and AAAA records of a host (an IP literal is its own answer); fails only if both lookups fail. */
  private async ips(host: string): Promise<string[]> {
    if (isIP(host) !== 0) return [host];
    const [a, aaaa] = await Promise.allSettled([this.resolver.resolve4(host), this.resolver.resolve6(host)]);
    if (a.status === 'rejected' && aaaa.status === 'rejected') throw a.reason;
    return [...(a.status === 'fulfilled' ? a.value : []), ...(aaaa.status === 'fulfilled' ? aaaa.value : [])];
  }
}

/** What the resolver needs from resolv.conf(5). */
export interface ResolvConf {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly ndots: number;
  readonly timeoutMs: number;
  readonly attempts: number;
}

/** Where resolv.conf is read from: $THANOS_TS_RESOLV_CONF when set (tests point it at their own), else the system's. */
export const resolvConfPath = (): string => process.env['THANOS_TS_RESOLV_CONF'] ?? '/etc/resolv.conf';

/**
 * Parses resolv.conf as glibc and Go read it: `nameserver`, `search` (the last of `search`/`domain` wins), and
 * `options ndots:N timeout:N attempts:N`. A nameserver may carry a port (`127.0.0.1:5353`, `[::1]:5353`), a
 * thanos-ts extension (glibc has none) so tests can point at a DNS server on an unprivileged port.
 */
export function parseResolvConf(text: string): ResolvConf {
  let nameservers: string[] = [];
  let search: string[] = [];
  let ndots = 1;
  let timeoutMs = 5000;
  let attempts = 2;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (line === '') continue;
    const [key, ...args] = line.split(/\s+/);
    if (key === 'nameserver' && args[0] !== undefined) nameservers = [...nameservers, args[0]];
    else if (key === 'search') search = args;
    else if (key === 'domain' && args[0] !== undefined) search = [args[0]];
    else if (key === 'options') {
      for (const opt of args) {
        const m = /^(ndots|timeout|attempts):(\d+)$/.exec(opt);
        if (!m) continue;
        const n = Number(m[2]);
        if (m[1] === 'ndots') ndots = Math.min(n, 15);
        else if (m[1] === 'timeout') timeoutMs = Math.max(1, n) * 1000;
        else attempts = Math.max(1, n);
      }
    }
  }
  return { nameservers, search: search.map((d) => d.replace(/\.$/, '')).filter((d) => d !== ''), ndots, timeoutMs, attempts };
}

/**
 * The names to try for `name`, in order, as Go's resolver builds them: a rooted name (`x.`) as is; a name with at
 * least `ndots` dots first as is, then with each search domain; a shorter one with each search domain first.
 */
export function candidateNames(name: string, conf: Pick<ResolvConf, 'search' | 'ndots'>): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const withSearch = conf.search.map((d) => `${name}.${d}`);
  return dots >= conf.ndots ? [name, ...withSearch] : [...withSearch, name];
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME']);

/** A DnsResolver over Node's (c-ares) resolver that applies the search list: the first name with records wins. */
export class SearchListResolver implements DnsResolver {
  constructor(private readonly resolver: Resolver, private readonly conf: Pick<ResolvConf, 'search' | 'ndots'>) {}

  /** Reads resolv.conf (see resolvConfPath); without one, Node's own servers and no search list. */
  static fromResolvConf(file = resolvConfPath()): SearchListResolver {
    let conf: ResolvConf | undefined;
    try {
      conf = parseResolvConf(readFileSync(file, 'utf8'));
    } catch {
      conf = undefined;
    }
    const resolver = new Resolver({ timeout: conf?.timeoutMs ?? 5000, tries: conf?.attempts ?? 2 });
    if (conf && conf.nameservers.length > 0) resolver.setServers([...conf.nameservers]);
    return new SearchListResolver(resolver, conf ?? { search: [], ndots: 1 });
  }

  resolve4(host: string): Promise<string[]> {
    return this.first(host, (n) => this.resolver.resolve4(n));
  }

  resolve6(host: string): Promise<string[]> {
    return this.first(host, (n) => this.resolver.resolve6(n));
  }

  resolveSrv(name: string): Promise<{ name: string; port: number }[]> {
    return this.first(name, (n) => this.resolver.resolveSrv(n));
  }

  private async first<T>(name: string, lookup: (n: string) => Promise<T[]>): Promise<T[]> {
    let failure: unknown;
    for (const candidate of candidateNames(name, this.conf)) {
      try {
        const got = await lookup(candidate);
        if (got.length > 0) return got;
      } catch (err) {
        // "No such name" moves on to the next candidate, as Go does; any other failure is kept to report if none answers.
        if (failure === undefined || NOT_FOUND.has((failure as { code?: string }).code ?? '')) failure = err;
      }
    }
    throw failure ?? Object.assign(new Error(`no records for ${name}`), { code: 'ENOTFOUND' });
  }
}
