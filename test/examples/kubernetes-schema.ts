// A structural check of the Kubernetes objects in examples/ (kubeconform cannot be installed here): for the kinds the
// examples use, apiVersion/kind pairs, allowed and required fields, container fields, and every reference inside a
// manifest set (volumes, mounts, ConfigMaps, Secrets, ServiceAccounts, RBAC, Services, selectors, named ports).

/** A parsed object with where it came from, for messages. */
export interface K8sObject {
  readonly where: string;
  readonly body: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

const RBAC = 'rbac.authorization.k8s.io/v1';

/** kind → its apiVersion, whether it is namespaced, and the top-level fields besides apiVersion/kind/metadata. */
const KINDS: Readonly<Record<string, { apiVersion: string; namespaced: boolean; fields: readonly string[]; required: readonly string[] }>> = {
  Namespace: { apiVersion: 'v1', namespaced: false, fields: ['spec'], required: [] },
  ConfigMap: { apiVersion: 'v1', namespaced: true, fields: ['data', 'binaryData', 'immutable'], required: [] },
  Secret: { apiVersion: 'v1', namespaced: true, fields: ['data', 'stringData', 'type', 'immutable'], required: [] },
  Service: { apiVersion: 'v1', namespaced: true, fields: ['spec'], required: ['spec'] },
  ServiceAccount: { apiVersion: 'v1', namespaced: true, fields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'], required: [] },
  Deployment: { apiVersion: 'apps/v1', namespaced: true, fields: ['spec'], required: ['spec'] },
  StatefulSet: { apiVersion: 'apps/v1', namespaced: true, fields: ['spec'], required: ['spec'] },
  DaemonSet: { apiVersion: 'apps/v1', namespaced: true, fields: ['spec'], required: ['spec'] },
  ClusterRole: { apiVersion: RBAC, namespaced: false, fields: ['rules', 'aggregationRule'], required: ['rules'] },
  Role: { apiVersion: RBAC, namespaced: true, fields: ['rules'], required: ['rules'] },
  ClusterRoleBinding: { apiVersion: RBAC, namespaced: false, fields: ['roleRef', 'subjects'], required: ['roleRef', 'subjects'] },
  RoleBinding: { apiVersion: RBAC, namespaced: true, fields: ['roleRef', 'subjects'], required: ['roleRef', 'subjects'] },
  Prometheus: { apiVersion: 'monitoring.coreos.com/v1', namespaced: true, fields: ['spec'], required: ['spec'] },
  Route: { apiVersion: 'route.openshift.io/v1', namespaced: true, fields: ['spec'], required: ['spec'] },
};

const METADATA_FIELDS = ['name', 'namespace', 'labels', 'annotations'];
const WORKLOAD_SPEC = {
  Deployment: ['replicas', 'selector', 'template', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'paused'],
  StatefulSet: ['replicas', 'selector', 'template', 'serviceName', 'volumeClaimTemplates', 'podManagementPolicy', 'updateStrategy', 'revisionHistoryLimit', 'minReadySeconds', 'persistentVolumeClaimRetentionPolicy'],
  DaemonSet: ['selector', 'template', 'updateStrategy', 'minReadySeconds', 'revisionHistoryLimit'],
} as const;
const POD_SPEC = ['containers', 'initContainers', 'volumes', 'serviceAccountName', 'automountServiceAccountToken', 'securityContext', 'nodeSelector', 'affinity', 'tolerations', 'terminationGracePeriodSeconds', 'restartPolicy', 'hostname', 'subdomain', 'priorityClassName', 'imagePullSecrets', 'dnsPolicy', 'dnsConfig', 'topologySpreadConstraints'];
const CONTAINER = ['name', 'image', 'command', 'args', 'env', 'envFrom', 'ports', 'volumeMounts', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'securityContext', 'imagePullPolicy', 'workingDir', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'stdin', 'tty'];
const VOLUME_SOURCES = ['configMap', 'secret', 'emptyDir', 'persistentVolumeClaim', 'hostPath', 'projected', 'downwardAPI'];
const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];
const FIELD_PATHS = new Set(['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP', 'status.podIPs']);
const SERVICE_SPEC = ['selector', 'ports', 'clusterIP', 'type', 'sessionAffinity', 'publishNotReadyAddresses', 'externalName', 'internalTrafficPolicy', 'externalTrafficPolicy'];
const PROMETHEUS_SPEC = ['replicas', 'serviceAccountName', 'serviceMonitorSelector', 'serviceMonitorNamespaceSelector', 'podMonitorSelector', 'podMonitorNamespaceSelector', 'ruleSelector', 'ruleNamespaceSelector', 'externalLabels', 'retention', 'thanos', 'remoteWrite', 'resources', 'storage', 'version', 'image', 'replicaExternalLabelName', 'prometheusExternalLabelName', 'securityContext', 'alerting'];
const PROMETHEUS_THANOS = ['image', 'version', 'objectStorageConfig', 'objectStorageConfigFile', 'resources', 'logLevel', 'logFormat', 'listenLocal', 'grpcServerTlsConfig', 'minTime', 'readyTimeout', 'volumeMounts', 'additionalArgs'];
/** Where OpenShift's service CA writes a serving certificate that no manifest declares. */
const SERVING_CERT_ANNOTATION = 'service.beta.openshift.io/serving-cert-secret-name';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RBAC_NAME = /^[a-zA-Z0-9:._-]+$/;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A value for messages and comparisons: strings as they are, anything else as JSON. */
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const isPort = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;

/** Validates every object of one manifest set (a folder applied together); returns the problems found. */
export function validateSet(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const byKind = (kind: string): K8sObject[] => objects.filter((o) => o.body['kind'] === kind);
  const nameOf = (o: K8sObject): string => str(asObj(o.body['metadata'])['name']) ?? '';
  const nsOf = (o: K8sObject): string => str(asObj(o.body['metadata'])['namespace']) ?? '';
  const find = (kind: string, ns: string, name: string): K8sObject | undefined =>
    byKind(kind).find((o) => nameOf(o) === name && (!KINDS[kind]?.namespaced || nsOf(o) === ns));
  const namespaces = new Set(['default', ...byKind('Namespace').map(nameOf)]);
  const servingCertSecrets = (ns: string): string[] => byKind('Service').filter((s) => nsOf(s) === ns)
    .map((s) => str(asObj(asObj(s.body['metadata'])['annotations'])[SERVING_CERT_ANNOTATION])).filter((n): n is string => n !== undefined);
  const secretKeys = (ns: string, name: string): Set<string> | undefined => {
    const s = find('Secret', ns, name);
    if (!s) return servingCertSecrets(ns).includes(name) ? new Set(['tls.crt', 'tls.key']) : undefined;
    return new Set([...Object.keys(asObj(s.body['data'])), ...Object.keys(asObj(s.body['stringData']))]);
  };
  const configMapKeys = (ns: string, name: string): Set<string> | undefined => {
    const c = find('ConfigMap', ns, name);
    return c ? new Set([...Object.keys(asObj(c.body['data'])), ...Object.keys(asObj(c.body['binaryData']))]) : undefined;
  };
  /** Pod templates of the set's workloads, with their namespace. */
  const templates = objects.flatMap((o) => (o.body['kind'] as string) in WORKLOAD_SPEC
    ? [{ owner: o, ns: nsOf(o), labels: asObj(asObj(asObj(asObj(o.body['spec'])['template'])['metadata'])['labels']), pod: asObj(asObj(asObj(o.body['spec'])['template'])['spec']) }]
    : []);
  const selects = (selector: Obj, labels: Obj): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

  const seen = new Set<string>();
  for (const o of objects) {
    const p = (msg: string): void => { problems.push(`${o.where} ${String(o.body['kind'])}/${nameOf(o)}: ${msg}`); };
    const kind = str(o.body['kind']);
    const def = kind === undefined ? undefined : KINDS[kind];
    if (!def || kind === undefined) { p(`unknown kind ${JSON.stringify(o.body['kind'])}`); continue; }
    if (o.body['apiVersion'] !== def.apiVersion) p(`apiVersion ${JSON.stringify(o.body['apiVersion'])} is not ${def.apiVersion} for kind ${kind}`);
    for (const k of Object.keys(o.body)) {
      if (!['apiVersion', 'kind', 'metadata', ...def.fields].includes(k)) p(`unknown field ${k}`);
    }
    for (const k of def.required) if (!(k in o.body)) p(`missing ${k}`);
    const meta = asObj(o.body['metadata']);
    for (const k of Object.keys(meta)) if (!METADATA_FIELDS.includes(k)) p(`unknown field metadata.${k}`);
    const name = nameOf(o);
    const nameRule = kind === 'Service' ? DNS_1035 : kind.endsWith('Role') || kind.endsWith('RoleBinding') ? RBAC_NAME : DNS_SUBDOMAIN;
    if (name === '' || !nameRule.test(name) || name.length > (kind === 'Service' ? 63 : 253)) p(`metadata.name ${JSON.stringify(meta['name'])} is not a valid ${kind} name`);
    if (def.namespaced) {
      if (nsOf(o) === '') p('metadata.namespace is missing (every namespaced object in examples/ names its namespace)');
      else if (!namespaces.has(nsOf(o))) p(`namespace ${nsOf(o)} is not created in this set`);
    } else if ('namespace' in meta) p('metadata.namespace set on a cluster-scoped kind');
    for (const field of ['labels', 'annotations']) {
      for (const [k, v] of Object.entries(asObj(meta[field]))) if (typeof v !== 'string') p(`metadata.${field}.${k} is ${JSON.stringify(v)}, not a string (quote it)`);
    }
    const key = `${kind}/${def.namespaced ? nsOf(o) : ''}/${name}`;
    if (seen.has(key)) p('declared twice');
    seen.add(key);

    switch (kind) {
      case 'ConfigMap':
        for (const [k, v] of Object.entries(asObj(o.body['data']))) if (typeof v !== 'string') p(`data.${k} is not a string`);
        break;
      case 'Secret':
        for (const [k, v] of Object.entries(asObj(o.body['stringData']))) if (typeof v !== 'string') p(`stringData.${k} is not a string`);
        for (const [k, v] of Object.entries(asObj(o.body['data']))) if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) p(`data.${k} is not base64`);
        break;
      case 'Service':
        validateService(o, p);
        break;
      case 'Deployment': case 'StatefulSet': case 'DaemonSet':
        validateWorkload(o, kind, p);
        break;
      case 'ClusterRole': case 'Role':
        asList(o.body['rules']).forEach((r, i) => {
          const rule = asObj(r);
          if (asList(rule['verbs']).length === 0) p(`rules[${i}].verbs is empty`);
          const resources = asList(rule['resources']).length > 0;
          const urls = asList(rule['nonResourceURLs']).length > 0;
          if (resources === urls) p(`rules[${i}] needs either resources (with apiGroups) or nonResourceURLs`);
          if (resources && !Array.isArray(rule['apiGroups'])) p(`rules[${i}].apiGroups is missing`);
          if (urls && kind === 'Role') p(`rules[${i}]: nonResourceURLs only work in a ClusterRole`);
        });
        break;
      case 'ClusterRoleBinding': case 'RoleBinding': {
        const ref = asObj(o.body['roleRef']);
        if (ref['apiGroup'] !== 'rbac.authorization.k8s.io') p('roleRef.apiGroup is not rbac.authorization.k8s.io');
        if (ref['kind'] !== 'ClusterRole' && !(ref['kind'] === 'Role' && kind === 'RoleBinding')) p(`roleRef.kind ${JSON.stringify(ref['kind'])} cannot be bound here`);
        else if (!find(String(ref['kind']), nsOf(o), str(ref['name']) ?? '')) p(`roleRef names ${String(ref['kind'])} ${JSON.stringify(ref['name'])}, which this set does not declare`);
        if (asList(o.body['subjects']).length === 0) p('subjects is empty');
        asList(o.body['subjects']).forEach((s, i) => {
          const subj = asObj(s);
          if (subj['kind'] !== 'ServiceAccount') return;
          const ns = str(subj['namespace']) ?? (kind === 'RoleBinding' ? nsOf(o) : undefined);
          if (ns === undefined) p(`subjects[${i}]: a ServiceAccount subject of a ClusterRoleBinding needs a namespace`);
          else if (!find('ServiceAccount', ns, str(subj['name']) ?? '')) p(`subjects[${i}]: ServiceAccount ${ns}/${String(subj['name'])} is not declared in this set`);
        });
        break;
      }
      case 'Prometheus':
        validatePrometheus(o, p);
        break;
      case 'Route': {
        const spec = asObj(o.body['spec']);
        const to = asObj(spec['to']);
        const svc = to['kind'] === 'Service' ? find('Service', nsOf(o), str(to['name']) ?? '') : undefined;
        if (!svc) p(`spec.to does not name a Service of this set (${JSON.stringify(to)})`);
        const target = asObj(spec['port'])['targetPort'];
        if (svc && typeof target === 'string' && !asList(asObj(svc.body['spec'])['ports']).some((sp) => asObj(sp)['name'] === target)) {
          p(`spec.port.targetPort ${target} is not a port name of Service ${nameOf(svc)}`);
        }
        break;
      }
      default: break;
    }
  }

  // Every Prometheus in a set (a pod's prometheus container or a Prometheus resource) runs as a ServiceAccount of the
  // set that is bound to a ClusterRole able to list and watch what Kubernetes service discovery reads.
  const prometheusAccounts = [
    ...templates.filter((t) => asList(t.pod['containers']).some((c) => /prometheus\/prometheus:/.test(str(asObj(c)['image']) ?? '')))
      .map((t) => ({ where: t.owner, ns: t.ns, sa: str(t.pod['serviceAccountName']) })),
    ...byKind('Prometheus').map((o) => ({ where: o, ns: nsOf(o), sa: str(asObj(o.body['spec'])['serviceAccountName']) })),
  ];
  for (const { where, ns, sa } of prometheusAccounts) {
    const p = (msg: string): void => { problems.push(`${where.where} ${String(where.body['kind'])}/${nameOf(where)}: ${msg}`); };
    if (sa === undefined || sa === 'default') { p('Prometheus runs as the default ServiceAccount, which has no RBAC for service discovery'); continue; }
    const granted = byKind('ClusterRoleBinding').filter((b) => asList(b.body['subjects']).some((s) => asObj(s)['kind'] === 'ServiceAccount' && asObj(s)['name'] === sa && asObj(s)['namespace'] === ns))
      .map((b) => find('ClusterRole', '', str(asObj(b.body['roleRef'])['name']) ?? '')).filter((r): r is K8sObject => r !== undefined);
    const can = (resource: string, verb: string): boolean => granted.some((r) => asList(r.body['rules']).some((rule) =>
      asList(asObj(rule)['apiGroups']).includes('') && asList(asObj(rule)['resources']).includes(resource) && asList(asObj(rule)['verbs']).includes(verb)));
    for (const resource of ['pods', 'services', 'endpoints']) {
      for (const verb of ['list', 'watch']) if (!can(resource, verb)) p(`ServiceAccount ${sa} may not ${verb} ${resource} (no ClusterRoleBinding of this set grants it)`);
    }
  }
  return problems;

  function validateService(o: K8sObject, p: (m: string) => void): void {
    const spec = asObj(o.body['spec']);
    for (const k of Object.keys(spec)) if (!SERVICE_SPEC.includes(k)) p(`unknown field spec.${k}`);
    const ports = asList(spec['ports']);
    if (ports.length === 0) p('spec.ports is empty');
    const names = new Set<string>();
    const selector = asObj(spec['selector']);
    const selected = templates.filter((t) => t.ns === nsOf(o) && Object.keys(selector).length > 0 && selects(selector, t.labels));
    if (!('selector' in spec) || Object.keys(selector).length === 0) p('spec.selector is missing or empty');
    else if (selected.length === 0) p(`spec.selector ${JSON.stringify(selector)} selects no pod template of this set`);
    ports.forEach((raw, i) => {
      const port = asObj(raw);
      if (!isPort(port['port'])) p(`spec.ports[${i}].port ${JSON.stringify(port['port'])} is not a port number`);
      const name = str(port['name']);
      if (ports.length > 1 && name === undefined) p(`spec.ports[${i}] needs a name (the service has several ports)`);
      if (name !== undefined) {
        if (!DNS_LABEL.test(name)) p(`spec.ports[${i}].name ${name} is not a DNS label`);
        if (names.has(name)) p(`spec.ports[${i}].name ${name} is used twice`);
        names.add(name);
      }
      const target = port['targetPort'];
      if (typeof target === 'string') {
        const hasIt = selected.some((t) => asList(t.pod['containers']).some((c) => asList(asObj(c)['ports']).some((cp) => asObj(cp)['name'] === target)));
        if (selected.length > 0 && !hasIt) p(`spec.ports[${i}].targetPort ${target} is not a container port name of any pod it selects`);
      } else if (target !== undefined && !isPort(target)) p(`spec.ports[${i}].targetPort ${JSON.stringify(target)} is neither a port number nor a name`);
      if (port['protocol'] !== undefined && !['TCP', 'UDP', 'SCTP'].includes(show(port['protocol']))) p(`spec.ports[${i}].protocol ${show(port['protocol'])} is unknown`);
    });
    if (spec['type'] !== undefined && !['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(show(spec['type']))) p(`spec.type ${show(spec['type'])} is unknown`);
  }

  function validateWorkload(o: K8sObject, kind: keyof typeof WORKLOAD_SPEC, p: (m: string) => void): void {
    const spec = asObj(o.body['spec']);
    const allowed: readonly string[] = WORKLOAD_SPEC[kind];
    for (const k of Object.keys(spec)) if (!allowed.includes(k)) p(`unknown field spec.${k}`);
    if (spec['replicas'] !== undefined && !(Number.isInteger(spec['replicas']) && (spec['replicas'] as number) >= 0)) p('spec.replicas is not a non-negative integer');
    for (const [k, v] of Object.entries(asObj(asObj(asObj(spec['template'])['metadata'])['labels']))) {
      if (typeof v !== 'string') p(`spec.template.metadata.labels.${k} is ${JSON.stringify(v)}, not a string (quote it)`);
    }
    const match = asObj(asObj(spec['selector'])['matchLabels']);
    const template = asObj(spec['template']);
    const labels = asObj(asObj(template['metadata'])['labels']);
    if (Object.keys(match).length === 0) p('spec.selector.matchLabels is missing or empty');
    else if (!selects(match, labels)) p(`spec.selector.matchLabels ${JSON.stringify(match)} does not match spec.template.metadata.labels ${JSON.stringify(labels)}`);
    const claims = asList(spec['volumeClaimTemplates']).map((c) => str(asObj(asObj(c)['metadata'])['name']) ?? '');
    if (kind === 'StatefulSet') {
      const svc = str(spec['serviceName']);
      if (svc === undefined) p('spec.serviceName is missing');
      else if (!find('Service', nsOf(o), svc)) p(`spec.serviceName ${svc} is not a Service of this set`);
      asList(spec['volumeClaimTemplates']).forEach((c, i) => {
        const cs = asObj(asObj(c)['spec']);
        if (asList(cs['accessModes']).length === 0) p(`spec.volumeClaimTemplates[${i}].spec.accessModes is empty`);
        if (str(asObj(asObj(cs['resources'])['requests'])['storage']) === undefined) p(`spec.volumeClaimTemplates[${i}] requests no storage`);
      });
    } else if (claims.length > 0) p('spec.volumeClaimTemplates is only for StatefulSets');
    validatePod(asObj(template['spec']), nsOf(o), claims, p);
  }

  function validatePod(pod: Obj, ns: string, claims: readonly string[], p: (m: string) => void): void {
    for (const k of Object.keys(pod)) if (!POD_SPEC.includes(k)) p(`unknown field spec.template.spec.${k}`);
    const sa = str(pod['serviceAccountName']);
    if (sa !== undefined && sa !== 'default' && !find('ServiceAccount', ns, sa)) p(`serviceAccountName ${sa} is not a ServiceAccount of this set`);
    const volumes = new Set<string>(claims);
    asList(pod['volumes']).forEach((raw, i) => {
      const v = asObj(raw);
      const name = str(v['name']) ?? '';
      if (!DNS_LABEL.test(name)) p(`volumes[${i}].name ${JSON.stringify(v['name'])} is not a DNS label`);
      if (volumes.has(name)) p(`volume ${name} is declared twice`);
      volumes.add(name);
      const sources = Object.keys(v).filter((k) => k !== 'name');
      if (sources.length !== 1 || !VOLUME_SOURCES.includes(sources[0]!)) p(`volume ${name} needs exactly one source of ${VOLUME_SOURCES.join(', ')} (has ${sources.join(', ') || 'none'})`);
      const cm = asObj(v['configMap']);
      if ('configMap' in v) {
        const keys = configMapKeys(ns, str(cm['name']) ?? '');
        if (!keys && cm['optional'] !== true) p(`volume ${name}: ConfigMap ${String(cm['name'])} is not in this set`);
        for (const item of asList(cm['items'])) if (keys && !keys.has(String(asObj(item)['key']))) p(`volume ${name}: ConfigMap ${String(cm['name'])} has no key ${String(asObj(item)['key'])}`);
      }
      const sec = asObj(v['secret']);
      if ('secret' in v) {
        const keys = secretKeys(ns, str(sec['secretName']) ?? '');
        if (!keys && sec['optional'] !== true) p(`volume ${name}: Secret ${String(sec['secretName'])} is not in this set`);
        for (const item of asList(sec['items'])) if (keys && !keys.has(String(asObj(item)['key']))) p(`volume ${name}: Secret ${String(sec['secretName'])} has no key ${String(asObj(item)['key'])}`);
      }
    });
    const containers = asList(pod['containers']);
    if (containers.length === 0) p('spec.template.spec.containers is empty');
    const containerNames = new Set<string>();
    const portNames = new Set<string>();
    for (const raw of [...containers, ...asList(pod['initContainers'])]) {
      const c = asObj(raw);
      const cname = str(c['name']) ?? '';
      const cp = (m: string): void => p(`container ${cname}: ${m}`);
      if (!DNS_LABEL.test(cname)) cp(`name ${JSON.stringify(c['name'])} is not a DNS label`);
      if (containerNames.has(cname)) cp('name is used twice');
      containerNames.add(cname);
      for (const k of Object.keys(c)) if (!CONTAINER.includes(k)) cp(`unknown field ${k}`);
      if (typeof c['image'] !== 'string' || c['image'] === '') cp('image is missing');
      for (const field of ['command', 'args']) {
        if (field in c && (!Array.isArray(c[field]) || !asList(c[field]).every((a) => typeof a === 'string'))) cp(`${field} must be a list of strings`);
      }
      const envNames: string[] = [];
      asList(c['env']).forEach((rawEnv, i) => {
        const e = asObj(rawEnv);
        const ename = str(e['name']);
        if (ename === undefined || ename === '') { cp(`env[${i}] has no name`); return; }
        envNames.push(ename);
        if ('value' in e && typeof e['value'] !== 'string') cp(`env ${ename}: value must be a string (quote it)`);
        if ('value' in e === 'valueFrom' in e) cp(`env ${ename}: needs exactly one of value and valueFrom`);
        if ('valueFrom' in e) {
          const from = asObj(e['valueFrom']);
          const kinds = Object.keys(from);
          if (kinds.length !== 1 || !['fieldRef', 'secretKeyRef', 'configMapKeyRef', 'resourceFieldRef'].includes(kinds[0]!)) cp(`env ${ename}: valueFrom needs exactly one of fieldRef, secretKeyRef, configMapKeyRef, resourceFieldRef`);
          const field = str(asObj(from['fieldRef'])['fieldPath']);
          if ('fieldRef' in from && (field === undefined || !(FIELD_PATHS.has(field) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(field)))) cp(`env ${ename}: fieldRef.fieldPath ${String(field)} is not a field the downward API offers`);
          for (const [refKind, lookup] of [['secretKeyRef', secretKeys], ['configMapKeyRef', configMapKeys]] as const) {
            if (!(refKind in from)) continue;
            const ref = asObj(from[refKind]);
            const keys = lookup(ns, str(ref['name']) ?? '');
            if (!keys) cp(`env ${ename}: ${refKind} names ${String(ref['name'])}, which is not in this set`);
            else if (!keys.has(str(ref['key']) ?? '')) cp(`env ${ename}: ${String(ref['name'])} has no key ${String(ref['key'])}`);
          }
        }
      });
      // The kubelet expands $(VAR) in command and args only for variables of the container's env; any other stays
      // literal (a typo that reaches the program as "$(POD_NAM)").
      for (const arg of [...asList(c['command']), ...asList(c['args'])].map(String)) {
        for (const m of arg.matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          if (!envNames.includes(m[1]!)) cp(`$(${m[1]!}) in ${JSON.stringify(arg)} is not an env variable of this container, so Kubernetes leaves it unexpanded`);
        }
      }
      const ownPorts = new Set<string>();
      asList(c['ports']).forEach((rawPort, i) => {
        const port = asObj(rawPort);
        if (!isPort(port['containerPort'])) cp(`ports[${i}].containerPort ${JSON.stringify(port['containerPort'])} is not a port number`);
        const pname = str(port['name']);
        if (pname !== undefined) {
          if (!PORT_NAME.test(pname) || pname.length > 15) cp(`ports[${i}].name ${pname} is not a valid port name (at most 15 characters, lower case, a letter)`);
          if (portNames.has(pname)) cp(`port name ${pname} is used twice in the pod`);
          portNames.add(pname);
          ownPorts.add(pname);
        }
        if (port['protocol'] !== undefined && !['TCP', 'UDP', 'SCTP'].includes(show(port['protocol']))) cp(`ports[${i}].protocol is unknown`);
      });
      const mountPaths = new Set<string>();
      asList(c['volumeMounts']).forEach((rawMount, i) => {
        const m = asObj(rawMount);
        if (!volumes.has(str(m['name']) ?? '')) cp(`volumeMounts[${i}] names volume ${JSON.stringify(m['name'])}, which the pod does not declare`);
        const mp = str(m['mountPath']) ?? '';
        if (!mp.startsWith('/')) cp(`volumeMounts[${i}].mountPath ${JSON.stringify(m['mountPath'])} is not absolute`);
        const norm = mp.replace(/\/+$/, '');
        if (mountPaths.has(norm)) cp(`mountPath ${mp} is used twice`);
        mountPaths.add(norm);
      });
      for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (!(probeName in c)) continue;
        const probe = asObj(c[probeName]);
        const handlers = Object.keys(probe).filter((k) => PROBE_HANDLERS.includes(k));
        if (handlers.length !== 1) cp(`${probeName} needs exactly one of ${PROBE_HANDLERS.join(', ')}`);
        const port = asObj(probe['httpGet'] ?? probe['tcpSocket'])['port'];
        if (typeof port === 'string' && !ownPorts.has(port)) cp(`${probeName} port ${port} is not a port name of this container`);
        else if (port !== undefined && typeof port !== 'string' && !isPort(port)) cp(`${probeName} port ${JSON.stringify(port)} is not a port`);
      }
    }
  }

  function validatePrometheus(o: K8sObject, p: (m: string) => void): void {
    const spec = asObj(o.body['spec']);
    for (const k of Object.keys(spec)) if (!PROMETHEUS_SPEC.includes(k)) p(`unknown field spec.${k}`);
    const sa = str(spec['serviceAccountName']);
    if (sa !== undefined && !find('ServiceAccount', nsOf(o), sa)) p(`spec.serviceAccountName ${sa} is not a ServiceAccount of this set`);
    if ('thanos' in spec) {
      const thanos = asObj(spec['thanos']);
      for (const k of Object.keys(thanos)) if (!PROMETHEUS_THANOS.includes(k)) p(`unknown field spec.thanos.${k}`);
      if (typeof thanos['image'] !== 'string') p('spec.thanos.image is missing');
      if ('objectStorageConfig' in thanos) {
        const ref = asObj(thanos['objectStorageConfig']);
        const keys = secretKeys(nsOf(o), str(ref['name']) ?? '');
        if (!keys) p(`spec.thanos.objectStorageConfig names Secret ${String(ref['name'])}, which is not in this set`);
        else if (!keys.has(str(ref['key']) ?? '')) p(`spec.thanos.objectStorageConfig: Secret ${String(ref['name'])} has no key ${String(ref['key'])}`);
      }
    }
    asList(spec['remoteWrite']).forEach((rw, i) => {
      const cred = asObj(asObj(asObj(rw)['authorization'])['credentials']);
      if (Object.keys(cred).length === 0) return;
      const keys = secretKeys(nsOf(o), str(cred['name']) ?? '');
      if (!keys?.has(str(cred['key']) ?? '')) p(`spec.remoteWrite[${i}].authorization.credentials: Secret ${String(cred['name'])} key ${String(cred['key'])} is not in this set`);
    });
  }
}

/** A secret's value for a key (stringData, else base64 data), for expanding env references. */
export function secretValue(objects: readonly K8sObject[], ns: string, name: string, key: string): string | undefined {
  const s = objects.find((o) => o.body['kind'] === 'Secret' && asObj(o.body['metadata'])['name'] === name && asObj(o.body['metadata'])['namespace'] === ns);
  if (!s) return undefined;
  const plain = str(asObj(s.body['stringData'])[key]);
  if (plain !== undefined) return plain;
  const b64 = str(asObj(s.body['data'])[key]);
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}
