// Bucket acceptance against one real OpenStack Swift (Debian SAIO, started here): the S3 provider over Swift's s3api
// (needs WHEN_REQUIRED checksums and Content-MD5) and the SWIFT provider with v1 tempauth and segmented uploads, and
// with Keystone v3 password auth against a real Keystone (Debian python3-keystone) whose tokens Swift validates. A
// stand-in identity endpoint remains only for what a real Keystone 22 cannot be made to do on demand: v2.0 auth
// (removed upstream), a token that expires within the test, and a first token the storage refuses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nopLogger } from '../../src/runtime/logger.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { createS3Bucket } from '../support/peers/s3.js';
import type { SwiftServer } from '../support/peers/swift.js';
import { startSwift } from '../support/peers/swift.js';
import { describeBucket } from '../support/bucket-acceptance.js';
import type { KeystoneStub } from '../support/peers/keystone-stub.js';
import { startKeystoneStub } from '../support/peers/keystone-stub.js';
import type { KeystoneServer } from '../support/peers/keystone.js';
import { startKeystone } from '../support/peers/keystone.js';
import { readAll } from '../../src/objstore/streams.js';
import { RetryingBucket } from '../../src/objstore/retrying.js';

let dir = '';
let swift: SwiftServer | undefined;
let realKeystone: KeystoneServer | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'swift-'));
  realKeystone = await startKeystone(path.join(dir, 'keystone'));
  swift = await startSwift(dir, { keystone: realKeystone });
  await swift.createContainer('thanos');
  await createS3Bucket(swift.s3Endpoint, swift.username, swift.password, 'thanos-s3');
  await realKeystone.addUser('thanos', 'k-secret', 'monitoring');
  await realKeystone.addObjectStore(`${swift.proxyUrl}/v1/KEY_$(project_id)s`, 'RegionOne');
  await createKeystoneContainer(realKeystone.authUrl, 'thanos');
}, 300_000);

afterAll(async () => {
  await swift?.stop();
  await realKeystone?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Creates `container` in the Keystone user's account, as the user (its storage URL from the token's catalog). */
async function createKeystoneContainer(authUrl: string, container: string): Promise<void> {
  const res = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: 'thanos', domain: { name: 'Default' }, password: 'k-secret' } } },
      scope: { project: { name: 'monitoring', domain: { name: 'Default' } } },
    } }),
  });
  const body = await res.json() as { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } };
  const token = res.headers.get('x-subject-token')!;
  const storage = body.token.catalog.find((c) => c.type === 'object-store')!.endpoints.find((e) => e.interface === 'public')!.url;
  const put = await fetch(`${storage}/${container}`, { method: 'PUT', headers: { 'X-Auth-Token': token } });
  await put.arrayBuffer();
  if (put.status !== 201 && put.status !== 202) throw new Error(`creating ${container} with a Keystone token: HTTP ${put.status}`);
}

describeBucket('S3 (OpenStack Swift s3api)', async () => {
  const s = swift!;
  const yaml = `type: s3
config:
  bucket: thanos-s3
  endpoint: ${s.s3Endpoint}
  region: us-east-1
  access_key: "${s.username}"
  secret_key: ${s.password}
  insecure: true
  bucket_lookup_type: path
  part_size: 5242880
`;
  return { bucket: await createBucket(parseBucketConfig(yaml, 'swift-s3.yml', nopLogger), { logger: nopLogger }) };
});

describeBucket('SWIFT (tempauth v1)', async () => {
  const s = swift!;
  const yaml = `type: SWIFT
config:
  auth_url: ${s.authUrl}
  username: "${s.username}"
  password: ${s.password}
  container_name: thanos
  large_object_chunk_size: 8388608
`;
  return { bucket: await createBucket(parseBucketConfig(yaml, 'swift.yml', nopLogger), { logger: nopLogger }) };
});

const keystones: KeystoneStub[] = [];
afterAll(async () => { await Promise.all(keystones.map((k) => k.close())); });

async function keystone(extra: { ttlMs?: number; firstTokens?: string[] } = {}): Promise<KeystoneStub> {
  const k = await startKeystoneStub({
    user: 'thanos', password: 'k-secret', userDomain: 'Default', project: 'monitoring', region: 'RegionOne',
    issue: () => swift!.login(), ...extra,
  });
  keystones.push(k);
  return k;
}

const keystoneYaml = (authUrl: string, more = ''): string => `type: SWIFT
config:
  auth_url: ${authUrl}
  username: thanos
  password: k-secret
  domain_name: Default
  tenant_name: monitoring
  region_name: RegionOne
  container_name: thanos
  large_object_chunk_size: 8388608
${more}`;

describeBucket('SWIFT (real Keystone v3 password auth)', async () => {
  return { bucket: await createBucket(parseBucketConfig(keystoneYaml(realKeystone!.authUrl), 'swift-v3.yml', nopLogger), { logger: nopLogger }) };
});

describe('SwiftBucket tokens', () => {
  it('renews a token that is about to expire before using it', async () => {
    // Tokens are renewed a minute before expiry: one that lives 61 s is stale after a second.
    const k = await keystone({ ttlMs: 61_000 });
    const bucket = await createBucket(parseBucketConfig(keystoneYaml(k.authUrl, '  retries: 0\n'), 'f', nopLogger), { logger: nopLogger });
    await bucket.upload('tokens/a', Buffer.from('a'));
    const before = k.issued();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await readAll(await bucket.get('tokens/a'))).toString()).toBe('a');
    expect(k.issued()).toBe(before + 1);
    await bucket.close();
  });

  it('re-authenticates once when the storage answers 401', async () => {
    const k = await keystone({ firstTokens: ['AUTH_tk-not-a-real-token'] });
    const bucket = await createBucket(parseBucketConfig(keystoneYaml(k.authUrl, '  retries: 0\n'), 'f', nopLogger), { logger: nopLogger });
    expect(bucket).not.toBeInstanceOf(RetryingBucket);
    await bucket.upload('tokens/b', Buffer.from('b'));
    expect((await readAll(await bucket.get('tokens/b'))).toString()).toBe('b');
    expect(k.issued()).toBe(2);
    await bucket.close();
  });

  it('authenticates with Keystone v2 (tenant_name, region catalog) against the same storage', async () => {
    const k = await keystone();
    const yaml = `type: SWIFT\nconfig:\n  auth_url: ${k.authUrlV2}\n  username: thanos\n  password: k-secret\n  tenant_name: monitoring\n  region_name: RegionOne\n  container_name: thanos\n`;
    const bucket = await createBucket(parseBucketConfig(yaml, 'v2.yml', nopLogger), { logger: nopLogger });
    await bucket.upload('v2/a', Buffer.from('via v2'));
    expect((await readAll(await bucket.get('v2/a'))).toString()).toBe('via v2');
    expect(k.rejected).toEqual([]);
    await bucket.close();
  });

  it('fails with a config error naming the container when it does not exist', async () => {
    const cfg = parseBucketConfig(keystoneYaml(realKeystone!.authUrl).replace('container_name: thanos', 'container_name: missing-container'), 'f', nopLogger);
    await expect(createBucket(cfg, { logger: nopLogger })).rejects.toThrow('swift container missing-container does not exist');
  });

  it('rejects wrong credentials without retrying', async () => {
    // The stand-in counts the attempts: one.
    const k = await keystone();
    const cfg = parseBucketConfig(keystoneYaml(k.authUrl).replace('k-secret', 'wrong'), 'f', nopLogger);
    await expect(createBucket(cfg, { logger: nopLogger })).rejects.toThrow('HTTP 401');
    expect(k.rejected).toEqual(['wrong user or password']);
  });

  it('fails with HTTP 401 when the real Keystone refuses the password', async () => {
    const cfg = parseBucketConfig(keystoneYaml(realKeystone!.authUrl).replace('k-secret', 'wrong'), 'f', nopLogger);
    await expect(createBucket(cfg, { logger: nopLogger })).rejects.toThrow('HTTP 401');
  });
});
