// Bucket acceptance for the AZURE provider against Azurite (npm), started here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../../src/objstore/streams.js';
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

describe('AZURE provider options on Azurite', () => {
  it('connects with storage_connection_string and creates the container', async () => {
    const cfg = parseBucketConfig(`type: AZURE\nconfig:\n  storage_account: ${azurite!.account}\n  storage_connection_string: "${azurite!.connectionString}"\n  container: from-conn-string\n`, 'conn.yml', nopLogger);
    const bucket = await createBucket(cfg, { logger: nopLogger });
    await bucket.upload('a/b', Buffer.from('via connection string'));
    expect((await readAll(await bucket.get('a/b'))).toString()).toBe('via connection string');
    await bucket.close();
  });

  it('fails with the server answer when the key is wrong', async () => {
    const cfg = parseBucketConfig(`type: AZURE\nconfig:\n  storage_account: ${azurite!.account}\n  storage_account_key: ${Buffer.from('wrong key').toString('base64')}\n  container: thanos\n  endpoint: ${azurite!.endpoint}\n`, 'bad.yml', nopLogger);
    await expect(createBucket(cfg, { logger: nopLogger })).rejects.toThrow(/azure create container thanos: Server failed to authenticate the request.*\(HTTP 403\)/s);
  });
});
