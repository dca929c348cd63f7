// --endpoint.sd-config parsing: upstream's fields, TLS inheritance (endpoint → default_client_config → flags), TLS
// switched on by certificate fields, groups and strict checks, and refusals naming the field.
import { describe, expect, it } from 'vitest';
import { endpointsFromFlags, groupTarget, parseEndpointConfig } from '../../src/query/endpoint-config.js';
import type { ClientTlsOptions } from '../../src/runtime/grpc-tls.js';

const FLAGS_TLS: ClientTlsOptions = { secure: true, caFile: '/flags/ca.crt' };

describe('parseEndpointConfig', () => {
  it('reads endpoints with their own TLS, inheriting what they leave out', () => {
    const got = parseEndpointConfig([
      'default_client_config:',
      '  tls_config: {enabled: true, ca_file: /d/ca.crt, cert_file: /d/c.crt, key_file: /d/c.key}',
      '  server_name: store.test',
      'endpoints:',
      '  - address: 10.0.0.1:10901',                                   // nothing said: default_client_config
      '  - address: 10.0.0.2:10901',
      '    client_config: {tls_config: {ca_file: /e/ca.crt}}',           // own CA, the default's certificate
      '  - address: 10.0.0.3:10901',
      '    strict: true',
      '    client_config: {tls_config: {enabled: false}}',              // plaintext on purpose
      '  - address: dnssrv+_grpc._tcp.stores.ns.svc',
      '  - {address: "store-group:10901", group: true, service_config: \'{"loadBalancingConfig":[{"pick_first":{}}]}\'}',
    ].join('\n'), 'sd.yml', FLAGS_TLS);
    expect(got.map((e) => e.tls)).toEqual([
      { secure: true, skipVerify: false, caFile: '/d/ca.crt', certFile: '/d/c.crt', keyFile: '/d/c.key', serverName: 'store.test' },
      { secure: true, skipVerify: false, caFile: '/e/ca.crt', certFile: '/d/c.crt', keyFile: '/d/c.key', serverName: 'store.test' },
      undefined,
      { secure: true, skipVerify: false, caFile: '/d/ca.crt', certFile: '/d/c.crt', keyFile: '/d/c.key', serverName: 'store.test' },
      { secure: true, skipVerify: false, caFile: '/d/ca.crt', certFile: '/d/c.crt', keyFile: '/d/c.key', serverName: 'store.test' },
    ]);
    expect(got.map((e) => [e.spec.kind, e.strict, e.group])).toEqual([
      ['static', false, false], ['static', false, false], ['static', true, false], ['dnssrv', false, false], ['static', false, true],
    ]);
    expect(groupTarget(got[4]!)).toEqual({ target: 'dns:///store-group:10901', serviceConfig: '{"loadBalancingConfig":[{"pick_first":{}}]}' });
  });

  it('falls back to the --grpc-client-tls-* flags when neither the endpoint nor the defaults say anything', () => {
    const [e] = parseEndpointConfig('endpoints: [{address: "a:1"}]', 'sd.yml', FLAGS_TLS);
    expect(e!.tls).toBe(FLAGS_TLS);
    const [plain] = parseEndpointConfig('endpoints: [{address: "a:1"}]', 'sd.yml', undefined);
    expect(plain!.tls).toBeUndefined();
  });

  it('turns TLS on when a certificate field is given without enabled', () => {
    const [e] = parseEndpointConfig('endpoints: [{address: "a:1", client_config: {tls_config: {insecure_skip_verify: true}}}]', 'sd.yml', undefined);
    expect(e!.tls).toEqual({ secure: true, skipVerify: true });
  });

  it('a dns+ group resolves through grpc-js DNS with round robin by default', () => {
    const [e] = parseEndpointConfig('endpoints: [{address: "dns+stores:10901", group: true}]', 'sd.yml', undefined);
    expect(groupTarget(e!)).toEqual({ target: 'dns:///stores:10901', serviceConfig: '{"loadBalancingConfig":[{"round_robin":{}}]}' });
  });

  it.each([
    ['endpoints: [{address: "dns+a:1", strict: true}]', 'sd.yml.endpoints[0]: dns+a:1 is a dynamically specified endpoint'],
    ['endpoints: [{address: "a:1", service_config: "{}"}]', 'service_config is only valid for endpoint groups'],
    ['endpoints: [{address: "a:1", group: true, service_config: "{nope"}]', 'service_config is not JSON'],
    ['endpoints: [{address: "dnssrv+_x._tcp.a", group: true}]', 'SRV lookups are not supported for groups'],
    ['endpoints: [{adress: "a:1"}]', 'sd.yml.endpoints[0]: unknown field "adress"'],
    ['endpoints: [{strict: true}]', 'sd.yml.endpoints[0]: address is required'],
    ['endpoints: [{address: "a"}]', 'is not host:port'],
    ['endpoints: [{address: "a:1", client_config: {compression: gzip}}]', "invalid compression \"gzip\", must be 'none' or 'snappy'"],
    ['endpoints: [{address: "a:1", client_config: {compression: snappy}}]', 'compression snappy is not supported by thanos-ts yet'],
    ['default_client_config: {tls_config: {min_version: "1.3"}}', 'default_client_config.tls_config.min_version: min_version is not supported'],
    ['endpoints: [{address: "a:1", strict: "yes"}]', 'sd.yml.endpoints[0].strict: must be true or false'],
    ['endpoints: {address: "a:1"}', 'sd.yml.endpoints: must be a list'],
    ['endpoints: [', 'sd.yml: invalid YAML'],
  ])('refuses %j', (text, message) => {
    expect(() => parseEndpointConfig(text, 'sd.yml', undefined)).toThrow(message);
  });
});

describe('endpointsFromFlags', () => {
  it('gives every flag endpoint the flags\' TLS, and refuses a strict dns+ endpoint', () => {
    const got = endpointsFromFlags({
      endpoints: [{ kind: 'static', address: 'a:1' }], strict: ['b:2'], groups: ['g:3'], strictGroups: ['h:4'], tls: FLAGS_TLS,
    });
    expect(got.map((e) => [e.address, e.strict, e.group, e.tls])).toEqual([
      ['a:1', false, false, FLAGS_TLS], ['b:2', true, false, FLAGS_TLS], ['g:3', false, true, FLAGS_TLS], ['h:4', true, true, FLAGS_TLS],
    ]);
    expect(() => endpointsFromFlags({ endpoints: [], strict: ['dns+x:1'], groups: [], strictGroups: [], tls: undefined }))
      .toThrow('--endpoint-strict: dns+x:1 is a dynamically specified endpoint');
  });
});
