// End to end, as a user of the deployment guides meets thanos-ts: each guide's container args for sidecar, store and
// query (written out below as the guides and examples/guides have them) run with only paths, host names and ports
// made local. Per guide: two real Prometheus 2.42 replicas with backfilled 2h blocks; the sidecars render the
// $(POD_NAME)/$(HOSTNAME) config template, make Prometheus reload it and ship the blocks; the store gateway serves the
// bucket; the querier finds all three StoreAPIs through the guide's discovery (dnssrv+/dns+ short names completed by a
// resolv.conf search list, FQDN SRV records, or the gossip-era --cluster.peers) against a real dnsmasq on loopback,
// and deduplicates by the replica label. Every "pod" has its own loopback address, all on the same ports, as in a
// cluster. The MinIO guide ships to a real S3 server (s3rver); the others to FILESYSTEM buckets (the Swift and GCS
// providers have their own tests against real servers).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../support/cli.js';
import { bucketBlocks, eventually, portFreeEverywhere, startThanos, type Proc } from './guide-processes.js';
import { startDnsmasq, type Dnsmasq, type DnsRecords } from '../support/peers/dnsmasq.js';
import { startS3rver, type S3Server } from '../support/peers/s3.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { backfill, regularSeries } from '../store/prometheus/prometheus-peer.js';

const HOUR = 3_600_000;
const FROM = Math.floor((Date.now() - 7 * HOUR) / (2 * HOUR)) * 2 * HOUR;
const TO = FROM + 6 * HOUR;
const SERIES = 4;
const SEARCH = ['monitoring.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

/** What a guide's pod sees, made local: its address, the shared ports, and the files the manifests mount. */
interface Local {
  /** This pod's loopback address. */
  readonly ip: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Prometheus of this pod (sidecars only): its URL and the config file it reads. */
  readonly promUrl: string;
  readonly promConfig: string;
  /** This pod's folder: TSDB, data dir, mounted config. */
  readonly dir: string;
  /** A FILESYSTEM bucket config (YAML) and a file holding it. */
  readonly bucketYaml: string;
  readonly bucketFile: string;
}

interface Pod {
  readonly name: string;
  readonly args: (l: Local) => string[];
  readonly env?: Record<string, string>;
}

interface Guide {
  readonly name: string;
  /** Its manifest set, examples/guides/<folder>, whose thanos-ts args these are. */
  readonly folder: string;
  readonly replicaLabel: string;
  /** Pod names of the two Prometheus replicas, then the store's and the querier's. */
  readonly pods: readonly [string, string, string, string];
  /** The Prometheus config template the sidecar renders, and its file name in the pod's folder (none: the guide's
   * sidecar has no reloader). */
  readonly template?: { readonly file: string; readonly text: (rulesDir: string) => string };
  /** The config a replica's Prometheus starts with before the sidecar rewrites it. */
  readonly initialConfig: (pod: string, rulesDir: string) => string;
  readonly sidecar: (pod: string) => Pod;
  readonly store: Pod;
  readonly query: Pod;
  /** The bucket: a FILESYSTEM folder, or a real S3 server (s3rver) standing in for the guide's MinIO. */
  readonly bucket: 'filesystem' | 's3';
  /** DNS records, given each pod's address and the gRPC port. */
  readonly dns: (ip: (pod: string) => string, grpcPort: number) => DnsRecords;
}

/** The kubelet's $(VAR) expansion of container args (only variables of the container's env). */
function expand(args: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => env[n] ?? m));
}

const RULES = 'groups:\n  - name: guide\n    rules:\n      - record: guide:sum\n        expr: sum(guide_metric)\n';
const MARK = 'scrape_interval: 59s';

/** A template like the guides' (global + external labels + rule files), its replica taken from `variable`. */
const templateWith = (cluster: string, variable: string) => (rulesDir: string): string =>
  `global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n  external_labels:\n    cluster: ${cluster}\n    replica: $(${variable})\nrule_files:\n  - ${rulesDir}/*.yaml\n`;
/** Before the sidecar renders it: the same labels (so no replica ever announces others) and a marker that goes. */
const preRendered = (template: (rulesDir: string) => string, variable: string) => (pod: string, rulesDir: string): string =>
  template(rulesDir).replace(`$(${variable})`, pod).replace('scrape_interval: 15s', MARK);

const GUIDES: readonly Guide[] = [
  {
    // Thanos v0.2 era on Swift: gossip flags everywhere, the querier joins through thanos-peers.
    name: 'swift + gossip-era flags',
    folder: 'swift-gossip',
    bucket: 'filesystem',
    replicaLabel: 'replica',
    pods: ['prometheus-0', 'prometheus-1', 'thanos-store-0', 'thanos-query-5d8f7c9b4-x2x7q'],
    template: { file: 'prometheus.yml.tmpl', text: templateWith('eu1', 'HOSTNAME') },
    initialConfig: preRendered(templateWith('eu1', 'HOSTNAME'), 'HOSTNAME'),
    sidecar: (pod) => ({
      name: pod,
      env: { HOSTNAME: pod },
      args: (l) => ['sidecar', '--log.level=debug', `--tsdb.path=${l.dir}/tsdb`, `--prometheus.url=${l.promUrl}`,
        '--cluster.address=0.0.0.0:10900', '--cluster.peers=thanos-peers.monitoring.svc.cluster.local:10900',
        `--reloader.config-file=${l.dir}/prometheus.yml.tmpl`, `--reloader.config-envsubst-file=${l.promConfig}`,
        `--objstore.config-file=${l.bucketFile}`,
        `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    }),
    store: {
      name: 'thanos-store-0',
      args: (l) => ['store', '--log.level=debug', `--data-dir=${l.dir}/store`,
        '--cluster.peers=thanos-peers.monitoring.svc.cluster.local:10900', `--objstore.config-file=${l.bucketFile}`,
        `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    },
    query: {
      name: 'thanos-query',
      args: (l) => ['query', '--log.level=debug', '--cluster.peers=thanos-peers.monitoring.svc.cluster.local:10900',
        '--query.replica-label=replica', `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    },
    // A headless service over every pod labelled thanos-peer=true, the querier included (it skips itself).
    dns: (ip) => ({
      localDomains: ['cluster.local'],
      a: { 'thanos-peers.monitoring.svc.cluster.local': ['prometheus-0', 'prometheus-1', 'thanos-store-0', 'thanos-query-5d8f7c9b4-x2x7q'].map(ip) },
    }),
  },
  {
    // prometheus-operator with spec.thanos (the operator writes the sidecar's args and env), S3 bucket.
    name: 'prometheus-operator + S3',
    folder: 'prometheus-operator-s3',
    bucket: 'filesystem',
    replicaLabel: 'prometheus_replica',
    pods: ['prometheus-k8s-0', 'prometheus-k8s-1', 'thanos-store-0', 'thanos-query-7c5b8d9f6-q4w2n'],
    initialConfig: (pod, rulesDir) => `global:\n  scrape_interval: 30s\n  external_labels:\n    prometheus: monitoring/k8s\n    prometheus_replica: ${pod}\nrule_files:\n  - ${rulesDir}/*.yaml\n`,
    sidecar: (pod) => ({
      name: pod,
      // The operator's container: POD_IP from status.podIP, OBJSTORE_CONFIG from the Secret's key thanos.yaml.
      args: (l) => expand(['sidecar', `--prometheus.url=${l.promUrl}/`, `--grpc-address=[$(POD_IP)]:${l.grpcPort}`,
        `--http-address=[$(POD_IP)]:${l.httpPort}`, `--tsdb.path=${l.dir}/tsdb`, '--log.level=info',
        '--objstore.config=$(OBJSTORE_CONFIG)'], { POD_IP: l.ip, OBJSTORE_CONFIG: l.bucketYaml }),
    }),
    store: {
      name: 'thanos-store-0',
      args: (l) => ['store', '--log.level=info', `--data-dir=${l.dir}/store`, `--objstore.config-file=${l.bucketFile}`,
        `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    },
    query: {
      name: 'thanos-query',
      args: (l) => ['query', '--log.level=info', `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`,
        '--query.replica-label=prometheus_replica',
        '--store=dnssrv+_grpc._tcp.prometheus-operated.monitoring.svc.cluster.local',
        '--store=dnssrv+_grpc._tcp.thanos-store.monitoring.svc.cluster.local'],
    },
    dns: (ip, grpc) => ({
      localDomains: ['cluster.local'],
      srv: {
        '_grpc._tcp.prometheus-operated.monitoring.svc.cluster.local': ['prometheus-k8s-0', 'prometheus-k8s-1'].map((p) => ({ target: `${p}.prometheus-operated.monitoring.svc.cluster.local`, port: grpc })),
        '_grpc._tcp.thanos-store.monitoring.svc.cluster.local': [{ target: 'thanos-store-0.thanos-store.monitoring.svc.cluster.local', port: grpc }],
      },
      a: {
        'prometheus-k8s-0.prometheus-operated.monitoring.svc.cluster.local': [ip('prometheus-k8s-0')],
        'prometheus-k8s-1.prometheus-operated.monitoring.svc.cluster.local': [ip('prometheus-k8s-1')],
        'thanos-store-0.thanos-store.monitoring.svc.cluster.local': [ip('thanos-store-0')],
      },
    }),
  },
  {
    // GCS + ruler: the bucket inline in --objstore.config, one short SRV name for every StoreAPI pod.
    name: 'GCS + ruler + dnssrv',
    folder: 'gcs-ruler',
    bucket: 'filesystem',
    replicaLabel: 'replica',
    pods: ['prometheus-0', 'prometheus-1', 'thanos-store-gateway-0', 'thanos-querier-6b9f8c7d5-lm3kp'],
    template: { file: 'prometheus.yaml.tmpl', text: templateWith('prometheus-ha', 'POD_NAME') },
    initialConfig: preRendered(templateWith('prometheus-ha', 'POD_NAME'), 'POD_NAME'),
    sidecar: (pod) => ({
      name: pod,
      env: { POD_NAME: pod },
      args: (l) => ['sidecar', '--log.level=debug', `--tsdb.path=${l.dir}/tsdb`, `--prometheus.url=${l.promUrl}`,
        `--objstore.config=${l.bucketYaml}`,
        `--reloader.config-file=${l.dir}/prometheus.yaml.tmpl`, `--reloader.config-envsubst-file=${l.promConfig}`,
        `--reloader.rule-dir=${l.dir}/rules/`,
        `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    }),
    store: {
      name: 'thanos-store-gateway-0',
      args: (l) => ['store', '--log.level=debug', `--data-dir=${l.dir}/data`, `--objstore.config=${l.bucketYaml}`,
        '--index-cache-size=500MB', '--chunk-pool-size=500MB', `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    },
    query: {
      name: 'thanos-querier',
      args: (l) => ['query', '--log.level=debug', '--query.replica-label=replica', `--store=dnssrv+thanos-store-gateway:${l.grpcPort}`,
        `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    },
    // The headless service thanos-store-gateway selects thanos-store-api=true: both sidecars and the store.
    dns: (ip) => ({
      localDomains: ['cluster.local'],
      srv: {
        'thanos-store-gateway.monitoring.svc.cluster.local': ['prometheus-0', 'prometheus-1', 'thanos-store-gateway-0'].map((p) => ({ target: `${p}.thanos-store-gateway.monitoring.svc.cluster.local`, port: 10901 })),
      },
      a: Object.fromEntries(['prometheus-0', 'prometheus-1', 'thanos-store-gateway-0'].map((p) => [`${p}.thanos-store-gateway.monitoring.svc.cluster.local`, [ip(p)]])),
    }),
  },
  {
    // MinIO + reloader: SRV of a short _grpc._tcp name for the sidecars, A records of a short name for the store.
    name: 'MinIO + reloader + dnssrv',
    folder: 'minio-reloader',
    bucket: 's3',
    replicaLabel: 'replica',
    pods: ['prometheus-0', 'prometheus-1', 'thanos-store-0', 'thanos-query-84c9d7f5b-z8r2t'],
    template: { file: 'prometheus.yaml.tmpl', text: templateWith('minio-demo', 'POD_NAME') },
    initialConfig: preRendered(templateWith('minio-demo', 'POD_NAME'), 'POD_NAME'),
    sidecar: (pod) => ({
      name: pod,
      env: { POD_NAME: pod },
      args: (l) => ['sidecar', `--tsdb.path=${l.dir}/tsdb`, `--prometheus.url=${l.promUrl.replace('127.0.0.1', 'localhost')}`,
        `--objstore.config-file=${l.bucketFile}`,
        `--reloader.config-file=${l.dir}/prometheus.yaml.tmpl`, `--reloader.config-envsubst-file=${l.promConfig}`,
        `--reloader.rule-dir=${l.dir}/rules`, `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    }),
    store: {
      name: 'thanos-store-0',
      args: (l) => ['store', `--data-dir=${l.dir}/store`, `--objstore.config-file=${l.bucketFile}`,
        `--grpc-address=${l.ip}:${l.grpcPort}`, `--http-address=${l.ip}:${l.httpPort}`],
    },
    query: {
      name: 'thanos-query',
      args: (l) => ['query', `--http-address=${l.ip}:${l.httpPort}`, `--grpc-address=${l.ip}:${l.grpcPort}`,
        '--query.replica-label=replica', '--store=dnssrv+_grpc._tcp.prometheus-headless', `--store=dns+thanos-store:${l.grpcPort}`],
    },
    dns: (ip, grpc) => ({
      localDomains: ['cluster.local'],
      srv: {
        '_grpc._tcp.prometheus-headless.monitoring.svc.cluster.local': ['prometheus-0', 'prometheus-1'].map((p) => ({ target: `${p}.prometheus-headless.monitoring.svc.cluster.local`, port: grpc })),
      },
      a: {
        'prometheus-0.prometheus-headless.monitoring.svc.cluster.local': [ip('prometheus-0')],
        'prometheus-1.prometheus-headless.monitoring.svc.cluster.local': [ip('prometheus-1')],
        'thanos-store.monitoring.svc.cluster.local': [ip('thanos-store-0')],
      },
    }),
  },
];

interface QueryResult { metric: Record<string, string>; value: [number, string] }

async function instant(base: string, dedup: boolean): Promise<QueryResult[]> {
  const qs = new URLSearchParams({ query: 'guide_metric', time: String((FROM + 3 * HOUR) / 1000), dedup: String(dedup) });
  const res = await fetch(`${base}/api/v1/query?${qs.toString()}`, { signal: AbortSignal.timeout(10_000) });
  const body = await res.json() as { status: string; data: { result: QueryResult[] } };
  if (body.status !== 'success') throw new Error(JSON.stringify(body));
  return body.data.result;
}


/** The args of each thanos-ts container of a manifest set, by mode. */
async function manifestArgs(folder: string): Promise<Record<string, string[]>> {
  const dir = path.join(REPO_ROOT, 'examples', 'guides', folder);
  const out: Record<string, string[]> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return; }
    if (typeof node !== 'object' || node === null) return;
    const c = node as { image?: unknown; args?: unknown };
    if (typeof c.image === 'string' && c.image.includes('thanos-ts') && Array.isArray(c.args)) out[String(c.args[0])] = c.args.map(String);
    Object.values(node).forEach(visit);
  };
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.yaml'))) {
    for (const d of parseAllDocuments(await readFile(path.join(dir, f), 'utf8'))) visit(d.toJS());
  }
  return out;
}

/**
 * What must match between a command line here and in a manifest: every flag but the listen addresses, with its value
 * unless the value is a path, a URL or a bucket config (made local here); `grpcPort` reads as the guides' 10901.
 */
function comparable(args: readonly string[], grpcPort: number): string[] {
  return args.filter((a) => !/^--(grpc|http)-address=/.test(a)).map((a) => {
    const m = /^(--[^=]+)=(.*)$/s.exec(a);
    if (!m) return a;
    const [, flag, value] = m as unknown as [string, string, string];
    if (value.startsWith('/') || /^https?:/.test(value) || /^(type:|\{type:)/i.test(value) || flag.startsWith('--objstore.') || flag.startsWith('--reloader.') || ['--tsdb.path', '--data-dir', '--prometheus.url'].includes(flag)) return flag;
    return `${flag}=${value.replaceAll(`:${grpcPort}`, ':10901')}`;
  });
}

describe.each(GUIDES.map((g, i) => ({ guide: g, index: i, name: g.name })))('guide: $name', ({ guide, index }) => {
  let work = '';
  let dns: Dnsmasq | undefined;
  /** Each replica's Prometheus, by pod name. */
  const proms = new Map<string, RunningPrometheus>();
  const procs: Proc[] = [];
  let grpcPort = 0;
  let httpPort = 0;
  const ipOf = (pod: string): string => `127.0.${20 + index}.${2 + guide.pods.indexOf(pod)}`;
  let bucketYaml = '';
  let s3: S3Server | undefined;
  let query: Proc | undefined;

  const localFor = async (pod: string, prom?: RunningPrometheus): Promise<Local> => {
    const dir = path.join(work, pod);
    await mkdir(dir, { recursive: true });
    const bucketFile = path.join(dir, 'bucket.yaml');
    await writeFile(bucketFile, bucketYaml);
    return { ip: ipOf(pod), grpcPort, httpPort, promUrl: prom?.url ?? '', promConfig: path.join(dir, 'prometheus.yml'), dir, bucketYaml, bucketFile };
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), `e2e-guide-${index}-`));
    grpcPort = await portFreeEverywhere();
    httpPort = await portFreeEverywhere();
    dns = await startDnsmasq(guide.dns(ipOf, grpcPort));
    if (guide.bucket === 's3') {
      // The guide's objstore.yml (bucket thanos, insecure) with MinIO's address and keys made local.
      s3 = await startS3rver(path.join(work, 's3'));
      await s3.createBucket('thanos');
      bucketYaml = `type: S3\nconfig:\n  bucket: thanos\n  endpoint: ${s3.endpoint}\n  access_key: ${s3.accessKey}\n  secret_key: ${s3.secretKey}\n  insecure: true\n`;
    } else {
      bucketYaml = `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`;
    }
    // Kubernetes' resolv.conf for a pod in namespace monitoring.
    const resolvConf = dns.resolvConf(SEARCH, 5);
    const podEnv = { THANOS_TS_RESOLV_CONF: resolvConf };

    // Two Prometheus replicas over the same (backfilled) data, with the guides' flags.
    const sidecarPods = [guide.pods[0], guide.pods[1]];
    const locals = await Promise.all(sidecarPods.map(async (pod) => {
      const dir = path.join(work, pod);
      await mkdir(path.join(dir, 'rules'), { recursive: true });
      await writeFile(path.join(dir, 'rules', 'guide.yaml'), RULES);
      const series = Array.from({ length: SERIES }, (_, i) => regularSeries({ __name__: 'guide_metric', job: 'app', instance: `app-${i}` }, FROM, TO, 60_000, (k) => i * 1000 + (k % 100)));
      await backfill(dir, path.join(dir, 'tsdb'), series);
      if (guide.template) await writeFile(path.join(dir, guide.template.file), guide.template.text(path.join(dir, 'rules')));
      const prom = await startPrometheus({
        dataDir: path.join(dir, 'tsdb'), workDir: dir, config: guide.initialConfig(pod, path.join(dir, 'rules')),
        flags: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h', '--web.enable-lifecycle'],
      });
      proms.set(pod, prom);
      return { pod, local: await localFor(pod, prom) };
    }));
    for (const { pod, local } of locals) {
      const s = guide.sidecar(pod);
      procs.push(startThanos(pod, s.args(local), { ...podEnv, ...s.env }, `http://${local.ip}:${httpPort}`));
    }
    // Both replicas ship their three 2h blocks, labelled with their rendered replica label.
    await eventually('the sidecars to ship', async () => {
      const labels = await bucketBlocks(bucketYaml);
      return labels.length === 6 ? labels : undefined;
    }, procs);

    const storeLocal = await localFor(guide.pods[2]);
    const store = startThanos(guide.store.name, guide.store.args(storeLocal), podEnv, `http://${storeLocal.ip}:${httpPort}`);
    procs.push(store);
    await eventually('the store to be ready', async () => ((await fetch(`${store.url}/-/ready`)).status === 200 ? true : undefined), procs);

    const queryLocal = await localFor(guide.pods[3]);
    query = startThanos(guide.query.name, guide.query.args(queryLocal), podEnv, `http://${queryLocal.ip}:${httpPort}`);
    procs.push(query);
  }, 80_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all([...proms.values()].map((p) => p.stop()));
    await dns?.stop();
    await s3?.stop();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('runs the args of its manifest set in examples/guides (only addresses, paths and the bucket made local)', async () => {
    const manifests = await manifestArgs(guide.folder);
    const l = await localFor('args-check');
    const ours: Record<string, string[]> = {
      store: guide.store.args(l), query: guide.query.args(l),
      // The operator-generated sidecar has no args in the manifest (the examples test writes them out).
      ...(manifests['sidecar'] ? { sidecar: guide.sidecar(guide.pods[0]).args(l) } : {}),
    };
    for (const [mode, args] of Object.entries(ours)) {
      expect(comparable(args, grpcPort), `${guide.folder} ${mode}`).toEqual(comparable(manifests[mode] ?? [], 10901));
    }
  });

  it('the sidecars render the config template, Prometheus reloads it, and the blocks ship with the replica label', async () => {
    const shipped = await bucketBlocks(bucketYaml);
    expect(shipped.map((l) => l[guide.replicaLabel]).sort()).toEqual([guide.pods[0], guide.pods[0], guide.pods[0], guide.pods[1], guide.pods[1], guide.pods[1]]);
    if (!guide.template) return;
    for (const [pod, prom] of proms) {
      const rendered = await readFile(path.join(work, pod, 'prometheus.yml'), 'utf8');
      expect(rendered).toContain(`replica: ${pod}`);
      expect(rendered).not.toContain('$(');
      // Prometheus runs the rendered file: the pre-render marker is gone from its loaded config.
      const loaded = await eventually('Prometheus to reload the rendered config', async () => {
        const body = await prom.api('status/config') as { data: { yaml: string } };
        return body.data.yaml.includes('59s') ? undefined : body.data.yaml;
      }, procs);
      expect(loaded).toContain(`replica: ${pod}`);
    }
  });

  it('the querier finds both sidecars and the store through the guide\'s discovery', async () => {
    const expected = [guide.pods[0], guide.pods[1], guide.pods[2]].map((p) => `${ipOf(p)}:${grpcPort}`).sort();
    const found = await eventually('the querier to list every store', async () => {
      const body = await (await fetch(`${query!.url}/api/v1/stores`)).json() as { data: Record<string, { name: string; lastError: string | null }[]> };
      const healthy = Object.values(body.data).flat().filter((e) => e.lastError === null).map((e) => e.name).sort();
      return healthy.length === 3 ? healthy : undefined;
    }, procs, 40_000);
    expect(found).toEqual(expected);
    // The querier never lists itself (the gossip-era peers name it too).
    expect(found).not.toContain(`${ipOf(guide.pods[3])}:${grpcPort}`);
  });

  it('answers are deduplicated by the replica label', async () => {
    const deduped = await instant(query!.url, true);
    expect(deduped).toHaveLength(SERIES);
    for (const r of deduped) expect(r.metric[guide.replicaLabel]).toBeUndefined();
    const raw = await instant(query!.url, false);
    expect(raw).toHaveLength(2 * SERIES);
    expect(new Set(raw.map((r) => r.metric[guide.replicaLabel]))).toEqual(new Set([guide.pods[0], guide.pods[1]]));
    // Deduplication keeps the values (both replicas hold the same samples).
    const byInstance = (rs: QueryResult[]): Record<string, string> => Object.fromEntries(rs.map((r) => [r.metric['instance']!, r.value[1]]));
    expect(byInstance(deduped)).toEqual(byInstance(raw.filter((r) => r.metric[guide.replicaLabel] === guide.pods[0])));
  });
});

