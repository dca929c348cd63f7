// One group's plan: the disk pre-flight refuses a plan that does not fit --data-dir with a message naming sizes and
// directory; grouping follows upstream's key (replica-free labels and resolution), blocks by minTime.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withThanosSection } from '../../src/block/meta.js';
import { checkDiskSpace, groupBlocks } from '../../src/compact/group.js';

describe('checkDiskSpace', () => {
  it('passes when the inputs and result fit, and otherwise names what is needed, what is free and where', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'compact-disk-'));
    try {
      await checkDiskSpace(dir, 1024);
      await expect(checkDiskSpace(path.join(dir, 'g'), 2 ** 60)).rejects.toThrow(
        new RegExp(`not enough free space in ${path.join(dir, 'g').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for the next compaction: it needs \\d+\\.\\d\\d GiB \\(inputs and result\\), \\d+\\.\\d\\d GiB free; free space or point --data-dir at a larger disk`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('groupBlocks', () => {
  const meta = (id: string, minTime: number, labels: Record<string, string>, resolution = 0) => withThanosSection(
    { ulid: id, minTime, maxTime: minTime + 10, stats: {}, compaction: { level: 1, sources: [id] }, version: 1 },
    { labels, source: 'test', downsample: { resolution } });

  it('keys groups by resolution and labels, sorted by key, blocks by minTime', () => {
    const gs = groupBlocks([meta('C', 20, { a: '1' }), meta('A', 0, { a: '1' }), meta('B', 5, { a: '1' }, 300_000), meta('D', 1, { a: '2' })]);
    expect(gs.map((g) => [g.description, g.metas.map((m) => m.ulid)])).toEqual([...gs].sort((x, y) => (x.key < y.key ? -1 : 1)).map((g) => [g.description, g.metas.map((m) => m.ulid)]));
    const byDesc = Object.fromEntries(gs.map((g) => [g.description, g.metas.map((m) => m.ulid)]));
    expect(byDesc).toEqual({ '0@{a="1"}': ['A', 'C'], '300000@{a="1"}': ['B'], '0@{a="2"}': ['D'] });
  });
});
