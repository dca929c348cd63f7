// Reads upstream's --tracing.config(-file) YAML (pkg/tracing/client): `type` and `config`. OTLP is implemented; the
// other providers are refused with a message saying what to use instead, never accepted and ignored.
import { ConfigError } from '../errors.js';
import { parseDuration } from '../duration.js';
import { onlyKeys, parseYamlMap, yamlBool, yamlMap, yamlString, type YamlMap } from '../yaml-fields.js';

/** Upstream's sampler_type values (otlp.go), lower-cased as upstream compares them. */
export const SAMPLER_TYPES = [
  'alwayssample', 'neversample', 'traceidratiobased',
  'parentbasedalwayssample', 'parentbasedneversample', 'parentbasedtraceidratiobased',
] as const;
export type SamplerType = (typeof SAMPLER_TYPES)[number];

export interface OtlpTracingConfig {
  readonly clientType: 'grpc' | 'http';
  /** host:port, as upstream (no scheme); the exporter's default when empty. */
  readonly endpoint: string;
  readonly insecure: boolean;
  /** Path of the OTLP/HTTP endpoint (default /v1/traces). */
  readonly urlPath: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  /** Export timeout in ms; undefined: the exporter's default (10 s, as Go's). */
  readonly timeoutMs: number | undefined;
  readonly serviceName: string | undefined;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: { readonly type: SamplerType; readonly ratio: number };
}

const OTLP_FIELDS = [
  'client_type', 'service_name', 'resource_attributes', 'reconnection_period', 'compression', 'insecure', 'endpoint',
  'url_path', 'timeout', 'retry_config', 'headers', 'tls_config', 'sampler_type', 'sampler_param',
];

/** Why each other provider is refused, and what to configure instead. */
const REFUSED: Record<string, string> = {
  JAEGER: 'type JAEGER (Jaeger\'s Thrift collector or UDP agent) is not supported by thanos-ts; Jaeger since v1.35 ' +
    'accepts OTLP: use type: OTLP with client_type: grpc and endpoint: <jaeger-host>:4317 (or client_type: http and :4318)',
  STACKDRIVER: 'type STACKDRIVER (Google Cloud Trace) is not supported by thanos-ts; send OTLP to an OpenTelemetry Collector with the googlecloud exporter (type: OTLP)',
  GOOGLE_CLOUD: 'type GOOGLE_CLOUD (Google Cloud Trace) is not supported by thanos-ts; send OTLP to an OpenTelemetry Collector with the googlecloud exporter (type: OTLP)',
  ELASTIC_APM: 'type ELASTIC_APM is not supported by thanos-ts; Elastic APM Server 7.14+ accepts OTLP: use type: OTLP with its address as endpoint',
  LIGHTSTEP: 'type LIGHTSTEP is not supported by thanos-ts; Lightstep (ServiceNow Cloud Observability) accepts OTLP: use type: OTLP with endpoint: ingest.lightstep.com:443 and headers: {lightstep-access-token: ...}',
  DATADOG: 'type DATADOG is not supported by thanos-ts (nor by upstream Thanos today); the Datadog Agent accepts OTLP: use type: OTLP with the agent\'s OTLP endpoint',
};

function stringMap(m: YamlMap, key: string, where: string): Record<string, string> {
  const v = yamlMap(m[key], `${where}.${key}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new ConfigError('must be a string', { where: `${where}.${key}.${k}` });
    out[k] = String(x);
  }
  return out;
}

function durationField(m: YamlMap, key: string, where: string): number | undefined {
  const v = m[key];
  if (v === undefined || v === null || v === '' || v === 0) return undefined;
  if (typeof v !== 'string') throw new ConfigError('must be a duration such as 10s', { where: `${where}.${key}` });
  try {
    return parseDuration(v);
  } catch (err) {
    throw new ConfigError((err as Error).message, { where: `${where}.${key}` });
  }
}

function readOtlp(c: YamlMap, where: string): OtlpTracingConfig {
  onlyKeys(c, OTLP_FIELDS, where);
  const clientType = yamlString(c, 'client_type', where);
  if (clientType !== 'grpc' && clientType !== 'http') {
    throw new ConfigError(`invalid client type ${JSON.stringify(clientType ?? '')}: only 'http' and 'grpc' are accepted`, { where: `${where}.client_type` });
  }
  // Features the JavaScript exporter has no equivalent for are refused when set, not dropped.
  if (durationField(c, 'reconnection_period', where) !== undefined) {
    throw new ConfigError('not supported by thanos-ts (the gRPC exporter reconnects by itself); remove it', { where: `${where}.reconnection_period` });
  }
  const retry = yamlMap(c['retry_config'], `${where}.retry_config`);
  if (Object.values(retry).some((v) => v !== undefined && v !== null && v !== false && v !== '' && v !== 0)) {
    throw new ConfigError('not supported by thanos-ts: the exporter retries transient failures itself, with its own backoff; remove it', { where: `${where}.retry_config` });
  }
  const tls = yamlMap(c['tls_config'], `${where}.tls_config`);
  if (Object.values(tls).some((v) => v !== undefined && v !== null && v !== false && v !== '')) {
    throw new ConfigError('not supported by thanos-ts yet: without insecure the exporter uses TLS with the system\'s CAs; remove it', { where: `${where}.tls_config` });
  }
  const compression = yamlString(c, 'compression', where) ?? 'none';
  if (compression !== 'gzip' && compression !== 'none') throw new ConfigError(`unknown compression ${JSON.stringify(compression)} (gzip or none)`, { where: `${where}.compression` });
  const endpoint = yamlString(c, 'endpoint', where) ?? '';
  if (/^[a-z]+:\/\//i.test(endpoint)) throw new ConfigError('must be host:port without a scheme (insecure: true chooses plain text)', { where: `${where}.endpoint` });
  const samplerType = (yamlString(c, 'sampler_type', where) ?? 'parentbasedtraceidratiobased').toLowerCase();
  if (!(SAMPLER_TYPES as readonly string[]).includes(samplerType)) {
    throw new ConfigError(`unknown sampler type ${JSON.stringify(samplerType)} (known: ${SAMPLER_TYPES.join(', ')})`, { where: `${where}.sampler_type` });
  }
  const param = c['sampler_param'];
  let ratio = 1;
  if (param !== undefined && param !== null && param !== '') {
    ratio = Number(param);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new ConfigError('must be a number from 0 to 1', { where: `${where}.sampler_param` });
  }
  const urlPath = yamlString(c, 'url_path', where) ?? '/v1/traces';
  return {
    clientType, endpoint, insecure: yamlBool(c, 'insecure', where) ?? false,
    urlPath: urlPath.startsWith('/') ? urlPath : `/${urlPath}`,
    headers: stringMap(c, 'headers', where), compression, timeoutMs: durationField(c, 'timeout', where),
    serviceName: yamlString(c, 'service_name', where), resourceAttributes: stringMap(c, 'resource_attributes', where),
    sampler: { type: samplerType as SamplerType, ratio },
  };
}

/** Parses the YAML; `source` names the flag or file in errors. Throws ConfigError for any other provider. */
export function parseTracingConfig(text: string, source: string): OtlpTracingConfig {
  const top = parseYamlMap(text, source);
  onlyKeys(top, ['type', 'config'], source);
  const type = (yamlString(top, 'type', source) ?? '').toUpperCase();
  if (type === 'OTLP') return readOtlp(yamlMap(top['config'], `${source}.config`), `${source}.config`);
  const refused = REFUSED[type];
  if (refused !== undefined) throw new ConfigError(refused, { where: `${source}.type` });
  throw new ConfigError(`tracing with type ${JSON.stringify(type)} is not supported (known: OTLP; refused: ${Object.keys(REFUSED).join(', ')})`, { where: `${source}.type` });
}
