// The shipped executable (dist/, through bin/thanos-ts) logs caller= as the TypeScript source line, through source
// maps, and a line's own `component` replaces the mode's instead of appearing twice.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../support/cli.js';

it('names the source line in caller= and carries component once', async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'logger-caller-'));
  const proc = spawn(process.execPath, [BIN, 'store', `--data-dir=${path.join(work, 'data')}`,
    `--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`,
    '--http-address=127.0.0.1:0', '--grpc-address=127.0.0.1:0'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening for requests" line within 60 s; stderr:\n${err}`)), 60_000);
      proc.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
        const l = err.split('\n').find((x) => x.includes('msg="listening for requests and metrics"'));
        if (l !== undefined) {
          clearTimeout(timer);
          resolve(l);
        }
      });
      proc.on('exit', (code) => reject(new Error(`thanos-ts store exited ${code ?? 'by signal'}; stderr:\n${err}`)));
    });
    const m = /caller=(\S+)\.ts:(\d+) /.exec(line);
    expect(m, line).not.toBeNull();
    expect(m![1]).toBe('http-server');
    const source = (await readFile(path.join(REPO_ROOT, 'src', 'runtime', 'http-server.ts'), 'utf8')).split('\n');
    expect(source[Number(m![2]) - 1]).toContain('listening for requests and metrics');
    expect(line.match(/ component=/g)).toHaveLength(1);
    expect(line).toContain(' component=http ');
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)));
    await rm(work, { recursive: true, force: true });
  }
});
