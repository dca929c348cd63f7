// The endpoint set against real StoreAPI gRPC servers on loopback: Info polling, /stores shape, an endpoint that
// goes down or never answers is queried as a failing store (kept on /stores until the unhealthy timeout), comes
// back, strict endpoints.
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { EndpointSet } from '../../src/query/endpoint-set.js';
import { MAX_TIME, MIN_TIME, labelNamesRequest } from '../../src/store/store-api.js';
import { MemoryStore, series } from '../store/support/memory-store.js';

const store = (replica: string): MemoryStore => new MemoryStore([series({ __name__: 'up' }, [0, 999])], [{ name: 'replica', value: replica }]);

describe('EndpointSet', () => {
  const servers: RunningGrpcServer[] = [];
  let set: EndpointSet | undefined;
  afterEach(async () => {
    set?.close();
    await Promise.all(servers.splice(0).map((s) => s.stop(100)));
  });

  it('polls Info, reports /stores, queries a dead endpoint as a failing store and takes it back when it returns', async () => {
    const a = await startGrpcServer(storeGrpcServices(store('0')), { address: '127.0.0.1:0' });
    const b = await startGrpcServer(storeGrpcServices(store('1')), { address: '127.0.0.1:0' });
    servers.push(a, b);
    let now = 1_700_000_000_000;
    const registry = new Registry();
    set = new EndpointSet({ addresses: () => [a.address, b.address], registry, now: () => now, unhealthyTimeoutMs: 60_000, infoTimeoutMs: 2000 });
    await set.update();
    expect(set.targets().map((t) => t.name).sort()).toEqual([a.address, b.address].sort());
    const st = set.statuses();
    expect(Object.keys(st)).toEqual(['store']);
    expect(st['store']).toContainEqual({
      name: a.address, lastCheck: new Date(now).toISOString(), lastError: null, labelSets: [{ replica: '0' }], minTime: 0, maxTime: 999,
    });
    const metric = await registry.getSingleMetricAsString('thanos_store_nodes_grpc_connections');
    expect(metric).toContain(String.raw`thanos_store_nodes_grpc_connections{external_labels="{replica=\"1\"}",store_type="store"} 1`);

    await b.stop(0);
    now += 10_000;
    await set.update();
    // Still queried until the unhealthy timeout, as a store that fails at once (so partial response can tell).
    expect(set.targets().map((t) => t.name).sort()).toEqual([a.address, b.address].sort());
    const gone = set.targets().find((t) => t.name === b.address)!;
    await expect(gone.store.labelNames(labelNamesRequest())).rejects.toThrow(/endpoint is unhealthy: getting metadata/);
    const down = set.statuses()['store']!.find((s) => s.name === b.address)!;
    expect(down.lastError).toMatch(/^getting metadata: /);
    expect(down.labelSets).toEqual([{ replica: '1' }]); // last known info stays visible

    now += 61_000;
    await set.update();
    expect(set.statuses()['store']!.map((s) => s.name)).toEqual([a.address]); // past the unhealthy timeout
    // Still discovered, so still reported in every answer that lacks its data.
    expect(set.targets().map((t) => t.name).sort()).toEqual([a.address, b.address].sort());
    await expect(set.targets().find((t) => t.name === b.address)!.store.labelNames(labelNamesRequest())).rejects.toThrow(/endpoint is unhealthy/);

    const port = Number(b.address.split(':')[1]);
    const b2 = await startGrpcServer(storeGrpcServices(store('1')), { address: `127.0.0.1:${port}` });
    servers.push(b2);
    const healthy = (): boolean => set!.statuses()['store']?.find((s) => s.name === b.address)?.lastError === null;
    for (let i = 0; i < 50 && !healthy(); i++) {
      await set.update();
      if (!healthy()) await new Promise((r) => setTimeout(r, 100));
    }
    expect(set.targets()).toHaveLength(2);
    expect((await set.targets().find((t) => t.name === b.address)!.store.labelNames(labelNamesRequest())).names).toEqual(['__name__', 'replica']);
  });

  it('queries an endpoint that never answered (refused, or a peer that never speaks) as a failing store covering everything', async () => {
    const a = await startGrpcServer(storeGrpcServices(store('0')), { address: '127.0.0.1:0' });
    servers.push(a);
    // A real socket that accepts and never answers: Info runs into its deadline.
    const held: net.Socket[] = [];
    const silent = net.createServer((c) => { held.push(c); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentAddr = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      set = new EndpointSet({ addresses: () => [a.address, '127.0.0.1:1', silentAddr], infoTimeoutMs: 500 });
      expect(set.targets()).toEqual([]); // nothing is known before the first Info round
      await set.update();
      const byName = new Map(set.targets().map((t) => [t.name, t]));
      expect([...byName.keys()].sort()).toEqual([a.address, '127.0.0.1:1', silentAddr].sort());
      for (const addr of ['127.0.0.1:1', silentAddr]) {
        const t = byName.get(addr)!;
        expect(t.info.minTime).toBe(MIN_TIME);
        expect(t.info.maxTime).toBe(MAX_TIME);
        expect(t.info.labelSets).toEqual([]);
        await expect(t.store.labelNames(labelNamesRequest())).rejects.toThrow(/endpoint unreachable: getting metadata: /);
      }
      expect(set.statuses()['unknown']!.map((s) => s.name).sort()).toEqual(['127.0.0.1:1', silentAddr].sort());
    } finally {
      for (const c of held) c.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('keeps a strict endpoint in the query set while it fails, and forgets undiscovered addresses', async () => {
    const a = await startGrpcServer(storeGrpcServices(store('0')), { address: '127.0.0.1:0' });
    servers.push(a);
    let addrs = [a.address];
    set = new EndpointSet({ addresses: () => addrs, strict: ['127.0.0.1:1'], infoTimeoutMs: 2000 });
    await set.update();
    expect(set.targets().map((t) => t.name).sort()).toEqual(['127.0.0.1:1', a.address].sort());
    expect(set.statuses()['unknown']![0]!.lastError).toMatch(/getting metadata/);
    addrs = [];
    await set.update();
    expect(set.targets().map((t) => t.name)).toEqual(['127.0.0.1:1']);
  });
});
