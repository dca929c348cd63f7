// The depth check in front of every YAML parse: nesting up to MAX_YAML_DEPTH parses, deeper is a ParseError naming
// where, in every shape (flow, block sequences, indented mappings), fast; text that only looks deep is not refused.
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/runtime/errors.js';
import { MAX_YAML_DEPTH, checkYamlDepth, parseYaml, parseYamlDocument } from '../../src/runtime/yaml-fields.js';
import { parseWebConfig } from '../../src/runtime/web-config.js';
import { parseHttpClientConfig } from '../../src/runtime/http-client-config.js';
import { redactYamlSecrets, SECRET_TEXT } from '../../src/runtime/secrets.js';

const shapes: Record<string, (n: number) => string> = {
  'flow sequences': (n) => '['.repeat(n) + ']'.repeat(n),
  'flow mappings': (n) => '{a: '.repeat(n) + '}'.repeat(n),
  'block sequences on one line': (n) => '- '.repeat(n) + 'x',
  'indented mappings': (n) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
  'indented sequences': (n) => Array.from({ length: n }, (_, i) => `${' '.repeat(2 * i)}-`).join('\n'),
};

describe('checkYamlDepth', () => {
  it.each(Object.entries(shapes))('%s: accepted at a depth the parser handles quickly, refused past the limit', (_name, make) => {
    // Block shapes count the leaf value as one more level; stay clearly under and over the limit.
    expect(() => parseYaml(make(MAX_YAML_DEPTH - 2))).not.toThrow();
    expect(() => checkYamlDepth(make(MAX_YAML_DEPTH + 1))).toThrow(ParseError);
    const deep = make(3000);
    const t = performance.now();
    expect(() => parseYaml(deep)).toThrow(/YAML nested deeper than 100 levels \(line \d+, column \d+\)/);
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('says where the limit was passed', () => {
    // Two block levels (a, b), so the 99th bracket (column 104) is the 101st level.
    const text = 'a:\n  b: ' + '['.repeat(MAX_YAML_DEPTH + 5);
    expect(() => checkYamlDepth(text)).toThrow('YAML nested deeper than 100 levels (line 2, column 104)');
  });

  it('does not count brackets, dashes and indentation inside scalars', () => {
    const deepLooking = '['.repeat(500) + ' - - - {{{';
    const text = [
      `a: "${deepLooking}"`,
      `b: '${deepLooking}'`,
      `c: plain text with ${'-'.repeat(300)} and [x] {y}`,
      'd: |',
      ...Array.from({ length: 300 }, (_, i) => `  ${' '.repeat(i)}line ${i} [ {`),
      '# ' + '['.repeat(500),
      'e: [1, [2, [3]]]',
    ].join('\n');
    expect(() => checkYamlDepth(text)).not.toThrow();
    expect((parseYaml(text) as Record<string, unknown>)['e']).toEqual([1, [2, [3]]]);
  });

  it('counts each document of a stream from zero', () => {
    const doc = '['.repeat(60) + ']'.repeat(60);
    expect(() => checkYamlDepth(`${doc}\n---\n${doc}\n`)).not.toThrow();
  });

  it('parseYamlDocument refuses before parsing; other errors stay in .errors', () => {
    expect(() => parseYamlDocument('['.repeat(3000))).toThrow(ParseError);
    expect(parseYamlDocument('a: [').errors.length).toBeGreaterThan(0);
  });

  it('the config readers answer a deep document with their own error, naming the file', () => {
    const deep = 'tls_server_config: ' + '['.repeat(3000);
    expect(() => parseWebConfig(deep, '/etc/web.yml')).toThrow(/web\.yml.*nested deeper than 100 levels/);
    expect(() => parseHttpClientConfig('tls_config: ' + '{a: '.repeat(3000), 'client.yml')).toThrow(/client\.yml.*nested deeper than 100 levels/);
    expect(redactYamlSecrets(deep)).toBe(SECRET_TEXT);
  });
});
