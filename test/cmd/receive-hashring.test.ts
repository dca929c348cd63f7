// The receive mode's hashring flags as the wiring will read them: defaults as upstream, file over inline content,
// the three modes, bad values named by flag, and the watcher actor following the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { declareFlags, FlagReader } from '../../src/cmd/flags.js';
import { RECEIVE_FLAGS } from '../../src/cmd/receive.js';
import { buildHashringSource, readHashringFlags, receiverMode } from '../../src/cmd/receive-hashring.js';
import { nopLogger } from '../../src/runtime/logger.js';

function flags(args: string[]): FlagReader {
  const cmd = new Command('receive').exitOverride();
  declareFlags(cmd, RECEIVE_FLAGS);
  cmd.parse(args, { from: 'user' });
  return new FlagReader(cmd);
}

describe('receive hashring flags', () => {
  it('defaults: hashmod, 5m, no hashring → IngestorOnly', () => {
    const h = readHashringFlags(flags([]));
    expect(h).toEqual({ file: undefined, content: undefined, algorithm: 'hashmod', refreshIntervalMs: 300_000, localEndpoint: undefined });
    expect(receiverMode(h)).toBe('IngestorOnly');
    expect(buildHashringSource(h, 1, nopLogger, new Registry())).toBeUndefined();
  });

  it('a hashring with and without a local endpoint: RouterIngestor and RouterOnly', () => {
    const ring = '--receive.hashrings=[{"endpoints":["a:10901"]}]';
    expect(receiverMode(readHashringFlags(flags([ring, '--receive.local-endpoint=a:10901'])))).toBe('RouterIngestor');
    expect(receiverMode(readHashringFlags(flags([ring])))).toBe('RouterOnly');
  });

  it('bad values name the flag', () => {
    expect(() => readHashringFlags(flags(['--receive.hashrings-algorithm=consistent']))).toThrow(/--receive\.hashrings-algorithm: unknown hashring algorithm "consistent"/);
    expect(() => readHashringFlags(flags(['--receive.hashrings-file-refresh-interval=soon']))).toThrow(/--receive\.hashrings-file-refresh-interval/);
    expect(() => readHashringFlags(flags(['--receive.hashrings-file-refresh-interval=0s']))).toThrow(/must be positive/);
  });

  it('the file wins over inline content, and its actor follows the file until stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'receive-hashring-'));
    try {
      const file = join(dir, 'hashrings.json');
      writeFileSync(file, '[{"endpoints":["from-file:10901"]}]');
      const h = readHashringFlags(flags([`--receive.hashrings-file=${file}`, '--receive.hashrings=[{"endpoints":["inline:10901"]}]', '--receive.hashrings-algorithm=ketama']));
      const built = buildHashringSource(h, 1, nopLogger, new Registry())!;
      expect(built.source.current().nodes().map((e) => e.address)).toEqual(['from-file:10901']);
      expect(built.source.current().rings[0]!.algorithm).toBe('ketama');
      const stop = new AbortController();
      const running = built.actor.run(stop.signal);
      const changed = new Promise<string[]>((resolve) => built.source.onChange((r) => resolve(r.nodes().map((e) => e.address))));
      writeFileSync(file, '[{"endpoints":["next:10901"]}]');
      expect(await changed).toEqual(['next:10901']);
      stop.abort();
      await running;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
