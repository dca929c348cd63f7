// The objstore config loader: the guides' example files load, deprecated keys warn naming the new key, unknown and
// missing fields fail naming field, file and line, and no secret ever reaches the log.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import type { Logger } from '../../src/runtime/logger.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { createBucket, expandEnv, loadBucketConfig, parseBucketConfig } from '../../src/objstore/config.js';
import type { S3Config } from '../../src/objstore/providers/s3-config.js';
import type { SwiftConfig } from '../../src/objstore/providers/swift.js';
import type { GcsConfig } from '../../src/objstore/providers/gcs.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/objstore');
const fixture = (name: string): string => path.join(fixtures, name);

const SECRETS = ['minio123', 'example-secret-key', 'swift-secret-password', 'c2VjcmV0LWF6dXJlLWtleQ=='];
const logged: string[] = [];
const capture = (): Logger => createLogger({ level: 'debug', write: (l) => logged.push(l), caller: false });

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadBucketConfig', () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'objcfg-')); });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    // Every config above went through the logger at debug level: none of its secrets may appear.
    for (const s of SECRETS) expect(logged.join('\n')).not.toContain(s);
  });
  const write = async (name: string, text: string): Promise<string> => {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  };

  it.each([
    { name: 'S3 with MinIO (guide)', file: 's3-minio.yml', type: 'S3' },
    { name: 'S3 from the v0.3 guide template', file: 's3-v0.3-guide.yml', type: 'S3' },
    { name: 'S3 with encryptsse', file: 's3-encryptsse.yml', type: 'S3' },
    { name: 'Swift with tenant_name', file: 'swift.yml', type: 'SWIFT' },
    { name: 'GCS with a bucket name', file: 'gcs.yml', type: 'GCS' },
    { name: 'Azure', file: 'azure.yml', type: 'AZURE' },
    { name: 'FILESYSTEM', file: 'filesystem.yml', type: 'FILESYSTEM' },
  ])('loads the guide file: $name', async ({ file, type }) => {
    const cfg = await loadBucketConfig({ file: fixture(file) }, capture());
    expect(cfg.type).toBe(type);
    expect(cfg.where).toBe(fixture(file));
  });

  it('reads the MinIO example into the S3 fields with upstream defaults', async () => {
    const cfg = await loadBucketConfig({ file: fixture('s3-minio.yml') }, capture());
    const s3 = cfg.config as S3Config;
    expect(s3).toMatchObject({ bucket: 'prometheus', endpoint: 'minio.minio.svc.cluster.local:9000', accessKey: 'minio', insecure: true, bucketLookupType: 'auto', partSize: 64 * 1024 * 1024, sendContentMd5: true });
    expect(s3.http.idleConnTimeoutMs).toBe(90_000);
    expect(s3.sse).toEqual({ type: '' });
  });

  it('maps encryptsse: true to SSE-S3 with one deprecation warning naming sse_config', async () => {
    const lines: string[] = [];
    const cfg = await loadBucketConfig({ file: fixture('s3-encryptsse.yml') }, createLogger({ write: (l) => lines.push(l), caller: false }));
    expect((cfg.config as S3Config).sse).toEqual({ type: 'SSE-S3' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('level=warn');
    expect(lines[0]).toContain('field=config.encryptsse');
    expect(lines[0]).toContain('sse_config');
  });

  it('maps Swift tenant_name to project_name with one deprecation warning naming project_name', async () => {
    const lines: string[] = [];
    const cfg = await loadBucketConfig({ file: fixture('swift.yml') }, createLogger({ write: (l) => lines.push(l), caller: false }));
    const sw = cfg.config as SwiftConfig;
    expect(sw).toMatchObject({ projectName: 'monitoring', domainName: 'Default', containerName: 'thanos', largeObjectChunkSize: 1 << 30, retries: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('field=config.tenant_name');
    expect(lines[0]).toContain('use=project_name');
  });

  it('fails on a misspelled field, naming the field, the file and the line', async () => {
    const err = await configError(loadBucketConfig({ file: fixture('s3-misspelled.yml') }, capture()));
    expect(err.message).toContain('config.acess_key');
    expect(err.message).toContain(fixture('s3-misspelled.yml'));
    expect(err.message).toContain('line 6');
    expect(err.where).toBe(fixture('s3-misspelled.yml'));
  });

  it.each([
    { name: 'unknown top-level key', yaml: 'type: S3\nbukcet: x\nconfig: {}\n', want: 'bukcet' },
    { name: 'unknown type lists supported ones', yaml: 'type: DROPBOX\nconfig: {}\n', want: 'supported: AZURE, FILESYSTEM, GCS, MEMORY, S3, SWIFT' },
    { name: 'missing type', yaml: 'config:\n  bucket: x\n', want: 'type is required' },
    { name: 'missing S3 bucket', yaml: 'type: S3\nconfig:\n  endpoint: x:9000\n', want: 'config.bucket is required' },
    { name: 'missing S3 endpoint', yaml: 'type: S3\nconfig:\n  bucket: b\n', want: 'config.endpoint is required' },
    { name: 'secret without access key', yaml: 'type: S3\nconfig:\n  bucket: b\n  endpoint: e\n  secret_key: s\n', want: 'config.access_key must be set together with secret_key' },
    { name: 'signature_version2: true', yaml: 'type: S3\nconfig:\n  bucket: b\n  endpoint: e\n  signature_version2: true\n', want: 'config.signature_version2 is not supported' },
    { name: 'bad bucket_lookup_type', yaml: 'type: S3\nconfig:\n  bucket: b\n  endpoint: e\n  bucket_lookup_type: dns\n', want: 'config.bucket_lookup_type must be auto, virtual-hosted or path' },
    { name: 'too small part_size', yaml: 'type: S3\nconfig:\n  bucket: b\n  endpoint: e\n  part_size: 1000\n', want: 'config.part_size must be at least' },
    { name: 'bad duration', yaml: 'type: S3\nconfig:\n  bucket: b\n  endpoint: e\n  http_config:\n    idle_conn_timeout: soon\n', want: 'config.http_config.idle_conn_timeout must be a duration' },
    { name: 'unknown nested field', yaml: 'type: S3\nconfig:\n  bucket: b\n  endpoint: e\n  sse_config:\n    typ: SSE-S3\n', want: 'config.sse_config.typ' },
    { name: 'SSE-KMS without key id', yaml: 'type: S3\nconfig:\n  bucket: b\n  endpoint: e\n  sse_config:\n    type: SSE-KMS\n', want: 'config.sse_config.kms_key_id is required' },
    { name: 'missing GCS bucket', yaml: 'type: GCS\nconfig: {}\n', want: 'config.bucket is required' },
    { name: 'bad GCS service account', yaml: 'type: GCS\nconfig:\n  bucket: b\n  service_account: "{not json"\n', want: 'config.service_account must be a service account key in JSON' },
    { name: 'missing Azure container', yaml: 'type: AZURE\nconfig:\n  storage_account: a\n', want: 'config.container is required' },
    { name: 'missing Swift container', yaml: 'type: SWIFT\nconfig:\n  auth_url: http://k/v3\n', want: 'config.container_name is required' },
    { name: 'missing FILESYSTEM directory', yaml: 'type: FILESYSTEM\nconfig: {}\n', want: 'config.directory is required' },
    { name: 'config not a map', yaml: 'type: S3\nconfig: [1]\n', want: 'config must be a map' },
    { name: 'bad YAML', yaml: 'type: S3\nconfig:\n  bucket: [\n', want: 'parsing object storage config YAML' },
    { name: 'empty file', yaml: '', want: 'object storage config is empty' },
  ])('rejects $name', async ({ yaml, want }) => {
    const file = await write('bad.yml', yaml);
    const err = await configError(loadBucketConfig({ file }, capture()));
    expect(err.message).toContain(want);
    expect(err.message).toContain(file);
  });

  it('accepts the type in any case, inline via --objstore.config, with a prefix', async () => {
    const cfg = await loadBucketConfig({ inline: 'type: filesystem\nprefix: /tenant-a/\nconfig:\n  directory: /tmp/x\n' }, capture());
    expect(cfg).toMatchObject({ type: 'FILESYSTEM', prefix: 'tenant-a', where: '--objstore.config' });
  });

  it('requires exactly one of the file and inline flags', async () => {
    expect((await configError(loadBucketConfig({}, capture()))).message).toContain('--objstore.config-file');
    expect((await configError(loadBucketConfig({ file: 'a', inline: 'b' }, capture()))).message).toContain('both');
    expect((await configError(loadBucketConfig({ file: path.join(dir, 'nope.yml') }, capture()))).message).toContain('reading object storage config');
  });

  it('substitutes $(VAR) from the environment and fails naming an unset one', () => {
    expect(expandEnv('secret_key: $(S3_SECRET)', 'f', { S3_SECRET: 'abc' })).toBe('secret_key: abc');
    expect(() => expandEnv('secret_key: $(NOPE_NOT_SET)', 'f', {})).toThrow('NOPE_NOT_SET');
  });

  it('creates a working prefixed bucket from config', async () => {
    const cfg = parseBucketConfig(`type: FILESYSTEM\nprefix: p/q\nconfig:\n  directory: ${dir}/fs\n`, 'inline', capture());
    const bucket = await createBucket(cfg, { logger: capture() });
    await bucket.upload('a.txt', Buffer.from('x'));
    const raw = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${dir}/fs\n`, 'inline', capture()), { logger: capture() });
    expect(await raw.exists('p/q/a.txt')).toBe(true);
    expect((cfg.config as { directory: string }).directory).toBe(`${dir}/fs`);
  });

  it('reads GCS endpoint and service account fields', () => {
    const sa = JSON.stringify({ type: 'service_account', client_email: 'x@y', private_key: 'k', project_id: 'p' });
    const cfg = parseBucketConfig(`type: GCS\nconfig:\n  bucket: b\n  endpoint: http://127.0.0.1:1\n  service_account: '${sa}'\n`, 'f', capture());
    expect((cfg.config as GcsConfig).serviceAccount).toMatchObject({ client_email: 'x@y' });
  });
});
