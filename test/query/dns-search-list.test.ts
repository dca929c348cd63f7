// Short names in dnssrv+/dns+ endpoints are completed with resolv.conf's search list and ndots, as Go's resolver
// does: tables for the parsing and the candidate order, and lookups against a real dnsmasq on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsProvider, SearchListResolver, candidateNames, parseEndpointSpec, parseResolvConf } from '../../src/query/dns-discovery.js';
import { startDnsmasq, type Dnsmasq } from '../support/peers/dnsmasq.js';

const K8S_SEARCH = ['monitoring.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

describe('parseResolvConf', () => {
  it('reads nameservers, the last search/domain line, and ndots/timeout/attempts', () => {
    const conf = parseResolvConf([
      '# written by kubelet', 'nameserver 10.96.0.10', 'nameserver 127.0.0.1:5353', 'domain example.org',
      'search monitoring.svc.cluster.local svc.cluster.local cluster.local.', 'options ndots:5 timeout:2 attempts:3 rotate',
    ].join('\n'));
    expect(conf).toEqual({ nameservers: ['10.96.0.10', '127.0.0.1:5353'], search: K8S_SEARCH, ndots: 5, timeoutMs: 2000, attempts: 3 });
    expect(parseResolvConf('')).toEqual({ nameservers: [], search: [], ndots: 1, timeoutMs: 5000, attempts: 2 });
  });
});

describe('candidateNames (Go nameList order)', () => {
  it.each([
    ['thanos-store', 5, ['thanos-store.monitoring.svc.cluster.local', 'thanos-store.svc.cluster.local', 'thanos-store.cluster.local', 'thanos-store']],
    ['_grpc._tcp.thanos-store', 5, ['_grpc._tcp.thanos-store.monitoring.svc.cluster.local', '_grpc._tcp.thanos-store.svc.cluster.local', '_grpc._tcp.thanos-store.cluster.local', '_grpc._tcp.thanos-store']],
    ['a.b.c.d.e.f', 5, ['a.b.c.d.e.f', 'a.b.c.d.e.f.monitoring.svc.cluster.local', 'a.b.c.d.e.f.svc.cluster.local', 'a.b.c.d.e.f.cluster.local']],
    ['example.org', 1, ['example.org', 'example.org.monitoring.svc.cluster.local', 'example.org.svc.cluster.local', 'example.org.cluster.local']],
    ['rooted.example.', 5, ['rooted.example']],
  ])('%s with ndots:%i', (name, ndots, want) => {
    expect(candidateNames(name, { search: K8S_SEARCH, ndots })).toEqual(want);
  });
});

describe('SearchListResolver against dnsmasq', () => {
  let dns: Dnsmasq;
  beforeAll(async () => {
    dns = await startDnsmasq({
      localDomains: ['cluster.local'],
      a: {
        'thanos-store-0.thanos-store.monitoring.svc.cluster.local': ['127.0.0.2'],
        'thanos-store-1.thanos-store.monitoring.svc.cluster.local': ['127.0.0.3'],
        'thanos-sidecar.other.svc.cluster.local': ['127.0.0.4'],
      },
      srv: {
        '_grpc._tcp.thanos-store.monitoring.svc.cluster.local': [
          { target: 'thanos-store-0.thanos-store.monitoring.svc.cluster.local', port: 10901 },
          { target: 'thanos-store-1.thanos-store.monitoring.svc.cluster.local', port: 10901 },
        ],
      },
    });
  });
  afterAll(async () => { await dns?.stop(); });

  it('finds every store behind a short dnssrv+ name, and a dns+ name in another namespace through the search list', async () => {
    const provider = new DnsProvider(SearchListResolver.fromResolvConf(dns.resolvConf(K8S_SEARCH, 5)));
    const got = await provider.resolve([
      parseEndpointSpec('dnssrv+_grpc._tcp.thanos-store'),
      parseEndpointSpec('dns+thanos-sidecar.other:10901'),
    ]);
    expect(got.sort()).toEqual(['127.0.0.2:10901', '127.0.0.3:10901', '127.0.0.4:10901']);
  });

  it('without the search list (what Node alone does) the short name finds nothing', async () => {
    const provider = new DnsProvider(SearchListResolver.fromResolvConf(dns.resolvConf([], 1)));
    expect(await provider.resolve([parseEndpointSpec('dnssrv+_grpc._tcp.thanos-store')])).toEqual([]);
  });

  it('honours THANOS_TS_RESOLV_CONF and drops excluded (own) addresses', async () => {
    const old = process.env['THANOS_TS_RESOLV_CONF'];
    process.env['THANOS_TS_RESOLV_CONF'] = dns.resolvConf(K8S_SEARCH, 5);
    try {
      const provider = new DnsProvider();
      const got = await provider.resolve([{ kind: 'dns', host: 'thanos-store-0.thanos-store', port: '10901', raw: 'peers', exclude: ['127.0.0.2:10901'] },
        { kind: 'dns', host: 'thanos-store-1.thanos-store', port: '10901', raw: 'peers-1', exclude: ['127.0.0.2:10901'] }]);
      expect(got).toEqual(['127.0.0.3:10901']);
    } finally {
      if (old === undefined) delete process.env['THANOS_TS_RESOLV_CONF'];
      else process.env['THANOS_TS_RESOLV_CONF'] = old;
    }
  });
});
