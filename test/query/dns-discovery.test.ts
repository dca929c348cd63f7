// Endpoint specs and DNS discovery: static, dns+ (A/AAAA), dnssrv+ (SRV then A/AAAA), dnssrvnoa+, failure keeps the
// last answer. No DNS server runs here, so the resolver is a table (the lookup logic is what is under test).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/runtime/errors.js';
import { Registry } from 'prom-client';
import { DnsProvider, dnsMetrics, parseEndpointSpec, type DnsResolver } from '../../src/query/dns-discovery.js';

class TableResolver implements DnsResolver {
  constructor(public a: Record<string, string[]>, public aaaa: Record<string, string[]>, public srv: Record<string, { name: string; port: number }[]>) {}
  fail = false;
  private get<T>(t: Record<string, T>, k: string): Promise<T> {
    if (this.fail || !(k in t)) return Promise.reject(new Error(`queryA ENOTFOUND ${k}`));
    return Promise.resolve(t[k]!);
  }
  resolve4(h: string): Promise<string[]> { return this.get(this.a, h); }
  resolve6(h: string): Promise<string[]> { return this.get(this.aaaa, h); }
  resolveSrv(n: string): Promise<{ name: string; port: number }[]> { return this.get(this.srv, n); }
}

describe('parseEndpointSpec', () => {
  it.each([
    ['127.0.0.1:10901', { kind: 'static', address: '127.0.0.1:10901' }],
    ['[::1]:10901', { kind: 'static', address: '[::1]:10901' }],
    ['dns+sidecar.ns.svc:10901', { kind: 'dns', host: 'sidecar.ns.svc', port: '10901', raw: 'dns+sidecar.ns.svc:10901' }],
    ['dnssrv+_grpc._tcp.sidecar', { kind: 'dnssrv', name: '_grpc._tcp.sidecar', port: undefined, raw: 'dnssrv+_grpc._tcp.sidecar' }],
    ['dnssrvnoa+_grpc._tcp.s:1234', { kind: 'dnssrvnoa', name: '_grpc._tcp.s', port: '1234', raw: 'dnssrvnoa+_grpc._tcp.s:1234' }],
  ])('%s', (raw, want) => {
    expect(parseEndpointSpec(raw)).toEqual(want);
  });
  it.each(['sidecar', 'dns+sidecar', 'foo+bar:1', 'dnssrv+'])('rejects %s naming the flag', (raw) => {
    expect(() => parseEndpointSpec(raw, '--store')).toThrow(ConfigError);
    expect(() => parseEndpointSpec(raw, '--store')).toThrow(/--store/);
  });
});

describe('DnsProvider', () => {
  const resolver = new TableResolver(
    { 'sidecar.svc': ['10.0.0.1', '10.0.0.2'], 'a.svc': ['10.0.1.1'], 'b.svc': ['10.0.1.2'] },
    { 'sidecar.svc': ['fd00::1'] },
    { '_grpc._tcp.sidecar': [{ name: 'a.svc', port: 10901 }, { name: 'b.svc', port: 10902 }] },
  );
  const provider = new DnsProvider(resolver);

  it('resolves static, A/AAAA, SRV and SRV-without-A specs, deduplicated', async () => {
    const specs = ['1.2.3.4:1', 'dns+sidecar.svc:10901', 'dnssrv+_grpc._tcp.sidecar', 'dnssrvnoa+_grpc._tcp.sidecar', 'dnssrv+_grpc._tcp.sidecar:9000', '1.2.3.4:1']
      .map((s) => parseEndpointSpec(s));
    expect(await provider.resolve(specs)).toEqual([
      '1.2.3.4:1', '10.0.0.1:10901', '10.0.0.2:10901', '[fd00::1]:10901',
      '10.0.1.1:10901', '10.0.1.2:10902', 'a.svc:10901', 'b.svc:10902', '10.0.1.1:9000', '10.0.1.2:9000',
    ]);
  });

  it('keeps the previous answer of a name whose lookup fails', async () => {
    const spec = [parseEndpointSpec('dns+sidecar.svc:10901')];
    const before = await provider.resolve(spec);
    resolver.fail = true;
    expect(await provider.resolve(spec)).toEqual(before);
    expect(await provider.resolve([parseEndpointSpec('dns+never.svc:1')])).toEqual([]);
    resolver.fail = false;
  });

  it('a host with only AAAA records resolves', async () => {
    const r = new TableResolver({}, { v6: ['fd00::2'] }, {});
    expect(await new DnsProvider(r).resolve([parseEndpointSpec('dns+v6:1')])).toEqual(['[fd00::2]:1']);
  });
});

describe('DnsProvider metrics (thanos_query_store_apis_dns_*)', () => {
  it('counts one lookup per prefixed address per round, failures, and the endpoints each address gave', async () => {
    const registry = new Registry();
    const resolver = new TableResolver({ 'ok.svc': ['10.0.0.1', '10.0.0.2'] }, {}, {});
    const dns = new DnsProvider(resolver, undefined, dnsMetrics(registry, 'thanos_query_store_apis_'));
    const specs = ['127.0.0.1:1', 'dns+ok.svc:10901', 'dns+missing.svc:10901'].map((s) => parseEndpointSpec(s));
    await dns.resolve(specs);
    await dns.resolve(specs);
    const text = await registry.metrics();
    expect(text).toMatch(/^thanos_query_store_apis_dns_lookups_total 4$/m);
    expect(text).toMatch(/^thanos_query_store_apis_dns_failures_total 2$/m);
    expect(text).toMatch(/^thanos_query_store_apis_dns_provider_results\{addr="ok\.svc:10901"\} 2$/m);
  });
});
