// --tracing.config parsing: upstream's OTLP fields read as upstream reads them; other providers and the fields the
// JavaScript exporter cannot honour are refused with a message naming the field, never accepted and dropped.
import { describe, expect, it } from 'vitest';
import { parseTracingConfig } from '../../../src/runtime/tracing/config.js';

const otlp = (config: string): string => `type: OTLP\nconfig:\n${config.split('\n').map((l) => `  ${l}`).join('\n')}\n`;

describe('parseTracingConfig', () => {
  it('reads upstream\'s OTLP fields', () => {
    const c = parseTracingConfig(otlp([
      'client_type: grpc', 'endpoint: collector:4317', 'insecure: true', 'compression: gzip', 'timeout: 5s',
      'headers: {x-token: abc}', 'service_name: thanos-query', 'resource_attributes: {cluster: eu1}',
      'sampler_type: TraceIDRatioBased', 'sampler_param: "0.25"',
    ].join('\n')), 'f.yml');
    expect(c).toEqual({
      clientType: 'grpc', endpoint: 'collector:4317', insecure: true, urlPath: '/v1/traces', headers: { 'x-token': 'abc' },
      compression: 'gzip', timeoutMs: 5000, serviceName: 'thanos-query', resourceAttributes: { cluster: 'eu1' },
      sampler: { type: 'traceidratiobased', ratio: 0.25 },
    });
  });

  it('defaults as upstream: parent-based ratio 1, TLS, the exporter\'s endpoint', () => {
    const c = parseTracingConfig('type: otlp\nconfig:\n  client_type: http\n', 'f.yml');
    expect(c.sampler).toEqual({ type: 'parentbasedtraceidratiobased', ratio: 1 });
    expect(c.insecure).toBe(false);
    expect(c.endpoint).toBe('');
    expect(c.compression).toBe('none');
  });

  it.each([
    ['JAEGER', 'Jaeger since v1.35 accepts OTLP'],
    ['ELASTIC_APM', 'type ELASTIC_APM is not supported by thanos-ts'],
    ['LIGHTSTEP', 'type LIGHTSTEP is not supported by thanos-ts'],
    ['GOOGLE_CLOUD', 'type GOOGLE_CLOUD (Google Cloud Trace) is not supported by thanos-ts'],
    ['STACKDRIVER', 'type STACKDRIVER (Google Cloud Trace) is not supported by thanos-ts'],
    ['DATADOG', 'type DATADOG is not supported by thanos-ts'],
  ])('refuses type %s, saying what to use instead', (type, message) => {
    expect(() => parseTracingConfig(`type: ${type}\nconfig: {}\n`, 'f.yml')).toThrow(message);
    expect(() => parseTracingConfig(`type: ${type}\nconfig: {}\n`, 'f.yml')).toThrow('f.yml.type:');
  });

  it.each([
    ['client_type: udp', 'f.yml.config.client_type: invalid client type "udp"'],
    ['client_type: http\nendpoint: http://x:4318', 'f.yml.config.endpoint: must be host:port without a scheme'],
    ['client_type: http\nsampler_type: sometimes', 'f.yml.config.sampler_type: unknown sampler type "sometimes"'],
    ['client_type: http\nsampler_param: lots', 'f.yml.config.sampler_param: must be a number from 0 to 1'],
    ['client_type: http\ncompression: zstd', 'f.yml.config.compression: unknown compression "zstd"'],
    ['client_type: http\nretry_config: {retry_enabled: true}', 'f.yml.config.retry_config: not supported by thanos-ts'],
    ['client_type: http\ntls_config: {ca_file: /ca.pem}', 'f.yml.config.tls_config: not supported by thanos-ts yet'],
    ['client_type: grpc\nreconnection_period: 1m', 'f.yml.config.reconnection_period: not supported by thanos-ts'],
    ['client_type: http\nendpont: x:1', 'f.yml.config: unknown field "endpont"'],
  ])('refuses %j', (config, message) => {
    expect(() => parseTracingConfig(otlp(config), 'f.yml')).toThrow(message);
  });

  it('refuses an unknown type and a misspelt top-level key', () => {
    expect(() => parseTracingConfig('type: ZIPKIN\n', 'f.yml')).toThrow('tracing with type "ZIPKIN" is not supported');
    expect(() => parseTracingConfig('type: OTLP\nconfg: {}\n', 'f.yml')).toThrow('unknown field "confg"');
  });
});
