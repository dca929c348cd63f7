// Every built mode fails at start, exiting non-zero with one line naming the flag and address or path, when one of its
// listen ports (HTTP, gRPC, remote write) is taken or its data directory is unusable, instead of hanging or serving
// half a mode; and it does so within a second of what the bare CLI takes to start. The table names every mode the CLI
// has: a mode joins the checks by name as soon as it is built (its description stops saying "Not built yet").
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModeRegistry } from '../../src/cmd/mode.js';
import { buildProgram } from '../../src/cmd/program.js';
import { BIN, REPO_ROOT } from '../support/cli.js';
import { freePort } from '../support/peers/process.js';

let dir = '';
let taken: net.Server;
let takenPort = 0;

interface Run { code: number | null; stderr: string; elapsedMs: number; lineToExitMs: number | undefined }

/** Runs thanos-ts to its exit; a mode still running after `limitMs` is killed and reported as a hang (code null). */
function run(args: readonly string[], limitMs = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let errorLineAt: number | undefined;
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (errorLineAt === undefined && stderr.includes('thanos-ts: ')) errorLineAt = performance.now();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const now = performance.now();
      resolve({ code, stderr, elapsedMs: now - started, lineToExitMs: errorLineAt === undefined ? undefined : now - errorLineAt });
    });
  });
}

type Listener = 'http' | 'grpc' | 'remote-write';
const FLAG: Record<Listener, string> = { 'http': '--http-address', 'grpc': '--grpc-address', 'remote-write': '--remote-write.address' };

interface ModeCase {
  readonly listeners: readonly Listener[];
  /** Flags the mode needs to start at all (a bucket, a data dir), besides its listen addresses. */
  readonly args: (dataDir: string) => Promise<string[]>;
  readonly dataDirFlag?: string;
}

const bucket = (): string => `--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${path.join(dir, 'bucket')}\n`;

/** Every mode of the CLI, by name. */
const MODES: Readonly<Record<string, ModeCase>> = {
  sidecar: { listeners: ['http', 'grpc'], args: async () => [`--prometheus.url=http://127.0.0.1:${await freePort()}`, `--tsdb.path=${dir}`] },
  store: { listeners: ['http', 'grpc'], args: async (d) => [bucket(), `--data-dir=${d}`], dataDirFlag: '--data-dir' },
  query: { listeners: ['http', 'grpc'], args: async () => [] },
  standalone: { listeners: ['http', 'grpc'], args: async (d) => [bucket(), `--data-dir=${d}`], dataDirFlag: '--data-dir' },
  compact: { listeners: ['http'], args: async (d) => [bucket(), `--data-dir=${d}`, '--wait'], dataDirFlag: '--data-dir' },
  receive: { listeners: ['http', 'grpc', 'remote-write'], args: async (d) => [bucket(), `--tsdb.path=${d}`], dataDirFlag: '--tsdb.path' },
  rule: { listeners: ['http', 'grpc'], args: async (d) => [bucket(), `--data-dir=${d}`, `--query=127.0.0.1:${await freePort()}`], dataDirFlag: '--data-dir' },
};

const registry: ModeRegistry = new Map();
buildProgram(registry);
const built = [...registry.values()].filter((m) => !m.description.includes('Not built yet')).map((m) => m.name);

/** The mode's command line with every listener on a free port, except `taken` on the taken one. */
async function modeArgs(mode: string, overrides: { taken?: Listener; dataDir?: string } = {}): Promise<string[]> {
  const c = MODES[mode]!;
  const listen = await Promise.all(c.listeners.map(async (l) => `${FLAG[l]}=127.0.0.1:${overrides.taken === l ? takenPort : await freePort()}`));
  return [mode, ...listen, ...await c.args(overrides.dataDir ?? path.join(dir, `data-${mode}`))];
}

/** What the bare CLI takes to start and print a mode's help here, now (Node and the flag tables, no server stack). */
async function bareStartMs(mode: string): Promise<number> {
  const r = await run([mode, '--help']);
  expect(r.code).toBe(0);
  return r.elapsedMs;
}

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

  it('the table names every mode of the CLI, and the built ones are checked', () => {
    expect(Object.keys(MODES).sort()).toEqual([...registry.keys()].sort());
    expect(built).toEqual(expect.arrayContaining(['sidecar', 'store', 'query', 'standalone']));
  });

  const listenerCases = built.flatMap((mode) => MODES[mode]!.listeners.map((listener) => ({ mode, listener, flag: FLAG[listener] })));

  it.each(listenerCases)('$mode exits non-zero within a second, naming a taken $flag', async ({ mode, listener, flag }) => {
    const bare = await bareStartMs(mode);
    const r = await run(await modeArgs(mode, { taken: listener }));
    expect(r.code, `hung (killed): ${r.stderr}`).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`thanos-ts: ${flag}: cannot listen on 127.0.0.1:${takenPort}: address already in use`);
    // Within a second of the bare CLI start-up measured just before, and promptly after saying why.
    expect(r.elapsedMs, `took ${Math.round(r.elapsedMs)} ms, the bare CLI ${Math.round(bare)} ms`).toBeLessThan(bare + 1000);
    expect(r.lineToExitMs).toBeLessThan(1000);
  });

  it.each(built.filter((m) => MODES[m]!.dataDirFlag !== undefined))('%s exits non-zero naming an unusable data directory', async (mode) => {
    const file = path.join(dir, `not-a-dir-${mode}`);
    writeFileSync(file, '');
    const r = await run(await modeArgs(mode, { dataDir: path.join(file, 'cache') }));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`thanos-ts: ${MODES[mode]!.dataDirFlag!}: data directory ".*${path.basename(file)}.*" is not usable: ENOTDIR`));
  });
});
