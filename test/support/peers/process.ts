// Starting and stopping real peer servers from tests: free loopback ports, child processes logging to a file,
// readiness polling, and a stop that waits for exit. A missing prerequisite fails loudly, naming what to install.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** Where .ci/run (and install-peers) put the npm-installed servers: s3rver, azurite, firebase-tools. */
export const PEERS_NPM_DIR = process.env['PEERS_NPM_DIR'] ?? '/tmp/thanos-peers/npm';

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Fails the test setup with a message naming the missing prerequisite. */
export function requirePath(p: string, what: string): string {
  if (!existsSync(p)) throw new Error(`${what} is not installed: ${p} is missing (the servers are installed by .ci/run / install-peers.sh)`);
  return p;
}

export function requireCommand(cmd: string, what: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${what} is not installed: command ${cmd} not found on PATH`);
  }
}

export interface SpawnOptions {
  readonly logDir: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function spawnPeer(name: string, cmd: string, args: readonly string[], options: SpawnOptions): PeerProcess {
  const logFile = path.join(options.logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { cwd: options.cwd ?? options.logDir, env: options.env ?? process.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`starting ${name} (${cmd}) failed`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    name, pid: child.pid, logFile,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether a spawned process is still running. */
export function isAlive(p: PeerProcess): boolean {
  try {
    process.kill(p.pid, 0);
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function logTail(p: PeerProcess): string {
  try {
    return readFileSync(p.logFile, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `url` until it answers (any status, or one `accept` likes); fails with the peer's log tail. */
export async function waitForHttp(url: string, proc: PeerProcess, timeoutMs = 60_000, accept: (status: number) => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive(proc)) throw new Error(`${proc.name} exited during start-up; log tail:\n${logTail(proc)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (accept(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not ready at ${url} within ${timeoutMs} ms (${last}); log tail:\n${logTail(proc)}`);
}

export async function waitForTcp(port: number, proc: PeerProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(proc)) throw new Error(`${proc.name} exited during start-up; log tail:\n${logTail(proc)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not listening on 127.0.0.1:${port} within ${timeoutMs} ms; log tail:\n${logTail(proc)}`);
}

/** Stops several peers (in reverse start order), even when some stops fail. */
export async function stopAll(procs: readonly PeerProcess[]): Promise<void> {
  const errors: unknown[] = [];
  for (const p of [...procs].reverse()) {
    try {
      await p.stop();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'stopping peers');
}
