// Endpoint addresses from --endpoint values (upstream pkg/discovery/dns): `host:port` as is, `dns+host:port` through
// A/AAAA lookups, `dnssrv+name` through an SRV lookup (targets then resolved to IPs), `dnssrvnoa+name` SRV only.

import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
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
  | { readonly kind: 'dns'; readonly host: string; readonly port: string; readonly raw: string }
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

/** Resolves endpoint specs; a name whose lookup fails keeps its last good answer (so a DNS blip drops nothing). */
export class DnsProvider {
  private readonly last = new Map<string, string[]>();

  constructor(
    private readonly resolver: DnsResolver = new Resolver({ timeout: 5000, tries: 2 }),
    private readonly logger: Logger = nopLogger,
  ) {}

  /** Every address the specs resolve to, deduplicated, in spec order. */
  async resolve(specs: readonly EndpointSpec[]): Promise<string[]> {
    const all = await Promise.all(specs.map(async (s) => {
      if (s.kind === 'static') return [s.address];
      try {
        const got = await this.lookup(s);
        this.last.set(s.raw, got);
        return got;
      } catch (err) {
        this.logger.error('dns resolution failed, keeping the previous result', { addr: s.raw, err: errorMessage(err) });
        return this.last.get(s.raw) ?? [];
      }
    }));
    return [...new Set(all.flat())];
  }

  private async lookup(s: Exclude<EndpointSpec, { kind: 'static' }>): Promise<string[]> {
    if (s.kind === 'dns') return (await this.ips(s.host)).map((ip) => joinHostPort(ip, s.port));
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
