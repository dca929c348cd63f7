import { describe, expect, it } from 'vitest';
import { hashMod, parseRelabelConfigs, relabel } from '../../src/block/relabel.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';

const L = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));

describe('relabel', () => {
  it('keeps and drops by anchored regex over joined source labels', () => {
    const keep = parseRelabelConfigs('- action: keep\n  source_labels: [cluster, env]\n  regex: "a;prod"\n', 'f');
    expect(relabel(L({ cluster: 'a', env: 'prod' }), keep)).toBeDefined();
    expect(relabel(L({ cluster: 'ab', env: 'prod' }), keep)).toBeUndefined();
    const drop = parseRelabelConfigs('- action: drop\n  source_labels: [cluster]\n  regex: a.*\n', 'f');
    expect(relabel(L({ cluster: 'abc' }), drop)).toBeUndefined();
    expect(relabel(L({ cluster: 'b' }), drop)).toBeDefined();
  });

  it('computes hashmod as Prometheus (md5, last 8 bytes big-endian, modulo)', () => {
    // Prometheus relabel_test.go: c="baz" with modulus 1000 gives d="976".
    const cfg = parseRelabelConfigs('- action: hashmod\n  source_labels: [c]\n  modulus: 1000\n  target_label: d\n', 'f');
    expect(formatLabels(relabel(L({ c: 'baz' }), cfg)!)).toBe('{c="baz", d="976"}');
    expect(hashMod('foo', 1000)).toBe(696);
  });

  it('applies replace with capture groups', () => {
    const cfg = parseRelabelConfigs('- source_labels: [a]\n  regex: "(.*)-(.*)"\n  target_label: b\n  replacement: "$2/${1}"\n', 'f');
    expect(formatLabels(relabel(L({ a: 'x-y' }), cfg)!)).toBe('{a="x-y", b="y/x"}');
  });

  it('matches with RE2 semantics in linear time: astral runes, \\s, a pathological keep regex', () => {
    const keep = parseRelabelConfigs('- action: keep\n  source_labels: [a]\n  regex: "(.*.*)*x"\n', 'f');
    expect(relabel(L({ a: 'a'.repeat(5000) }), keep)).toBeUndefined();
    expect(relabel(L({ a: 'a'.repeat(5000) + 'x' }), keep)).toBeDefined();
    const astral = parseRelabelConfigs('- source_labels: [a]\n  regex: "(.)(.*)"\n  target_label: first\n  replacement: "$1"\n', 'f');
    expect(formatLabels(relabel(L({ a: '😀b' }), astral)!)).toBe('{a="😀b", first="😀"}');
    const space = parseRelabelConfigs('- action: drop\n  source_labels: [a]\n  regex: "x\\\\sy"\n', 'f');
    expect(relabel(L({ a: 'x\u00a0y' }), space)).toBeDefined();
    expect(relabel(L({ a: 'x y' }), space)).toBeUndefined();
  });

  it('maps label names with labelmap and Go template names', () => {
    const cfg = parseRelabelConfigs('- action: labelmap\n  regex: "__meta_(?P<rest>.+)"\n  replacement: "m_${rest}"\n', 'f');
    expect(formatLabels(relabel(L({ __meta_zone: 'eu', job: 'x' }), cfg)!)).toBe('{__meta_zone="eu", job="x", m_zone="eu"}');
  });

  it.each([
    { name: 'unknown action', yaml: '- action: explode\n', msg: /unknown relabel action "explode"/ },
    { name: 'hashmod without modulus', yaml: '- action: hashmod\n  target_label: x\n', msg: /non-zero modulus/ },
    { name: 'unknown field', yaml: '- action: keep\n  regexp: a\n', msg: /field regexp not found/ },
    { name: 'not a list', yaml: 'action: keep\n', msg: /must be a list/ },
    { name: 'bad regex', yaml: '- action: keep\n  regex: "a("\n', msg: /invalid regex/ },
    { name: 'repeat count over 1000', yaml: '- action: keep\n  regex: "a{1001}"\n', msg: /invalid repeat count/ },
    { name: 'backreference', yaml: '- action: keep\n  regex: "(a)\\\\1"\n', msg: /invalid escape sequence/ },
  ])('rejects $name with a ConfigError naming where', ({ yaml, msg }) => {
    expect(() => parseRelabelConfigs(yaml, 'relabel.yml')).toThrow(ConfigError);
    expect(() => parseRelabelConfigs(yaml, 'relabel.yml')).toThrow(msg);
    expect(() => parseRelabelConfigs(yaml, 'relabel.yml')).toThrow(/relabel\.yml/);
  });
});
