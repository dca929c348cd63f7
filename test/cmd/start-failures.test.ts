// Every built mode fails at start, exiting non-zero with one line naming the flag and address or path, when its
// HTTP or gRPC port is taken or its data directory is unusable (instead of hanging or serving half a mode).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../support/cli.js';
import { freePort } from '../support/peers/process.js';

let dir = '';
let taken: net.Server;
let takenPort = 0;

/** Runs thanos-ts to its exit; a mode still running after `limitMs` is killed and reported as a hang (code null). */
function run(args: readonly string[], limitMs = 20_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

/** Flags each mode needs to start at all (a bucket, a data dir), on free ports unless overridden. */
async function modeArgs(mode: string, overrides: { http?: string; grpc?: string; dataDir?: string } = {}): Promise<string[]> {
  const bucket = `--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${path.join(dir, 'bucket')}\n`;
  const args = [mode,
    `--http-address=${overrides.http ?? `127.0.0.1:${await freePort()}`}`,
    `--grpc-address=${overrides.grpc ?? `127.0.0.1:${await freePort()}`}`];
  if (mode === 'store' || mode === 'standalone') args.push(bucket, `--data-dir=${overrides.dataDir ?? path.join(dir, `data-${mode}`)}`);
  if (mode === 'sidecar') args.push(`--prometheus.url=http://127.0.0.1:${await freePort()}`, `--tsdb.path=${dir}`);
  return args;
}

const MODES = ['sidecar', 'store', 'query', 'standalone'];

describe('start failures', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'start-failures-'));
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(MODES)('%s exits non-zero naming a taken --http-address', async (mode) => {
    const r = await run(await modeArgs(mode, { http: `127.0.0.1:${takenPort}` }));
    expect(r.code, r.stderr).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`thanos-ts: --http-address: cannot listen on 127.0.0.1:${takenPort}: address already in use`);
  });

  it.each(MODES)('%s exits non-zero naming a taken --grpc-address', async (mode) => {
    const r = await run(await modeArgs(mode, { grpc: `127.0.0.1:${takenPort}` }));
    expect(r.code, r.stderr).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`thanos-ts: --grpc-address: cannot listen on 127.0.0.1:${takenPort}: address already in use`);
  });

  it.each(['store', 'standalone'])('%s exits non-zero naming an unusable --data-dir', async (mode) => {
    const file = path.join(dir, `not-a-dir-${mode}`);
    writeFileSync(file, '');
    const r = await run(await modeArgs(mode, { dataDir: path.join(file, 'cache') }));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`thanos-ts: --data-dir: data directory ".*${path.basename(file)}.*" is not usable: ENOTDIR`));
  });
});
