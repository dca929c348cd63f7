// StoreAPI benchmark: Series throughput (series/s, chunk bytes/s) for 100k series × 720 samples through gRPC on
// loopback, against the same store iterated in-process; and the cost of the proxy's k-way merge over 4 stores
// relative to one store holding the same series. Run: npm run bench:storeapi

import { cpus, loadavg } from 'node:os';
import { startGrpcServer, type RunningGrpcServer } from '../src/runtime/grpc-server.js';
import { GrpcStoreClient } from '../src/store/grpc-client.js';
import { storeGrpcServices } from '../src/store/grpc-server.js';
import { ProxyStore } from '../src/store/proxy.js';
import { seriesRequest, type AggrChunk, type SeriesResponse, type StoreAPI, type StoreInfo } from '../src/store/store-api.js';
import { encodeXor } from '../src/tsdb/chunkenc/xor.js';

const SERIES = Number(process.env['BENCH_SERIES'] ?? 100_000);
const SAMPLES = 720;
const PER_CHUNK = 120;
const STEP = 15_000;
const POOL = 2000;

/** Real XOR chunks for POOL distinct series (a counter with jittered increments), reused round-robin. */
function chunkPool(): AggrChunk[][] {
  const pool: AggrChunk[][] = [];
  const ts = new Float64Array(SAMPLES);
  const vs = new Float64Array(SAMPLES);
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let p = 0; p < POOL; p++) {
    let v = rnd() * 1000;
    for (let i = 0; i < SAMPLES; i++) {
      // Scrape timestamps jitter by a few ms in a quarter of the series, as real scrapes do.
      ts[i] = 1_700_000_000_000 + i * STEP + (p % 4 === 0 ? Math.floor(rnd() * 5) : 0);
      v += Math.floor(rnd() * 50);
      vs[i] = p % 3 === 0 ? v / 7 : v;
    }
    const chunks: AggrChunk[] = [];
    for (let from = 0; from < SAMPLES; from += PER_CHUNK) {
      const to = Math.min(SAMPLES, from + PER_CHUNK);
      chunks.push({ minTime: ts[from]!, maxTime: ts[to - 1]!, raw: { encoding: 'XOR', data: encodeXor(ts, vs, from, to) } });
    }
    pool.push(chunks);
  }
  return pool;
}

/** Series i of SERIES, for i ≡ part (mod parts): sorted by construction (zero-padded ids). */
class SyntheticStore implements StoreAPI {
  constructor(private readonly pool: AggrChunk[][], private readonly part = 0, private readonly parts = 1) {}
  async info(): Promise<StoreInfo> {
    return { componentType: 'store', labelSets: [], minTime: 0, maxTime: 2 ** 45, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] };
  }
  async *series(): AsyncGenerator<SeriesResponse> {
    for (let i = this.part; i < SERIES; i += this.parts) {
      yield {
        type: 'series',
        series: {
          labels: [
            { name: '__name__', value: 'http_requests_total' }, { name: 'instance', value: `host-${String(i).padStart(6, '0')}:9100` },
            { name: 'job', value: 'node' },
          ],
          chunks: this.pool[i % POOL]!,
        },
      };
    }
  }
  async labelNames() { return { names: [], warnings: [] }; }
  async labelValues() { return { values: [], warnings: [] }; }
}

/** Wall seconds, and CPU seconds of this process (server and client both run here), which load disturbs less. */
interface Run { seconds: number; cpu: number; series: number; bytes: number }

async function drain(store: StoreAPI): Promise<Run> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let series = 0;
  let bytes = 0;
  for await (const f of store.series(seriesRequest({ matchers: [] }))) {
    if (f.type !== 'series') continue;
    series++;
    for (const c of f.series.chunks) bytes += c.raw?.data.length ?? 0;
  }
  const c = process.cpuUsage(c0);
  return { seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, series, bytes };
}

/** Best of `n` runs (after one warm-up), to keep GC noise out of the figures. */
async function best(n: number, f: () => Promise<Run>): Promise<Run> {
  await f();
  let b: Run | undefined;
  for (let i = 0; i < n; i++) {
    const r = await f();
    if (!b || r.seconds < b.seconds) b = r;
  }
  return b!;
}

function report(name: string, r: Run, ref?: Run): void {
  const sps = r.series / r.seconds;
  const mbs = r.bytes / r.seconds / 1e6;
  const ratio = ref ? `; ${(r.seconds / ref.seconds).toFixed(2)}× wall, ${(r.cpu / ref.cpu).toFixed(2)}× cpu of the reference` : '';
  console.log(`${name.padEnd(44)} ${r.series} series in ${r.seconds.toFixed(2)}s (cpu ${r.cpu.toFixed(2)}s): ${Math.round(sps).toLocaleString('en')} series/s, ${mbs.toFixed(1)} MB/s chunks${ratio}`);
}

async function serve(store: StoreAPI): Promise<{ server: RunningGrpcServer; client: GrpcStoreClient }> {
  const server = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0' });
  return { server, client: new GrpcStoreClient(`127.0.0.1:${server.port}`) };
}

async function main(): Promise<void> {
  const pool = chunkPool();
  const chunkBytes = pool.flat().reduce((n, c) => n + c.raw!.data.length, 0) / POOL;
  console.log(`storeapi bench: ${SERIES} series × ${SAMPLES} samples (${SAMPLES / PER_CHUNK} XOR chunks, ${chunkBytes.toFixed(0)} bytes/series), node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const single = new SyntheticStore(pool);
  const inproc = await best(3, () => drain(single));
  report('in-process store (reference)', inproc);

  const one = await serve(single);
  const grpc = await best(3, () => drain(one.client));
  report('gRPC loopback, batched frames (default)', grpc, inproc);
  const unbatchedClient = new GrpcStoreClient(`127.0.0.1:${one.server.port}`, { responseBatchSize: 1 });
  const unbatched = await best(1, () => drain(unbatchedClient));
  report('gRPC loopback, one series per frame', unbatched, inproc);
  unbatchedClient.close();

  const parts = [0, 1, 2, 3].map((p) => new SyntheticStore(pool, p, 4));
  const proxyLocal = new ProxyStore(() => parts.map((s, i) => ({ name: `s${i}`, store: s, info: { componentType: 'store', labelSets: [], minTime: 0, maxTime: 2 ** 45, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] } })));
  const proxyOne = new ProxyStore(() => [{ name: 's', store: single, info: { componentType: 'store', labelSets: [], minTime: 0, maxTime: 2 ** 45, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] } }]);
  const p1 = await best(3, () => drain(proxyOne));
  report('proxy over 1 in-process store (reference)', p1, inproc);
  const p4 = await best(3, () => drain(proxyLocal));
  report('proxy merge over 4 in-process stores', p4, p1);

  const remotes = await Promise.all(parts.map(serve));
  const targets = await Promise.all(remotes.map(async (r, i) => ({ name: `r${i}`, store: r.client, info: await r.client.info() })));
  const proxyRemote = new ProxyStore(() => targets);
  const proxyRemoteOne = new ProxyStore(() => [{ name: 'r', store: one.client, info: targets[0]!.info }]);
  const g1 = await best(3, () => drain(proxyRemoteOne));
  report('proxy over 1 gRPC store (reference)', g1);
  const g4 = await best(3, () => drain(proxyRemote));
  report('proxy merge over 4 gRPC stores', g4, g1);

  for (const r of [one, ...remotes]) {
    r.client.close();
    await r.server.stop(1000);
  }
}

await main();
