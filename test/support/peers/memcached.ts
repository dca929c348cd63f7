// Launches Debian's memcached on a free 127.0.0.1 port (UDP off). Used by Swift's tempauth and the store gateway cache.
import { userInfo } from 'node:os';
import type { PeerProcess } from './process.js';
import { freePort, requireCommand, spawnPeer, waitForTcp } from './process.js';

export interface Memcached {
  readonly address: string;
  readonly port: number;
  readonly process: PeerProcess;
  stop(): Promise<void>;
}

export async function startMemcached(dataDir: string, options: { port?: number; memoryMb?: number; name?: string } = {}): Promise<Memcached> {
  const bin = requireCommand('memcached', 'memcached (Debian package memcached)');
  const port = options.port ?? (await freePort());
  // -u is required when running as root; -U 0 disables UDP.
  const proc = spawnPeer(options.name ?? 'memcached', bin, ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(options.memoryMb ?? 64), '-u', userInfo().username], { logDir: dataDir });
  try {
    await waitForTcp(port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { address: `127.0.0.1:${port}`, port, process: proc, stop: () => proc.stop() };
}
