// Bucket acceptance for the AZURE provider against Azurite (npm), started here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { nopLogger } from '../../src/runtime/logger.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import type { Azurite } from '../support/peers/azurite.js';
import { startAzurite } from '../support/peers/azurite.js';
import { describeBucket } from '../support/bucket-acceptance.js';

let dir = '';
let azurite: Azurite | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'azurite-'));
  azurite = await startAzurite(dir);
});

afterAll(async () => {
  await azurite?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeBucket('AZURE (Azurite, shared key)', async () => {
  const a = azurite!;
  const yaml = `type: AZURE
config:
  storage_account: ${a.account}
  storage_account_key: ${a.key}
  container: thanos
  endpoint: ${a.endpoint}
  max_retries: 1
`;
  return { bucket: await createBucket(parseBucketConfig(yaml, 'azure.yml', nopLogger), { logger: nopLogger }) };
});
