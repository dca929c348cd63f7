// Launches Azurite's blob service (npm azurite 3.35, the newest that runs on Node 20) on a free 127.0.0.1 port.
// --skipApiVersionCheck is required: @azure/storage-blob 12.32 sends an API version Azurite 3.35 does not know.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { PeerProcess } from './process.js';
import { PEERS_NPM_DIR, freePort, requirePath, spawnPeer, waitForHttp } from './process.js';

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** Base URL without the account, e.g. http://127.0.0.1:10000 (the AZURE config's `endpoint`). */
  readonly endpoint: string;
  readonly account: string;
  readonly key: string;
  readonly connectionString: string;
  readonly process: PeerProcess;
  stop(): Promise<void>;
}

export async function startAzurite(dataDir: string): Promise<Azurite> {
  const main = requirePath(path.join(PEERS_NPM_DIR, 'node_modules/azurite/dist/src/blob/main.js'), 'azurite (npm, in PEERS_NPM_DIR)');
  const port = await freePort();
  const location = path.join(dataDir, 'azurite');
  mkdirSync(location, { recursive: true });
  const proc = spawnPeer('azurite', process.execPath, [
    main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location,
    '--loose', '--skipApiVersionCheck', '--disableTelemetry',
  ], { logDir: dataDir });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${endpoint}/${AZURITE_ACCOUNT}?comp=list`, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    endpoint, account: AZURITE_ACCOUNT, key: AZURITE_KEY, process: proc,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint}/${AZURITE_ACCOUNT};`,
    stop: () => proc.stop(),
  };
}
