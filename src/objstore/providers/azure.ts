// AZURE provider on @azure/storage-blob (upstream providers/azure): shared key, connection string, service principal
// or managed identity. Block blobs: a stream is staged block by block and committed at the end, so an interrupted
// upload leaves no blob.
import type { Readable } from 'node:stream';
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from '../bucket.js';
import { dirPrefix, existsByAttributes } from '../bucket.js';
import type { FieldReader } from '../config-fields.js';
import type { Provider } from '../registry.js';
import { checkObjectName, checkRange, emptyRange, emptyStream, throwIfAborted, toBuffer } from '../streams.js';
import { defaultAzureCredential, servicePrincipalCredential } from './azure-credentials.js';
import { hasNotFoundCode, providerError, statusOf } from './errors.js';
import type { HttpConfig } from './http-config.js';
import { parseHttpConfig } from './http-config.js';

export interface AzureConfig {
  readonly storageAccount: string;
  /** Never logged. */
  readonly storageAccountKey: string;
  /** Never logged. */
  readonly connectionString: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** Never logged. */
  readonly clientSecret: string;
  readonly userAssignedId: string;
  readonly container: string;
  readonly createContainer: boolean;
  /** `blob.core.windows.net`, or a URL with scheme (`http://127.0.0.1:10000`) for emulators, used path-style. */
  readonly endpoint: string;
  readonly maxRetries: number;
  readonly maxRetryRequests: number;
  readonly pipeline: { readonly maxTries: number; readonly tryTimeoutMs: number; readonly retryDelayMs: number; readonly maxRetryDelayMs: number };
  readonly msiResource: string;
  /** Accepted for compatibility; the SDK's own pipeline (keep-alive, retries above) is used as is. */
  readonly http: HttpConfig;
}

/** Block size for staged uploads, and how many blocks go in parallel. */
const BLOCK_SIZE = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;

export function parseAzureConfig(f: FieldReader): AzureConfig {
  const reader = f.child('reader_config');
  const maxRetryRequests = reader.int('max_retry_requests', 0);
  reader.done();
  const p = f.child('pipeline_config');
  const pipeline = {
    maxTries: p.int('max_tries', 0), tryTimeoutMs: p.durationMs('try_timeout', 0),
    retryDelayMs: p.durationMs('retry_delay', 0), maxRetryDelayMs: p.durationMs('max_retry_delay', 0),
  };
  p.done();
  const cfg: AzureConfig = {
    storageAccount: f.string('storage_account'),
    storageAccountKey: f.string('storage_account_key'),
    connectionString: f.string('storage_connection_string'),
    tenantId: f.string('az_tenant_id'),
    clientId: f.string('client_id'),
    clientSecret: f.string('client_secret'),
    userAssignedId: f.string('user_assigned_id'),
    container: f.string('container'),
    createContainer: f.bool('storage_create_container', true),
    endpoint: f.string('endpoint', 'blob.core.windows.net') || 'blob.core.windows.net',
    maxRetries: f.int('max_retries', 0),
    maxRetryRequests, pipeline,
    msiResource: f.string('msi_resource'),
    http: parseHttpConfig(f),
  };
  f.done();
  if (cfg.storageAccount === '' && cfg.connectionString === '') throw f.error('storage_account', 'is required');
  if (cfg.container === '') throw f.error('container', 'is required');
  if (cfg.storageAccountKey !== '' && cfg.connectionString !== '') throw f.error('storage_connection_string', 'cannot be combined with storage_account_key');
  const sp = [cfg.tenantId, cfg.clientId, cfg.clientSecret].filter((v) => v !== '').length;
  if (sp > 0 && sp < 3 && !(sp === 1 && cfg.clientId !== '')) throw f.error('az_tenant_id', 'client_id and client_secret must be set together for a service principal');
  if (cfg.userAssignedId !== '' && cfg.storageAccountKey !== '') throw f.error('user_assigned_id', 'cannot be combined with storage_account_key');
  return cfg;
}

export const azureProvider: Provider<AzureConfig> = {
  type: 'AZURE',
  parse: parseAzureConfig,
  async create(config) {
    const bucket = new AzureBucket(await containerClient(config), config.container);
    if (config.createContainer) {
      try {
        await bucket.client.createIfNotExists();
      } catch (err) {
        throw providerError(`azure create container ${config.container}`, config.container, err, () => false);
      }
    }
    return bucket;
  },
};

/** Builds the container client; the SDK is loaded here, when an AZURE bucket is made, not when thanos-ts starts. */
async function containerClient(cfg: AzureConfig): Promise<ContainerClient> {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const tries = cfg.pipeline.maxTries > 0 ? cfg.pipeline.maxTries : cfg.maxRetries > 0 ? cfg.maxRetries + 1 : undefined;
  const options: StoragePipelineOptions = {
    retryOptions: {
      ...(tries !== undefined ? { maxTries: tries } : {}),
      ...(cfg.pipeline.tryTimeoutMs > 0 ? { tryTimeoutInMs: cfg.pipeline.tryTimeoutMs } : {}),
      ...(cfg.pipeline.retryDelayMs > 0 ? { retryDelayInMs: cfg.pipeline.retryDelayMs } : {}),
      ...(cfg.pipeline.maxRetryDelayMs > 0 ? { maxRetryDelayInMs: cfg.pipeline.maxRetryDelayMs } : {}),
    },
  };
  if (cfg.connectionString !== '') {
    return BlobServiceClient.fromConnectionString(cfg.connectionString, options).getContainerClient(cfg.container);
  }
  const url = cfg.endpoint.includes('://')
    ? `${cfg.endpoint.replace(/\/+$/, '')}/${cfg.storageAccount}`
    : `https://${cfg.storageAccount}.${cfg.endpoint}`;
  const credential = cfg.storageAccountKey !== ''
    ? new StorageSharedKeyCredential(cfg.storageAccount, cfg.storageAccountKey)
    : cfg.clientSecret !== ''
      ? servicePrincipalCredential(cfg.tenantId, cfg.clientId, cfg.clientSecret)
      : defaultAzureCredential(cfg.userAssignedId !== '' ? cfg.userAssignedId : cfg.clientId, cfg.msiResource);
  return new BlobServiceClient(url, credential, options).getContainerClient(cfg.container);
}

function isNotFound(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return statusOf(err) === 404 || code === 'BlobNotFound';
}

function sig(options: OpOptions | undefined): { abortSignal?: AbortSignal } {
  return options?.signal ? { abortSignal: options.signal } : {};
}

export class AzureBucket implements Bucket {
  readonly provider = 'AZURE';

  constructor(readonly client: ContainerClient, readonly name: string) {}

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    const prefix = dirPrefix(dir);
    try {
      if (options?.recursive) {
        for await (const b of this.client.listBlobsFlat({ prefix, ...sig(options) })) yield b.name;
      } else {
        for await (const item of this.client.listBlobsByHierarchy('/', { prefix, ...sig(options) })) yield item.name;
      }
    } catch (err) {
      throw providerError(`azure list ${prefix} in ${this.name}`, prefix, err, () => false);
    }
  }

  get(name: string, options?: OpOptions): Promise<Readable> {
    return this.getRange(name, 0, -1, options);
  }

  async getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    checkRange(name, offset, length);
    if (length === 0) return emptyRange(this, name, options);
    try {
      const res = await this.client.getBlobClient(name).download(offset, length < 0 ? undefined : length, {
        ...sig(options), maxRetryRequests: 3,
      });
      return (res.readableStreamBody as Readable | undefined) ?? emptyStream();
    } catch (err) {
      if (statusOf(err) === 416) return emptyStream();
      throw providerError(`azure get ${name} from ${this.name}`, `object ${name} in container ${this.name}`, err, isNotFound);
    }
  }

  exists(name: string, options?: OpOptions): Promise<boolean> {
    return existsByAttributes(this, name, options);
  }

  async attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    try {
      const p = await this.client.getBlobClient(name).getProperties(sig(options));
      return { size: p.contentLength ?? 0, lastModified: p.lastModified ?? new Date(0) };
    } catch (err) {
      throw providerError(`azure get properties of ${name} in ${this.name}`, `object ${name} in container ${this.name}`, err, isNotFound);
    }
  }

  isNotFoundError(err: unknown): boolean {
    return hasNotFoundCode(err);
  }

  async upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    checkObjectName(name);
    throwIfAborted(options?.signal);
    const blob = this.client.getBlockBlobClient(name);
    try {
      if (body instanceof Uint8Array) {
        await blob.uploadData(toBuffer(body), { blockSize: BLOCK_SIZE, concurrency: UPLOAD_CONCURRENCY, ...sig(options) });
      } else {
        // Staged blocks stay uncommitted (invisible) unless the whole stream was read.
        await blob.uploadStream(body, BLOCK_SIZE, UPLOAD_CONCURRENCY, sig(options));
      }
    } catch (err) {
      throw providerError(`azure upload ${name} to ${this.name}`, `object ${name} in container ${this.name}`, err, () => false);
    }
  }

  async delete(name: string, options?: OpOptions): Promise<void> {
    try {
      await this.client.getBlobClient(name).deleteIfExists(sig(options));
    } catch (err) {
      throw providerError(`azure delete ${name} from ${this.name}`, name, err, () => false);
    }
  }

  async close(): Promise<void> {}
}
