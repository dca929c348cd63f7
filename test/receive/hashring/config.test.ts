// The hashrings JSON: what loads (string and object endpoints, defaults), what is refused and how the error names
// the ring and field, and how tenants pick a ring (exact, Go glob, catch-all, first match wins; upstream
// TestHashringGet's cases re-typed).
import { describe, expect, it } from 'vitest';
import { parseHashringsConfig } from '../../../src/receive/hashring/config.js';
import { compileGlob } from '../../../src/receive/hashring/glob.js';
import { MultiHashring, NoMatchingHashringError } from '../../../src/receive/hashring/multi.js';
import type { LogFields, Logger } from '../../../src/runtime/logger.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

function recordingLogger(): Logger & { warnings: { msg: string; fields?: LogFields | undefined }[] } {
  const warnings: { msg: string; fields?: LogFields | undefined }[] = [];
  const l = {
    warnings,
    debug: () => {}, info: () => {}, error: () => {},
    warn: (msg: string, fields?: LogFields) => { warnings.push({ msg, fields }); },
    with: () => l,
  };
  return l as unknown as Logger & { warnings: typeof warnings };
}

const series = labelsFromRecord({ foo: 'bar', baz: 'qux' });
const build = (json: unknown, algorithm: 'hashmod' | 'ketama' = 'hashmod', replicationFactor = 1): MultiHashring =>
  new MultiHashring(parseHashringsConfig(JSON.stringify(json), 'hashrings.json'), { algorithm, replicationFactor });

describe('hashrings config', () => {
  it('reads string and object endpoints with upstream defaults', () => {
    const [r] = parseHashringsConfig(JSON.stringify([{
      hashring: 'blue', tenants: ['a'], algorithm: 'ketama', external_labels: { region: 'eu' },
      endpoints: ['recv-0:10901', { address: 'recv-1:10901', az: 'z1' }, { address: 'recv-2:10901', capnproto_address: 'recv-2:7000' }],
    }]), 'f');
    expect(r!.name).toBe('blue');
    expect(r!.algorithm).toBe('ketama');
    expect(r!.externalLabels).toEqual([{ name: 'region', value: 'eu' }]);
    expect(r!.endpoints).toEqual([
      { address: 'recv-0:10901', capnprotoAddress: 'recv-0:19391', az: '' },
      { address: 'recv-1:10901', capnprotoAddress: 'recv-1:19391', az: 'z1' },
      { address: 'recv-2:10901', capnprotoAddress: 'recv-2:7000', az: '' },
    ]);
    expect(r!.tenants!.type).toBe('exact');
  });

  const errors: { name: string; json: string; algorithm?: 'hashmod' | 'ketama'; rf?: number; error: RegExp }[] = [
    { name: 'empty file', json: '  \n', error: /^hashrings\.json: configuration file is empty/ },
    { name: 'empty array', json: '[]', error: /^hashrings\.json: configuration file is empty \(no hashrings\)/ },
    { name: 'not JSON', json: '[{"endpoints": [', error: /^hashrings\.json: configuration file is not parsable/ },
    { name: 'not an array', json: '{"endpoints": ["a"]}', error: /^hashrings\.json: expected a JSON array of hashrings/ },
    { name: 'ring not an object', json: '[{"endpoints":["a"]}, 3]', error: /hashrings\[1\]: expected a hashring object/ },
    { name: 'no endpoints', json: '[{"hashring": "x"}]', error: /hashrings\[0\]\.endpoints: expected an array of endpoints/ },
    { name: 'zero endpoints', json: '[{"endpoints": []}]', error: /hashrings\[0\]\.endpoints: a hashring needs at least one endpoint/ },
    { name: 'endpoint without address', json: '[{"endpoints": ["a"]}, {"endpoints": [{"az": "z"}]}]', error: /hashrings\[1\]\.endpoints\[0\]: endpoint address must be set/ },
    { name: 'endpoint a number', json: '[{"endpoints": [7]}]', error: /hashrings\[0\]\.endpoints\[0\]: expected an address string or an object/ },
    { name: 'address repeated', json: '[{"endpoints": ["a", "b", "a"]}]', error: /hashrings\[0\]\.endpoints\[2\]: address "a" repeats endpoints\[0\]/ },
    { name: 'tenants not strings', json: '[{"tenants": [1], "endpoints": ["a"]}]', error: /hashrings\[0\]\.tenants\[0\]: expected a string/ },
    { name: 'unknown matcher', json: '[{"tenants": ["a"], "tenant_matcher_type": "regex", "endpoints": ["a"]}]', error: /hashrings\[0\]\.tenant_matcher_type: unknown tenant matcher type "regex"/ },
    { name: 'bad glob', json: '[{"tenants": ["ok", "a[b"], "tenant_matcher_type": "glob", "endpoints": ["a"]}]', error: /hashrings\[0\]\.tenants\[1\]: syntax error in pattern "a\[b"/ },
    { name: 'bad external label name', json: '[{"external_labels": {"1x": "v"}, "endpoints": ["a"]}]', error: /hashrings\[0\]\.external_labels: invalid label name "1x"/ },
    { name: 'hashmod with az', json: '[{"endpoints": [{"address": "a", "az": "1"}, {"address": "b", "az": "2"}]}]', error: /hashrings\[0\]: Hashmod algorithm does not support AZ aware hashring configuration/ },
    { name: 'ketama smaller than rf', json: '[{"hashring": "small", "algorithm": "ketama", "endpoints": ["a", "b"]}]', rf: 3, error: /hashrings\[0\] \("small"\): ketama: amount of endpoints needs to be larger than replication factor/ },
    { name: 'shuffle sharding with hashmod', json: '[{"endpoints": ["a", "b"], "shuffle_sharding_config": {"shard_size": 1}}]', error: /hashrings\[0\]\.shuffle_sharding_config: hashmod algorithm does not support shuffle sharding/ },
    { name: 'shuffle sharding with ketama', json: '[{"endpoints": ["a", "b"], "shuffle_sharding_config": {"shard_size": 1}}]', algorithm: 'ketama', error: /hashrings\[0\]\.shuffle_sharding_config: shuffle sharding is not supported by thanos-ts yet/ },
    { name: 'shard size not a number', json: '[{"endpoints": ["a"], "shuffle_sharding_config": {"shard_size": "2"}}]', error: /hashrings\[0\]\.shuffle_sharding_config\.shard_size: expected a non-negative integer/ },
  ];
  it.each(errors)('refuses $name, naming where', ({ json, algorithm, rf, error }) => {
    expect(() => new MultiHashring(parseHashringsConfig(json, 'hashrings.json'), { algorithm: algorithm ?? 'hashmod', replicationFactor: rf ?? 1 })).toThrow(error);
  });

  it('an unknown algorithm warns and falls back to hashmod; unknown fields warn (Go ignores them)', () => {
    const logger = recordingLogger();
    const [r] = parseHashringsConfig('[{"algorithm": "rendezvous", "endpoints": ["a"], "colour": "red"}]', 'f', logger);
    expect(r!.algorithm).toBe('hashmod');
    expect(logger.warnings.map((w) => w.msg)).toEqual(['unknown field in hashrings config is ignored', 'Unrecognizable hashring algorithm. Fall back to hashmod algorithm.']);
    // A ring naming hashmod uses it even when the flag says ketama; a ring naming none takes the flag.
    const m = new MultiHashring(parseHashringsConfig('[{"tenants": ["h"], "algorithm": "hashmod", "endpoints": ["a"]}, {"endpoints": ["b"]}]', 'f'), { algorithm: 'ketama', replicationFactor: 1 });
    expect(m.rings.map((x) => x.algorithm)).toEqual(['hashmod', 'ketama']);
  });

  it('shuffle_sharding_config with shard_size 0 is off, as upstream', () => {
    expect(build([{ endpoints: ['a'], shuffle_sharding_config: { shard_size: 0 } }]).endpointsFor('t', series, 1)[0]!.address).toBe('a');
  });
});

describe('tenant → ring (upstream TestHashringGet)', () => {
  const many = [{ endpoints: ['node1', 'node2', 'node3'], tenants: ['tenant1'] }, { endpoints: ['node4', 'node5', 'node6'] }];
  const glob = (tenants: string[]) => [{ endpoints: ['node1', 'node2', 'node3'], tenants, tenant_matcher_type: 'glob' }, { endpoints: ['node4', 'node5', 'node6'] }];
  const cases: { name: string; json: unknown; tenant: string; nodes: string[] | null }[] = [
    { name: 'simple', json: [{ endpoints: ['node1'] }], tenant: '', nodes: ['node1'] },
    { name: 'specific', json: [{ endpoints: ['node2'], tenants: ['tenant2'] }, { endpoints: ['node1'] }], tenant: 'tenant2', nodes: ['node2'] },
    { name: 'many tenants', json: [1, 2, 3].map((i) => ({ endpoints: [`node${i}`], tenants: [`tenant${i}`] })), tenant: 'tenant1', nodes: ['node1'] },
    { name: 'many tenants error', json: [1, 2, 3].map((i) => ({ endpoints: [`node${i}`], tenants: [`tenant${i}`] })), tenant: 'tenant4', nodes: null },
    { name: 'many nodes', json: many, tenant: 'tenant1', nodes: ['node1', 'node2', 'node3'] },
    { name: 'many nodes default', json: many, tenant: '', nodes: ['node4', 'node5', 'node6'] },
    { name: 'glob hashring match', json: glob(['prefix*']), tenant: 'prefix-1', nodes: ['node1', 'node2', 'node3'] },
    { name: 'glob hashring not match', json: glob(['prefix*']), tenant: 'suffix-1', nodes: ['node4', 'node5', 'node6'] },
    { name: 'glob hashring multiple matches', json: glob(['t1-*', 't2', 't3-*']), tenant: 't2', nodes: ['node1', 'node2', 'node3'] },
    // Beyond upstream's table: exact matching is exact, and the first matching ring wins even over a later exact one.
    { name: 'exact is not a prefix match', json: [{ endpoints: ['node1'], tenants: ['team'] }, { endpoints: ['node2'] }], tenant: 'team-a', nodes: ['node2'] },
    { name: 'catch-all first takes everyone', json: [{ endpoints: ['node1'] }, { endpoints: ['node2'], tenants: ['t'] }], tenant: 't', nodes: ['node1'] },
    { name: 'first match wins', json: [{ endpoints: ['node1'], tenants: ['t*'], tenant_matcher_type: 'glob' }, { endpoints: ['node2'], tenants: ['t1'] }], tenant: 't1', nodes: ['node1'] },
  ];
  it.each(cases)('$name ($tenant)', ({ json, tenant, nodes }) => {
    const m = build(json);
    if (nodes === null) {
      expect(() => m.endpointsFor(tenant, series, 1)).toThrow(NoMatchingHashringError);
      expect(() => m.endpointsFor(tenant, series, 1)).toThrow(`no matching hashring to handle tenant "${tenant}"`);
      return;
    }
    expect(nodes).toContain(m.endpointsFor(tenant, series, 1)[0]!.address);
    // The cached answer is the same ring.
    expect(m.ringFor(tenant)).toBe(m.ringFor(tenant));
  });

  it('nodes() lists every ring\'s endpoints once, by address', () => {
    const m = build([{ endpoints: ['c', 'a'], tenants: ['x'] }, { endpoints: ['b', 'a'] }]);
    expect(m.nodes().map((e) => e.address)).toEqual(['a', 'b', 'c']);
  });
});

describe('Go filepath.Match globs', () => {
  const table: [string, string, boolean][] = [
    ['abc', 'abc', true], ['*', 'abc', true], ['*c', 'abc', true], ['a*', 'a', true], ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true], ['a?c', 'abc', true], ['a?c', 'a/c', false], ['[a-c]x', 'bx', true], ['[^a-c]x', 'dx', true],
    ['[^a-c]x', 'bx', false], ['a\\*b', 'a*b', true], ['a\\*b', 'axb', false], ['[\\]]', ']', true], ['[-]', '-', false],
    ['tenant-[0-9][0-9]', 'tenant-42', true], ['tenant-[0-9][0-9]', 'tenant-4', false], ['é*', 'éclair', true], ['*', '', true],
    ['[z-a]', 'b', false], ['[^z-a]', 'b', true], ['[z-ab]', 'b', true],
  ];
  it.each(table)('%s ~ %s = %s', (pattern, name, want) => {
    if (pattern === '[-]') {
      expect(() => compileGlob(pattern, 'p')).toThrow(/bad character range/);
      return;
    }
    expect(compileGlob(pattern, 'p').test(name)).toBe(want);
  });
  it.each(['[', 'a[', '[]', '[a-', '\\', 'a[]b'])('refuses %s (Go ErrBadPattern)', (pattern) => {
    expect(() => compileGlob(pattern, 'where')).toThrow(/^where: syntax error in pattern/);
  });
});
