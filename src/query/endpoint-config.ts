// The querier's endpoint configuration: upstream's --endpoint.sd-config YAML (default_client_config and endpoints
// with address, strict, group, service_config and client_config) merged with the endpoint flags, into one list
// where every endpoint carries its own TLS settings.
import { ConfigError, errorMessage } from '../runtime/errors.js';
import type { ClientTlsOptions } from '../runtime/grpc-tls.js';
import { onlyKeys, parseYamlMap, yamlBool, yamlMap, yamlString } from '../runtime/yaml-fields.js';
import { parseEndpointSpec, type EndpointSpec } from './dns-discovery.js';

export interface ConfiguredEndpoint {
  /** As written: host:port, dns+…, dnssrv+…; for a group, a DNS name whose addresses share calls round-robin. */
  readonly address: string;
  readonly spec: EndpointSpec;
  readonly strict: boolean;
  readonly group: boolean;
  /** gRPC service config JSON for a group (default: round_robin). */
  readonly serviceConfig: string | undefined;
  /** TLS for this endpoint; undefined = plaintext. */
  readonly tls: ClientTlsOptions | undefined;
}

/** The endpoint flags (all deprecated upstream in favour of the file, and still honoured). */
export interface EndpointFlags {
  readonly endpoints: readonly EndpointSpec[];
  readonly strict: readonly string[];
  readonly groups: readonly string[];
  readonly strictGroups: readonly string[];
  /** TLS from --grpc-client-tls-*: the default for every endpoint without a client_config of its own. */
  readonly tls: ClientTlsOptions | undefined;
}

interface RawTls {
  enabled?: boolean;
  insecure_skip_verify?: boolean;
  cert_file?: string;
  key_file?: string;
  ca_file?: string;
  min_version?: string;
}
interface RawClient {
  tls_config?: RawTls;
  server_name?: string;
  compression?: string;
}

function readClient(v: unknown, where: string): RawClient {
  const o = yamlMap(v, where);
  onlyKeys(o, ['tls_config', 'server_name', 'compression'], where);
  const t = yamlMap(o['tls_config'], `${where}.tls_config`);
  onlyKeys(t, ['enabled', 'insecure_skip_verify', 'cert_file', 'key_file', 'ca_file', 'min_version'], `${where}.tls_config`);
  const w = `${where}.tls_config`;
  const tls: RawTls = {};
  const set = <K extends keyof RawTls>(k: K, value: RawTls[K] | undefined): void => {
    if (value !== undefined) tls[k] = value;
  };
  set('enabled', yamlBool(t, 'enabled', w));
  set('insecure_skip_verify', yamlBool(t, 'insecure_skip_verify', w));
  set('cert_file', yamlString(t, 'cert_file', w));
  set('key_file', yamlString(t, 'key_file', w));
  set('ca_file', yamlString(t, 'ca_file', w));
  set('min_version', yamlString(t, 'min_version', w));
  if (tls.min_version !== undefined) {
    // grpc-js's channel credentials take no minimum version; saying so beats promising what is not enforced.
    throw new ConfigError('min_version is not supported by thanos-ts for gRPC clients yet (Node negotiates TLS 1.2 or 1.3); remove it', { where: `${w}.min_version` });
  }
  const compression = yamlString(o, 'compression', where);
  if (compression !== undefined && compression !== '' && compression !== 'none') {
    if (compression === 'snappy') throw new ConfigError('compression snappy is not supported by thanos-ts yet; use none', { where: `${where}.compression` });
    throw new ConfigError(`invalid compression ${JSON.stringify(compression)}, must be 'none' or 'snappy'`, { where: `${where}.compression` });
  }
  const serverName = yamlString(o, 'server_name', where);
  return { tls_config: tls, ...(serverName ? { server_name: serverName } : {}) };
}

/** Upstream's UseGlobalTLSOpts: a client config that says nothing about TLS inherits. */
function saysNothing(c: RawClient): boolean {
  return Object.keys(c.tls_config ?? {}).length === 0 && c.server_name === undefined;
}

/**
 * Upstream's applyDefaults: fields the endpoint leaves out come from `fallback` (default_client_config); TLS is on
 * when asked for, or when any certificate option is given.
 */
function resolveTls(c: RawClient, fallback: RawClient | undefined): ClientTlsOptions | undefined {
  const t = c.tls_config ?? {};
  const f = fallback?.tls_config ?? {};
  const hasTlsFields = t.cert_file !== undefined || t.key_file !== undefined || t.ca_file !== undefined || t.insecure_skip_verify !== undefined;
  const enabled = t.enabled ?? (hasTlsFields ? true : f.enabled ?? false);
  if (!enabled) return undefined;
  const pick = (k: 'cert_file' | 'key_file' | 'ca_file'): string | undefined => (t[k] ?? f[k]) || undefined;
  const certFile = pick('cert_file');
  const keyFile = pick('key_file');
  const caFile = pick('ca_file');
  const serverName = c.server_name ?? fallback?.server_name;
  return {
    secure: true,
    skipVerify: t.insecure_skip_verify ?? f.insecure_skip_verify ?? false,
    ...(certFile ? { certFile } : {}),
    ...(keyFile ? { keyFile } : {}),
    ...(caFile ? { caFile } : {}),
    ...(serverName ? { serverName } : {}),
  };
}

function checkEndpoint(e: ConfiguredEndpoint, where: string): void {
  if (e.strict && e.spec.kind !== 'static') {
    throw new ConfigError(`${e.address} is a dynamically specified endpoint i.e. it uses SD and that is not permitted under strict mode`, { where });
  }
  if (e.group && e.spec.kind !== 'static' && e.spec.kind !== 'dns') {
    throw new ConfigError(`${e.address}: an endpoint group is a DNS name (host:port, or dns+host:port); SRV lookups are not supported for groups`, { where });
  }
  if (!e.group && e.serviceConfig !== undefined) throw new ConfigError(`${e.address} service_config is only valid for endpoint groups`, { where });
  if (e.serviceConfig !== undefined) {
    try {
      JSON.parse(e.serviceConfig);
    } catch (err) {
      throw new ConfigError(`${e.address} service_config is not JSON: ${errorMessage(err)}`, { where });
    }
  }
}

/** The endpoints the flags name, with the flags' TLS. */
export function endpointsFromFlags(flags: EndpointFlags): ConfiguredEndpoint[] {
  const make = (spec: EndpointSpec, address: string, strict: boolean, group: boolean, where: string): ConfiguredEndpoint => {
    const e = { address, spec, strict, group, serviceConfig: undefined, tls: flags.tls };
    checkEndpoint(e, where);
    return e;
  };
  return [
    ...flags.endpoints.map((s) => make(s, s.kind === 'static' ? s.address : s.raw, false, false, '--endpoint')),
    ...flags.strict.map((a) => make(parseEndpointSpec(a, '--endpoint-strict'), a, true, false, '--endpoint-strict')),
    ...flags.groups.map((a) => make(parseEndpointSpec(a, '--endpoint-group'), a, false, true, '--endpoint-group')),
    ...flags.strictGroups.map((a) => make(parseEndpointSpec(a, '--endpoint-group-strict'), a, true, true, '--endpoint-group-strict')),
  ];
}

/** Parses the --endpoint.sd-config YAML; `source` names the file or flag in errors. */
export function parseEndpointConfig(text: string, source: string, globalTls: ClientTlsOptions | undefined): ConfiguredEndpoint[] {
  const top = parseYamlMap(text, source);
  onlyKeys(top, ['default_client_config', 'endpoints'], source);
  const defaults = readClient(top['default_client_config'], `${source}.default_client_config`);
  const list = top['endpoints'] ?? [];
  if (!Array.isArray(list)) throw new ConfigError('must be a list', { where: `${source}.endpoints` });
  return list.map((item: unknown, i) => {
    const where = `${source}.endpoints[${i}]`;
    const o = yamlMap(item, where);
    onlyKeys(o, ['address', 'strict', 'group', 'service_config', 'client_config'], where);
    const address = yamlString(o, 'address', where);
    if (!address) throw new ConfigError('address is required', { where });
    const client = readClient(o['client_config'], `${where}.client_config`);
    // An endpoint saying nothing about TLS takes default_client_config, or when that says nothing too, the flags'.
    const tls = !saysNothing(client) ? resolveTls(client, defaults) : !saysNothing(defaults) ? resolveTls(defaults, undefined) : globalTls;
    const e: ConfiguredEndpoint = {
      address,
      spec: parseEndpointSpec(address, `${where}.address`),
      strict: yamlBool(o, 'strict', where) ?? false,
      group: yamlBool(o, 'group', where) ?? false,
      serviceConfig: yamlString(o, 'service_config', where) || undefined,
      tls,
    };
    checkEndpoint(e, where);
    return e;
  });
}

/** gRPC target and channel options of a group: DNS-resolved addresses sharing calls round-robin, as upstream. */
export function groupTarget(e: ConfiguredEndpoint): { target: string; serviceConfig: string } {
  const hostPort = e.spec.kind === 'dns' ? e.spec.raw.slice('dns+'.length) : e.address;
  return { target: `dns:///${hostPort}`, serviceConfig: e.serviceConfig ?? '{"loadBalancingConfig":[{"round_robin":{}}]}' };
}
