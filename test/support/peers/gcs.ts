// Launches the GCS JSON API of firebase-tools' Storage emulator (see gcs-emulator-main.ts) on a free port.
// Buckets are created on first use; no credentials. firebase-tools is a large npm install: missing means a loud failure.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PeerProcess } from './process.js';
import { PEERS_NPM_DIR, freePort, requirePath, spawnPeer, waitForHttp } from './process.js';

export interface GcsEmulator {
  /** http://127.0.0.1:PORT, the GCS config's `endpoint`. */
  readonly endpoint: string;
  readonly process: PeerProcess;
  stop(): Promise<void>;
}

export async function startGcsEmulator(dataDir: string): Promise<GcsEmulator> {
  const base = path.join(PEERS_NPM_DIR, 'node_modules/firebase-tools');
  requirePath(path.join(base, 'package.json'), 'firebase-tools (npm, in PEERS_NPM_DIR; install-peers.sh --with-gcs)');
  const port = await freePort();
  const tmp = path.join(dataDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gcs-emulator-main.ts');
  const proc = spawnPeer('gcs', process.execPath, ['--import', 'tsx', main, base, String(port), 'demo-thanos'], {
    logDir: dataDir,
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'),
    env: { ...process.env, TMPDIR: tmp },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${endpoint}/b`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { endpoint, process: proc, stop: () => proc.stop() };
}
