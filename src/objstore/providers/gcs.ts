// GCS provider on @google-cloud/storage (upstream providers/gcs): service account JSON inline, else
// GOOGLE_APPLICATION_CREDENTIALS / application default credentials; `endpoint` points at an emulator.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket as GcsBucketHandle, StorageOptions } from '@google-cloud/storage';
import { ConfigError } from '../../runtime/errors.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from '../bucket.js';
import { dirPrefix } from '../bucket.js';
import type { FieldReader } from '../config-fields.js';
import type { Provider } from '../registry.js';
import { checkObjectName, checkRange, emptyRange, emptyStream, sliceStream, throwIfAborted } from '../streams.js';
import { hasNotFoundCode, providerError, statusOf } from './errors.js';
import type { HttpConfig } from './http-config.js';
import { parseHttpConfig } from './http-config.js';

export interface GcsConfig {
  readonly bucket: string;
  /** Parsed service account key; never logged. */
  readonly serviceAccount: Readonly<Record<string, unknown>> | undefined;
  /** thanos-ts addition: API endpoint override (emulators), e.g. http://127.0.0.1:9199. */
  readonly endpoint: string;
  readonly chunkSizeBytes: number;
  readonly maxRetries: number;
  readonly noAuth: boolean;
  /** Accepted for compatibility; the client library manages its own connections. */
  readonly http: HttpConfig;
}

export function parseGcsConfig(f: FieldReader): GcsConfig {
  const bucket = f.string('bucket');
  const sa = f.string('service_account');
  let serviceAccount: Record<string, unknown> | undefined;
  if (sa !== '') {
    try {
      const v: unknown = JSON.parse(sa);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
      serviceAccount = v as Record<string, unknown>;
    } catch (err) {
      throw f.error('service_account', `must be a service account key in JSON: ${err instanceof Error ? err.message : 'invalid'}`);
    }
  }
  // gRPC transport is an upstream option; the JSON API is used either way.
  f.bool('use_grpc', false);
  f.int('grpc_conn_pool_size', 0);
  const cfg: GcsConfig = {
    bucket, serviceAccount,
    endpoint: f.string('endpoint'),
    chunkSizeBytes: f.int('chunk_size_bytes', 0),
    maxRetries: f.int('max_retries', 0),
    noAuth: f.bool('no_auth', false),
    http: parseHttpConfig(f),
  };
  f.done();
  if (bucket === '') throw f.error('bucket', 'is required');
  return cfg;
}

export const gcsProvider: Provider<GcsConfig> = {
  type: 'GCS',
  parse: parseGcsConfig,
  async create(config) {
    const options: StorageOptions = {
      ...(config.endpoint !== '' ? { apiEndpoint: config.endpoint.replace(/\/+$/, '') } : {}),
      ...(config.maxRetries > 0 ? { retryOptions: { maxRetries: config.maxRetries, autoRetry: true } } : {}),
    };
    if (config.serviceAccount) {
      const projectId = config.serviceAccount['project_id'];
      if (typeof config.serviceAccount['client_email'] !== 'string' || typeof config.serviceAccount['private_key'] !== 'string') {
        throw new ConfigError('config.service_account must hold client_email and private_key');
      }
      options.credentials = { client_email: config.serviceAccount['client_email'], private_key: config.serviceAccount['private_key'] };
      if (typeof projectId === 'string') options.projectId = projectId;
    } else if (config.endpoint !== '' || config.noAuth) {
      // Emulators take no credentials; a project id keeps the library from looking one up.
      options.projectId = process.env['GOOGLE_CLOUD_PROJECT'] ?? 'thanos-ts';
    }
    // The SDK is loaded when a GCS bucket is made, not when thanos-ts starts.
    const { Storage } = await import('@google-cloud/storage');
    return new GcsBucket(new Storage(options).bucket(config.bucket), config);
  },
};

function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/**
 * Waits for the first chunk (or the end) of a lazily-failing SDK stream, so that not-found rejects get() itself,
 * then hands out a stream that starts with that chunk. Destroying the result destroys the source.
 */
async function opened(src: Readable): Promise<Readable> {
  const it = src[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return emptyStream();
  return Readable.from((async function* () {
    try {
      yield first.value as Buffer;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value as Buffer;
      }
    } finally {
      await it.return?.();
    }
  })(), { objectMode: false });
}

export class GcsBucket implements Bucket {
  readonly provider = 'GCS';
  readonly name: string;

  constructor(private readonly bucket: GcsBucketHandle, private readonly cfg: GcsConfig) {
    this.name = cfg.bucket;
  }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    const prefix = dirPrefix(dir);
    let pageToken: string | undefined;
    do {
      throwIfAborted(options?.signal);
      let names: string[];
      try {
        const [files, next, resp] = await this.bucket.getFiles({
          prefix, autoPaginate: false, ...(options?.recursive ? {} : { delimiter: '/' }), ...(pageToken ? { pageToken } : {}),
        });
        const prefixes = (resp as { prefixes?: string[] } | undefined)?.prefixes ?? [];
        names = [...files.map((f) => f.name), ...prefixes].sort();
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } catch (err) {
        throw providerError(`gcs list ${prefix} in ${this.name}`, prefix, err, () => false);
      }
      for (const n of names) if (n !== prefix) yield n;
    } while (pageToken);
  }

  get(name: string, options?: OpOptions): Promise<Readable> {
    return this.getRange(name, 0, -1, options);
  }

  async getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    checkRange(name, offset, length);
    throwIfAborted(options?.signal);
    if (length === 0) return emptyRange(this, name, options);
    const full = offset === 0 && length < 0;
    const src = this.bucket.file(name).createReadStream({
      // Checksums cover whole objects only; ranged reads cannot be validated.
      validation: full ? 'crc32c' : false,
      ...(full ? {} : { start: offset, ...(length > 0 ? { end: offset + length - 1 } : {}) }),
    });
    let status = 0;
    src.once('response', (res: { statusCode?: number }) => { status = res.statusCode ?? 0; });
    const onAbort = (): void => { src.destroy(); };
    options?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const stream = await opened(src);
      // Some servers (the Storage emulator) answer an unsatisfiable range with 200 and the whole object.
      return !full && status === 200 ? sliceStream(stream, offset, length) : stream;
    } catch (err) {
      if (statusOf(err) === 416) return emptyStream();
      throw providerError(`gcs get ${name} from ${this.name}`, `object ${name} in bucket ${this.name}`, err, isNotFound);
    } finally {
      options?.signal?.removeEventListener('abort', onAbort);
    }
  }

  async exists(name: string, options?: OpOptions): Promise<boolean> {
    throwIfAborted(options?.signal);
    try {
      const [ok] = await this.bucket.file(name).exists();
      return ok;
    } catch (err) {
      throw providerError(`gcs exists ${name} in ${this.name}`, name, err, () => false);
    }
  }

  async attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    throwIfAborted(options?.signal);
    try {
      const [m] = await this.bucket.file(name).getMetadata();
      return { size: Number(m.size ?? 0), lastModified: new Date(m.updated ?? 0) };
    } catch (err) {
      throw providerError(`gcs get metadata of ${name} in ${this.name}`, `object ${name} in bucket ${this.name}`, err, isNotFound);
    }
  }

  isNotFoundError(err: unknown): boolean {
    return hasNotFoundCode(err);
  }

  async upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    checkObjectName(name);
    throwIfAborted(options?.signal);
    const resumable = this.cfg.chunkSizeBytes > 0;
    const dst = this.bucket.file(name).createWriteStream({
      resumable, metadata: { contentType: 'application/octet-stream' },
      ...(resumable ? { chunkSize: this.cfg.chunkSizeBytes } : {}),
    });
    try {
      // A source error destroys the write stream, which aborts the request: the object is never finalised.
      await pipeline(body instanceof Uint8Array ? Readable.from([body]) : body, dst, options?.signal ? { signal: options.signal } : {});
    } catch (err) {
      throw providerError(`gcs upload ${name} to ${this.name}`, `object ${name} in bucket ${this.name}`, err, () => false);
    }
  }

  async delete(name: string, options?: OpOptions): Promise<void> {
    throwIfAborted(options?.signal);
    try {
      await this.bucket.file(name).delete({ ignoreNotFound: true });
    } catch (err) {
      throw providerError(`gcs delete ${name} from ${this.name}`, name, err, () => false);
    }
  }

  async close(): Promise<void> {}
}
