// A real server process built from the runtime: probes, metrics, readiness flip, and a clean SIGTERM exit.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixture = path.resolve(import.meta.dirname, 'fixtures/probe-server.ts');
let child: ChildProcessWithoutNullStreams;
let base = '';
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: 'pipe' });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('server process', () => {
  it('answers /-/healthy with 200 once listening', async () => {
    const res = await fetch(`${base}/-/healthy`);
    expect(res.status).toBe(200);
  });

  it('answers /-/ready with 503 until the mode declares itself ready, then 200', async () => {
    const before = await fetch(`${base}/-/ready`);
    expect(before.status).toBe(503);
    expect(await before.text()).toContain('NOT READY');
    child.kill('SIGUSR2');
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${base}/-/ready`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });

  it('serves /metrics with thanos_build_info and process metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/^thanos_build_info\{version="[^"]+",.*\} 1$/m);
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('nodejs_heap_size_used_bytes');
  });

  it('stops on SIGTERM with exit code 0 and logs it', async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toMatch(/level=info .*msg="caught signal. Exiting." signal=SIGTERM/);
  });
});
