// Every file in examples/ is checked: YAML parses; objstore configs load with our loader; every Kubernetes object
// passes a structural schema check (kinds, fields, references within its manifest set, RBAC for Prometheus); every
// thanos-ts command line (a container's args with env references expanded and mounted files in place, the
// prometheus-operator's generated sidecar, a systemd ExecStart) is parsed and read by the CLI's own parser, as the
// binary does before it serves; the systemd drop-in gives Debian's stock Prometheus equal block durations.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { FlagReader } from '../../src/cmd/flags.js';
import type { ModeRegistry } from '../../src/cmd/mode.js';
import { buildProgram } from '../../src/cmd/program.js';
import { parseBucketConfig } from '../../src/objstore/config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { errorMessage } from '../../src/runtime/errors.js';
import { REPO_ROOT } from '../support/cli.js';
import { secretValue, validateSet, type K8sObject } from './kubernetes-schema.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const THANOS_TS_IMAGE = /(^|\/)thanos-ts(:|@|$)/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

const all = filesUnder(EXAMPLES).map((f) => path.relative(EXAMPLES, f)).sort();
const yamlFiles = all.filter((f) => /\.ya?ml$/.test(f));
const unitFiles = all.filter((f) => f.endsWith('.service'));
/**
 * Manifest sets: each folder of Kubernetes YAML, applied together (`kubectl apply -f <folder>`). Not objstore/
 * (bucket configs) nor mixin/ (Prometheus rules and Grafana dashboards, checked by mixin.test.ts).
 */
const manifestSets = [...new Set(yamlFiles.filter((f) => !f.startsWith('objstore/') && !f.startsWith('mixin/')).map((f) => path.dirname(f)))].sort();
const guideSets = manifestSets.filter((d) => d.startsWith('guides/'));

function objectsOf(dir: string): K8sObject[] {
  return yamlFiles.filter((f) => path.dirname(f) === dir).flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(EXAMPLES, file), 'utf8'))
      .map((d, i) => ({ where: `${file}#${i}`, body: d.toJS() as Record<string, unknown> }))
      .filter((o) => o.body !== null));
}

/** Parses and reads `args` as thanos-ts does before running a mode; returns what it rejected (empty: accepted). */
function rejectedFlags(args: readonly string[]): string[] {
  const registry: ModeRegistry = new Map();
  let cmd: Command = buildProgram(registry);
  let rest = [...args];
  // Walk `tools bucket ls` style subcommands.
  while (rest.length > 0 && !rest[0]!.startsWith('-')) {
    const sub = cmd.commands.find((c) => c.name() === rest[0]);
    if (!sub) return [`unknown command ${rest[0]}`];
    cmd = sub;
    rest = rest.slice(1);
  }
  try {
    const { unknown, operands } = cmd.parseOptions(rest);
    const rejected = [...unknown, ...operands.map((o) => `unexpected argument ${o}`)];
    if (rejected.length > 0) return rejected;
    const def = registry.get(cmd.name());
    if (def) {
      const reader = new FlagReader(cmd);
      reader.checkSupport(def.flags);
      def.read(reader);
    }
    return [];
  } catch (err) {
    return [errorMessage(err)];
  }
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Obj : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** One thanos-ts process of a manifest: its args as the kubelet passes them and the files its mounts provide. */
interface ThanosRun {
  readonly where: string;
  readonly args: readonly string[];
  /** Absolute path in the container → contents (ConfigMap and Secret keys); directories map to undefined. */
  readonly files: ReadonlyMap<string, string | undefined>;
}

/** The kubelet's $(VAR) expansion: declared variables are replaced, `$$` escapes, anything else stays as written. */
function expandEnv(arg: string, env: ReadonlyMap<string, string>): string {
  return arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : env.get(name!) ?? m));
}

/** What prometheus-operator generates for spec.thanos (its sidecar container): the guide's args, written out. */
function operatorSidecar(cr: Obj): { args: string[]; env: Map<string, string> } | undefined {
  const thanos = asObj(asObj(cr['spec'])['thanos']);
  if (Object.keys(thanos).length === 0) return undefined;
  return {
    args: ['sidecar', '--prometheus.url=http://localhost:9090/', '--grpc-address=[$(POD_IP)]:10901', '--http-address=[$(POD_IP)]:10902',
      '--tsdb.path=/prometheus', '--log.level=info', ...('objectStorageConfig' in thanos ? ['--objstore.config=$(OBJSTORE_CONFIG)'] : [])],
    env: new Map([['POD_IP', '10.0.0.7'], ['OBJSTORE_CONFIG', '']]),
  };
}

function thanosRuns(dir: string, objects: readonly K8sObject[]): ThanosRun[] {
  const runs: ThanosRun[] = [];
  for (const o of objects) {
    const meta = asObj(o.body['metadata']);
    const ns = typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default';
    if (o.body['kind'] === 'Prometheus') {
      const gen = operatorSidecar(o.body);
      if (!gen) continue;
      const ref = asObj(asObj(asObj(o.body['spec'])['thanos'])['objectStorageConfig']);
      if ('name' in ref) gen.env.set('OBJSTORE_CONFIG', secretValue(objects, ns, String(ref['name']), String(ref['key'])) ?? '');
      runs.push({ where: `${o.where} (operator-generated sidecar)`, args: gen.args.map((a) => expandEnv(a, gen.env)), files: new Map() });
      continue;
    }
    const template = asObj(asObj(o.body['spec'])['template']);
    const pod = asObj(template['spec']);
    const volumes = new Map(asList(pod['volumes']).map((v) => [String(asObj(v)['name']), asObj(v)]));
    for (const raw of asList(pod['containers'])) {
      const c = asObj(raw);
      if (!THANOS_TS_IMAGE.test(String(c['image']))) continue;
      const env = new Map<string, string>();
      for (const e of asList(c['env']).map(asObj)) {
        const from = asObj(e['valueFrom']);
        const field = asObj(from['fieldRef'])['fieldPath'];
        const secret = asObj(from['secretKeyRef']);
        const value = typeof e['value'] === 'string' ? e['value']
          : field === 'metadata.name' ? `${String(meta['name'])}-0`
            : field === 'metadata.namespace' ? ns
              : field === 'status.podIP' ? '10.0.0.7'
                : 'name' in secret ? secretValue(objects, ns, String(secret['name']), String(secret['key'])) : undefined;
        if (value !== undefined) env.set(String(e['name']), expandEnv(value, env));
      }
      const files = new Map<string, string | undefined>();
      for (const m of asList(c['volumeMounts']).map(asObj)) {
        const mountPath = String(m['mountPath']).replace(/\/+$/, '');
        const v = volumes.get(String(m['name']));
        files.set(mountPath, undefined);
        const source = v?.['configMap'] !== undefined
          ? objects.find((x) => x.body['kind'] === 'ConfigMap' && asObj(x.body['metadata'])['name'] === asObj(v['configMap'])['name'])?.body['data']
          : v?.['secret'] !== undefined
            ? Object.fromEntries(Object.keys({ ...asObj(objects.find((x) => x.body['kind'] === 'Secret' && asObj(x.body['metadata'])['name'] === asObj(v['secret'])['secretName'])?.body['stringData']) })
              .map((k) => [k, secretValue(objects, ns, String(asObj(v['secret'])['secretName']), k)]))
            : undefined;
        for (const [k, text] of Object.entries(asObj(source))) files.set(`${mountPath}/${k}`, String(text));
      }
      runs.push({ where: `${dir}: ${o.body['kind'] as string}/${String(meta['name'])} container ${String(c['name'])}`, args: asList(c['args']).map((a) => expandEnv(String(a), env)), files });
    }
  }
  return runs;
}

/** Puts a run's mounted files under `root` and points its absolute-path flag values there. */
function localise(run: ThanosRun, root: string): string[] {
  for (const [p, text] of run.files) {
    const local = path.join(root, p);
    if (text === undefined) mkdirSync(local, { recursive: true });
    else {
      mkdirSync(path.dirname(local), { recursive: true });
      writeFileSync(local, text);
    }
  }
  return run.args.map((a) => a.replace(/^(--[^=]+=)(\/.*)$/, (_m, flag: string, p: string) => `${flag}${path.join(root, p)}`));
}

/** The thanos-ts arguments of a systemd unit's ExecStart (with `\` line continuations). */
function execStartArgs(unit: string): string[] {
  const joined = unit.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith('ExecStart='));
  if (!line) throw new Error('no ExecStart line');
  const words = line.slice('ExecStart='.length).trim().split(/\s+/);
  expect(words[0]).toMatch(/thanos-ts$/);
  return words.slice(1);
}

/** The ExecStart a unit ends up with after drop-ins: an empty `ExecStart=` clears the list, later lines append. */
function effectiveExecStart(unit: string, ...dropIns: string[]): string[] {
  let lines: string[] = [];
  for (const text of [unit, ...dropIns]) {
    for (const l of text.replace(/\\\n\s*/g, ' ').split('\n')) {
      if (!l.startsWith('ExecStart=')) continue;
      const v = l.slice('ExecStart='.length).trim();
      lines = v === '' ? [] : [...lines, v];
    }
  }
  return lines;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('examples', () => {
  it('has objstore configs for every provider', () => {
    const types = yamlFiles.filter((f) => f.startsWith('objstore/'))
      .map((f) => parseBucketConfig(readFileSync(path.join(EXAMPLES, f), 'utf8'), f, nopLogger).type);
    expect(new Set(types)).toEqual(new Set(['FILESYSTEM', 'S3', 'GCS', 'AZURE', 'SWIFT']));
  });

  it.each(yamlFiles)('%s parses as YAML', (file) => {
    const docs = parseAllDocuments(readFileSync(path.join(EXAMPLES, file), 'utf8'));
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) expect(d.errors.map((e) => e.message)).toEqual([]);
  });

  it.each(yamlFiles.filter((f) => f.startsWith('objstore/')))('%s loads with the objstore config loader', (file) => {
    expect(() => parseBucketConfig(readFileSync(path.join(EXAMPLES, file), 'utf8'), file, nopLogger)).not.toThrow();
  });

  it.each(manifestSets)('%s: every Kubernetes object passes the schema check', (dir) => {
    expect(validateSet(objectsOf(dir))).toEqual([]);
  });

  it.each(manifestSets)('%s: every thanos-ts command line is accepted by the CLI parser (env expanded, mounts in place)', (dir) => {
    const runs = thanosRuns(dir, objectsOf(dir));
    expect(runs.length).toBeGreaterThan(0);
    runs.forEach((run, i) => {
      const args = localise(run, path.join(scratch, dir.replace(/\//g, '_'), String(i)));
      expect(rejectedFlags(args), `${run.where}: ${args.join(' ')}`).toEqual([]);
    });
  });

  it.each(manifestSets)('%s: the only Thanos image is thanos-ts (nothing else to swap)', (dir) => {
    const images = JSON.stringify(objectsOf(dir).map((o) => o.body)).match(/"image":"[^"]+"/g) ?? [];
    expect(images.filter((i) => /thanos/.test(i) && !THANOS_TS_IMAGE.test(i.slice(9, -1)))).toEqual([]);
  });

  it('there is a manifest set for each of the five guides, running every mode between them', () => {
    expect(guideSets).toEqual(['guides/gcs-ruler', 'guides/minio-reloader', 'guides/prometheus-operator-s3', 'guides/receive-proxy', 'guides/swift-gossip']);
    const modes = guideSets.flatMap((d) => thanosRuns(d, objectsOf(d)).map((r) => r.args[0]));
    expect(new Set(modes)).toEqual(new Set(['sidecar', 'store', 'query', 'compact', 'rule', 'receive']));
    for (const d of guideSets) {
      const setModes = thanosRuns(d, objectsOf(d)).map((r) => r.args[0]);
      expect(setModes, d).toContain('store');
      expect(setModes, d).toContain('query');
    }
  });

  it.each(unitFiles)('%s: ExecStart uses accepted flags', (file) => {
    const args = execStartArgs(readFileSync(path.join(EXAMPLES, file), 'utf8'));
    // Paths that systemd hosts have (/etc/thanos/bucket.yaml) are made local, with a bucket config in place.
    const root = path.join(scratch, 'systemd', path.basename(file));
    mkdirSync(path.join(root, 'etc/thanos'), { recursive: true });
    writeFileSync(path.join(root, 'etc/thanos/bucket.yaml'), readFileSync(path.join(EXAMPLES, 'objstore/filesystem.yaml'), 'utf8'));
    const local = args.map((a) => a.replace(/^(--[^=]+=)(\/.*)$/, (_m, flag: string, p: string) => `${flag}${path.join(root, p)}`));
    expect(rejectedFlags(local)).toEqual([]);
  });

  it('the systemd drop-in gives Debian\'s stock prometheus.service equal min and max block durations', () => {
    const stockUnit = '/lib/systemd/system/prometheus.service';
    if (!existsSync(stockUnit)) throw new Error(`${stockUnit} is missing: install Debian's prometheus package (scripts/install-test-deps.sh)`);
    const stock = readFileSync(stockUnit, 'utf8');
    const dropIn = readFileSync(path.join(EXAMPLES, 'systemd/prometheus.service.d-thanos.conf'), 'utf8');
    const durations = (line: string): { min: string | undefined; max: string | undefined } => ({
      min: /--storage\.tsdb\.min-block-duration=(\S+)/.exec(line)?.[1],
      max: /--storage\.tsdb\.max-block-duration=(\S+)/.exec(line)?.[1],
    });
    // Without the drop-in Debian's unit leaves both at Prometheus's defaults (2h and 10% of retention): unequal.
    const before = effectiveExecStart(stock);
    expect(before).toHaveLength(1);
    expect(durations(before[0]!)).toEqual({ min: undefined, max: undefined });
    const after = effectiveExecStart(stock, dropIn);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^\/usr\/bin\/prometheus \$ARGS /);
    const d = durations(after[0]!);
    expect(d.min).toBeDefined();
    expect(d.min).toBe(d.max);
    // The unit names the drop-in, so a reader of the unit finds the fix.
    expect(readFileSync(path.join(EXAMPLES, 'systemd/thanos-sidecar.service'), 'utf8')).toContain('prometheus.service.d-thanos.conf');
    // A drop-in without the clearing `ExecStart=` would leave two ExecStart lines, which systemd refuses.
    expect(effectiveExecStart(stock, dropIn.replace(/^ExecStart=\n/m, ''))).toHaveLength(2);
  });
});

describe('the README install section', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('\n## ', readme.indexOf('## Install') + 1));
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');

  it('covers the binary, the image and systemd', () => {
    for (const what of ['**Binary', '**Image:**', '**systemd:**']) expect(install).toContain(what);
  });

  it('links only files that exist', () => {
    const links = [...install.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(3);
    for (const l of links) expect(existsSync(path.join(REPO_ROOT, l)), l).toBe(true);
    for (const m of install.matchAll(/`install -D -m 644 (\S+) /g)) expect(existsSync(path.join(REPO_ROOT, m[1]!)), m[1]).toBe(true);
  });

  it('says what the Dockerfile does: base image, user, entrypoint', () => {
    expect(dockerfile).toMatch(/^FROM node:22-slim$/m);
    expect(install).toContain('node:22-slim');
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(install).toContain('uid 10001');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["thanos-ts"\]$/m);
    expect(install).toContain('entrypoint `thanos-ts`');
    expect(readFileSync(path.join(REPO_ROOT, 'bin/thanos-ts'), 'utf8')).toContain('../dist/cmd/main.js');
  });
});

describe('the checks can fail', () => {
  it('rejects a misspelled flag, a bad value, and a missing mounted file', () => {
    expect(rejectedFlags(['query', '--query.replica-lable=replica'])).not.toEqual([]);
    expect(rejectedFlags(['store', '--index-cache-size=lots', '--objstore.config=type: FILESYSTEM\nconfig:\n  directory: /x\n'])).not.toEqual([]);
    expect(rejectedFlags(['sidecar', `--objstore.config-file=${path.join(scratch, 'not-mounted.yaml')}`])).not.toEqual([]);
    expect(rejectedFlags(['sidecar', '--tsdb.path=/prometheus'])).toEqual([]);
  });

  it('the kubelet-style expansion leaves undeclared variables as written', () => {
    const env = new Map([['POD_IP', '10.0.0.7']]);
    expect(expandEnv('--grpc-address=[$(POD_IP)]:10901', env)).toBe('--grpc-address=[10.0.0.7]:10901');
    expect(expandEnv('--label=replica="$(POD_NAME)"', env)).toBe('--label=replica="$(POD_NAME)"');
    expect(expandEnv('$$(POD_IP)', env)).toBe('$(POD_IP)');
  });

  // A small valid set; each case breaks one thing and must be reported with the given words.
  const base = `
apiVersion: v1
kind: Namespace
metadata: {name: mon}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: prometheus, namespace: mon}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: prometheus}
rules:
  - apiGroups: [""]
    resources: [pods, services, endpoints]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: prometheus}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus}
subjects: [{kind: ServiceAccount, name: prometheus, namespace: mon}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: conf, namespace: mon}
data: {prometheus.yaml.tmpl: "global: {}"}
---
apiVersion: v1
kind: Secret
metadata: {name: bucket, namespace: mon}
stringData: {objstore.yaml: "type: FILESYSTEM"}
---
apiVersion: v1
kind: Service
metadata: {name: prom, namespace: mon}
spec:
  clusterIP: None
  selector: {app: prom}
  ports: [{name: grpc, port: 10901, targetPort: grpc}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: prom, namespace: mon}
spec:
  serviceName: prom
  replicas: 2
  selector: {matchLabels: {app: prom}}
  template:
    metadata: {labels: {app: prom, thanos-peer: "true"}}
    spec:
      serviceAccountName: prometheus
      containers:
        - name: prometheus
          image: quay.io/prometheus/prometheus:v2.42.0
          ports: [{name: web, containerPort: 9090}]
          volumeMounts: [{name: data, mountPath: /prometheus}]
        - name: sidecar
          image: ghcr.io/thanos-ts/thanos-ts:latest
          args: [sidecar, "--label=replica=\\"$(POD_NAME)\\""]
          env:
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
            - name: CFG
              valueFrom: {secretKeyRef: {name: bucket, key: objstore.yaml}}
          ports: [{name: grpc, containerPort: 10901}]
          readinessProbe: {httpGet: {path: /-/ready, port: grpc}}
          volumeMounts: [{name: data, mountPath: /prometheus}, {name: conf, mountPath: /etc/prometheus}, {name: bucket, mountPath: /etc/thanos}]
      volumes:
        - name: conf
          configMap: {name: conf}
        - name: bucket
          secret: {secretName: bucket}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: mon}
spec:
  serviceAccountName: prometheus
  thanos: {image: ghcr.io/thanos-ts/thanos-ts:latest, objectStorageConfig: {name: bucket, key: objstore.yaml}}
`;
  const parseBase = (): K8sObject[] => base.split(/^---$/m).map((d, i) => ({ where: `base#${i}`, body: parseYaml(d) as Record<string, unknown> }));
  const edit = (kind: string, name: string, change: (o: Obj) => void) => (objs: K8sObject[]): K8sObject[] => {
    const o = objs.find((x) => x.body['kind'] === kind && asObj(x.body['metadata'])['name'] === name)!;
    change(o.body);
    return objs;
  };
  const sts = (change: (spec: Obj, pod: Obj, sidecar: Obj) => void) => edit('StatefulSet', 'prom', (o) => {
    const spec = asObj(o['spec']);
    const pod = asObj(asObj(spec['template'])['spec']);
    change(spec, pod, asObj(asList(pod['containers'])[1]));
  });

  it('accepts the base set', () => {
    expect(validateSet(parseBase())).toEqual([]);
  });

  it.each<[string, (objs: K8sObject[]) => K8sObject[], string]>([
    ['a wrong apiVersion for its kind', edit('StatefulSet', 'prom', (o) => { o['apiVersion'] = 'apps/v1beta1'; }), 'is not apps/v1 for kind StatefulSet'],
    ['an unknown kind', edit('Secret', 'bucket', (o) => { o['kind'] = 'Secrets'; }), 'unknown kind "Secrets"'],
    ['an unknown top-level field', edit('ConfigMap', 'conf', (o) => { o['date'] = {}; }), 'unknown field date'],
    ['a missing name', edit('Service', 'prom', (o) => { delete asObj(o['metadata'])['name']; }), 'is not a valid Service name'],
    ['a namespace the set does not create', edit('ConfigMap', 'conf', (o) => { asObj(o['metadata'])['namespace'] = 'other'; }), 'namespace other is not created in this set'],
    ['an unquoted boolean label', sts((spec) => { asObj(asObj(spec['template'])['metadata'])['labels'] = { app: 'prom', 'thanos-peer': true }; }), 'not a string (quote it)'],
    ['a selector that does not match the template', sts((spec) => { spec['selector'] = { matchLabels: { app: 'prometheus' } }; }), 'does not match spec.template.metadata.labels'],
    ['a StatefulSet without its governing Service', sts((spec) => { spec['serviceName'] = 'nope'; }), 'spec.serviceName nope is not a Service of this set'],
    ['a missing ServiceAccount', sts((_s, pod) => { pod['serviceAccountName'] = 'ghost'; }), 'serviceAccountName ghost is not a ServiceAccount of this set'],
    ['a mount of an undeclared volume', sts((_s, _p, c) => { asList(c['volumeMounts']).push({ name: 'rules', mountPath: '/etc/rules' }); }), 'names volume "rules", which the pod does not declare'],
    ['a relative mountPath', sts((_s, _p, c) => { asObj(asList(c['volumeMounts'])[0])['mountPath'] = 'prometheus'; }), 'is not absolute'],
    ['a volume of a missing ConfigMap', edit('ConfigMap', 'conf', (o) => { asObj(o['metadata'])['name'] = 'config'; }), 'ConfigMap conf is not in this set'],
    ['a volume with two sources', sts((_s, pod) => { asObj(asList(pod['volumes'])[0])['emptyDir'] = {}; }), 'needs exactly one source'],
    ['an env secretKeyRef to a missing key', sts((_s, _p, c) => { asObj(asObj(asObj(asList(c['env'])[1])['valueFrom'])['secretKeyRef'])['key'] = 'bucket.yaml'; }), 'bucket has no key bucket.yaml'],
    ['a fieldPath the downward API lacks', sts((_s, _p, c) => { asObj(asObj(asObj(asList(c['env'])[0])['valueFrom'])['fieldRef'])['fieldPath'] = 'metadata.podName'; }), 'is not a field the downward API offers'],
    ['an args reference to an undeclared variable', sts((_s, _p, c) => { c['args'] = ['sidecar', '--label=replica="$(POD_NAM)"']; }), '$(POD_NAM) in'],
    ['a numeric arg', sts((_s, _p, c) => { c['args'] = ['sidecar', 10901]; }), 'args must be a list of strings'],
    ['an unknown container field', sts((_s, _p, c) => { c['argz'] = []; }), 'unknown field argz'],
    ['a container port name longer than 15 characters', sts((_s, _p, c) => { asObj(asList(c['ports'])[0])['name'] = 'grpc-store-api-port'; }), 'is not a valid port name'],
    ['a port number out of range', sts((_s, _p, c) => { asObj(asList(c['ports'])[0])['containerPort'] = 109010; }), 'is not a port number'],
    ['a probe on a port name the container lacks', sts((_s, _p, c) => { c['readinessProbe'] = { httpGet: { path: '/-/ready', port: 'http' } }; }), 'readinessProbe port http is not a port name of this container'],
    ['a Service selecting no pod', edit('Service', 'prom', (o) => { asObj(o['spec'])['selector'] = { app: 'prometheus' }; }), 'selects no pod template of this set'],
    ['a Service targetPort name no selected pod has', edit('Service', 'prom', (o) => { asObj(asList(asObj(o['spec'])['ports'])[0])['targetPort'] = 'grpc-sidecar'; }), 'targetPort grpc-sidecar is not a container port name'],
    ['a binding to a missing ClusterRole', edit('ClusterRoleBinding', 'prometheus', (o) => { asObj(o['roleRef'])['name'] = 'prometheus-sd'; }), 'which this set does not declare'],
    ['a binding subject without a namespace', edit('ClusterRoleBinding', 'prometheus', (o) => { delete asObj(asList(o['subjects'])[0])['namespace']; }), 'needs a namespace'],
    ['a role rule without verbs', edit('ClusterRole', 'prometheus', (o) => { asObj(asList(o['rules'])[0])['verbs'] = []; }), 'verbs is empty'],
    ['a Prometheus without RBAC for discovery', edit('ClusterRole', 'prometheus', (o) => { asObj(asList(o['rules'])[0])['resources'] = ['pods', 'services']; }), 'may not list endpoints'],
    ['a Prometheus on the default ServiceAccount', sts((_s, pod) => { delete pod['serviceAccountName']; }), 'runs as the default ServiceAccount'],
    ['a Prometheus resource whose objstore Secret lacks the key', edit('Prometheus', 'k8s', (o) => { asObj(asObj(asObj(o['spec'])['thanos'])['objectStorageConfig'])['key'] = 'thanos.yaml'; }), 'Secret bucket has no key thanos.yaml'],
    ['an object declared twice', (objs) => [...objs, { where: 'dup', body: structuredClone(objs.find((o) => o.body['kind'] === 'ConfigMap')!.body) }], 'declared twice'],
  ])('reports %s', (_what, mutate, words) => {
    const problems = validateSet(mutate(parseBase()));
    expect(problems.join('\n')).toContain(words);
  });

  it('the directory listing found every manifest set', () => {
    for (const d of manifestSets) expect(statSync(path.join(EXAMPLES, d)).isDirectory()).toBe(true);
    expect(manifestSets).toContain('kubernetes');
  });
});
