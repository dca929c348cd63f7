// File SD over real files: Prometheus file_sd YAML/JSON, globs, reload on change, bad files keep the last targets.
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/runtime/errors.js';
import { FileSd, globToRegExp, parseFileSd } from '../../src/query/file-sd.js';

describe('parseFileSd', () => {
  it('reads YAML and JSON target groups', () => {
    expect(parseFileSd('- targets: ["a:1", "b:2"]\n  labels: {x: y}\n- targets: [c:3]\n', 'f.yml'))
      .toEqual([{ targets: ['a:1', 'b:2'], labels: { x: 'y' } }, { targets: ['c:3'], labels: {} }]);
    expect(parseFileSd('[{"targets":["a:1"]}]', 'f.json')).toEqual([{ targets: ['a:1'], labels: {} }]);
    expect(parseFileSd('', 'empty.yml')).toEqual([]);
  });
  it.each([
    ['targets: [a:1]', /want a list/],
    ['- targets: a:1', /targets must be a list/],
    ['- target: [a:1]', /unknown field "target"/],
    ['- targets: [a:1]\n  labels: {x: 1}', /label "x" must be a string/],
  ])('rejects %j with the file and group named', (content, re) => {
    expect(() => parseFileSd(content, 'sd.yml')).toThrow(ParseError);
    expect(() => parseFileSd(content, 'sd.yml')).toThrow(re);
    expect(() => parseFileSd(content, 'sd.yml')).toThrow(/sd\.yml/);
  });
});

describe('globToRegExp', () => {
  it.each([
    ['*.yml', 'a.yml', true], ['*.yml', 'a.yaml', false], ['sd-?.json', 'sd-1.json', true],
    ['sd-[0-9].json', 'sd-x.json', false], ['sd-[^0-9].json', 'sd-x.json', true], ['a.b', 'axb', false],
  ])('%s matches %s: %s', (g, f, want) => {
    expect(globToRegExp(g).test(f)).toBe(want);
  });
});

describe('FileSd', () => {
  let dir: string;
  let sd: FileSd | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'filesd-'));
  });
  afterEach(async () => {
    sd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const waitFor = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(cond()).toBe(true);
  };

  it('reads globbed files and follows changes, additions, removals and bad edits', async () => {
    await writeFile(path.join(dir, 'a.yml'), '- targets: ["10.0.0.1:10901"]\n');
    await writeFile(path.join(dir, 'b.json'), '[{"targets": ["10.0.0.2:10901", "10.0.0.1:10901"]}]');
    await writeFile(path.join(dir, 'ignored.txt'), 'not sd');
    const seen: (readonly string[])[] = [];
    sd = new FileSd({ files: [path.join(dir, '*.yml'), path.join(dir, '*.json')], refreshIntervalMs: 60_000, onChange: (a) => seen.push(a) });
    await sd.start();
    expect(sd.addresses).toEqual(['10.0.0.1:10901', '10.0.0.2:10901']);

    await writeFile(path.join(dir, 'a.yml'), '- targets: ["10.0.0.3:10901"]\n');
    await waitFor(() => sd!.addresses.includes('10.0.0.3:10901'));
    expect(sd.addresses).toEqual(['10.0.0.3:10901', '10.0.0.2:10901', '10.0.0.1:10901']);

    await writeFile(path.join(dir, 'a.yml'), '- targets: {broken\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(sd.addresses).toContain('10.0.0.3:10901'); // a bad edit keeps the last good targets

    await unlink(path.join(dir, 'b.json'));
    await waitFor(() => !sd!.addresses.includes('10.0.0.2:10901'));
    expect(sd.addresses).toEqual(['10.0.0.3:10901']);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it('a path without glob that does not exist yet yields nothing until it appears', async () => {
    const f = path.join(dir, 'later.yml');
    sd = new FileSd({ files: [f], refreshIntervalMs: 60_000, onChange: () => {} });
    await sd.start();
    expect(sd.addresses).toEqual([]);
    await writeFile(f, '- targets: ["h:1"]\n');
    await sd.refresh();
    expect(sd.addresses).toEqual(['h:1']);
  });
});
