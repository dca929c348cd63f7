// Test helpers for the guide e2e tests: the built thanos-ts run as a pod would run it, polling with the processes'
// output on failure, a port free on every loopback address, and the external labels of the blocks in a bucket.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { readAll } from '../../src/objstore/streams.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { BIN, REPO_ROOT } from '../support/cli.js';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  log(): string;
  stop(): Promise<void>;
}

/** Runs the built thanos-ts with `args` and `env` as a pod would (its resolv.conf given by THANOS_TS_RESOLV_CONF). */
export function startThanos(name: string, args: readonly string[], env: Record<string, string>, httpUrl: string): Proc {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cmd', 'main.js'))) throw new Error('dist/cmd/main.js is missing: run `npm run build` before the e2e tests');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name, child, url: httpUrl, log: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, procs: readonly Proc[], timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    for (const p of procs) {
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode} while waiting for ${what}:\n${p.log().slice(-3000)}`);
    }
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${String(last)})\n${procs.map((p) => `--- ${p.name}\n${p.log().slice(-1500)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A port free on every address (so each pod's loopback address can bind it). */
export async function portFreeEverywhere(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '0.0.0.0', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The Thanos external labels of every block in a bucket (any provider; `config` is the objstore YAML). */
export async function bucketBlocks(config: string): Promise<Record<string, string>[]> {
  const bucket = await createBucket(parseBucketConfig(config, 'test bucket', nopLogger), { logger: nopLogger });
  try {
    const out: Record<string, string>[] = [];
    for await (const dir of bucket.iter('')) {
      if (!dir.endsWith('/') || !(await bucket.exists(`${dir}meta.json`))) continue;
      const meta = JSON.parse((await readAll(await bucket.get(`${dir}meta.json`))).toString('utf8')) as { thanos: { labels: Record<string, string> } };
      out.push(meta.thanos.labels);
    }
    return out;
  } finally {
    await bucket.close();
  }
}
