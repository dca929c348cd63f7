// The ruler's query endpoint groups: the idle-connection pool to queriers (100 per host unless the config says
// otherwise; Alertmanagers keep upstream's 2), and that a ruler with many queries in flight reuses its connections to
// a real HTTP server instead of opening one per query.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsProvider } from '../../src/query/dns-discovery.js';
import { HttpEndpointGroup, parseAlertmanagersConfig, parseQueryConfig, queryConfigFromAddresses, type HttpEndpointGroupConfig } from '../../src/rule/http-endpoints.js';
import { QueryClient } from '../../src/rule/query-client.js';

describe('idle connections kept per host', () => {
  it.each([
    { what: '--query address', config: (): HttpEndpointGroupConfig => queryConfigFromAddresses(['127.0.0.1:10902'])[0]!, idle: 100 },
    { what: '--query.config without transport_config', config: (): HttpEndpointGroupConfig => parseQueryConfig('- static_configs: [127.0.0.1:10902]', 'q.yml')[0]!, idle: 100 },
    {
      what: '--query.config with max_idle_conns_per_host: 5',
      config: (): HttpEndpointGroupConfig => parseQueryConfig('- static_configs: [127.0.0.1:10902]\n  http_config:\n    transport_config:\n      max_idle_conns_per_host: 5', 'q.yml')[0]!,
      idle: 5,
    },
    { what: 'an Alertmanager', config: (): HttpEndpointGroupConfig => parseAlertmanagersConfig('alertmanagers:\n- static_configs: [127.0.0.1:9093]', 'a.yml', 10_000)[0]!, idle: 2 },
  ])('$what: $idle', ({ config, idle }) => {
    expect(config().http.maxIdleConnsPerHost).toBe(idle);
  });
});

describe('a ruler with 20 queries in flight', () => {
  let server: http.Server;
  let port = 0;
  let connections = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      // Answer after a moment so that all 20 queries are in flight at once.
      req.on('end', () => setTimeout(() => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      }, 20));
    });
    server.on('connection', () => { connections++; });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** New connections opened by a second round of 20 concurrent queries, after a first round warmed the pool. */
  async function secondRoundConnections(config: HttpEndpointGroupConfig): Promise<number> {
    const group = new HttpEndpointGroup(config, new DnsProvider(), 60_000);
    await group.start();
    try {
      const client = new QueryClient(() => [group], { method: 'POST' });
      const round = (): Promise<unknown> => Promise.all(Array.from({ length: 20 }, () => client.instantQuery('up', 1_700_000_000_000, 'ABORT')));
      await round();
      const before = connections;
      await round();
      return connections - before;
    } finally {
      group.stop();
    }
  }

  it('reuses its connections to the querier by default', async () => {
    expect(await secondRoundConnections(queryConfigFromAddresses([`127.0.0.1:${port}`])[0]!)).toBe(0);
  });

  it('opens new ones with upstream\'s 2 idle connections per host', async () => {
    const config = parseQueryConfig(`- static_configs: [127.0.0.1:${port}]\n  http_config:\n    transport_config:\n      max_idle_conns_per_host: 2`, 'q.yml')[0]!;
    expect(await secondRoundConnections(config)).toBeGreaterThanOrEqual(18);
  });
});
