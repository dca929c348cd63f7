// S3 provider on @aws-sdk/client-s3 (AWS, MinIO, Ceph RGW, Swift s3api, moto). Multipart uploads are our own so a
// stream is buffered one part at a time and an interrupted upload is aborted, leaving no object.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, ServerSideEncryption } from '@aws-sdk/client-s3';
import { ConfigError, errorMessage } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from '../bucket.js';
import { dirPrefix, existsByAttributes } from '../bucket.js';
import type { Provider } from '../registry.js';
import { checkObjectName, checkRange, emptyRange, emptyStream, partsOf, throwIfAborted } from '../streams.js';
import { hasNotFoundCode, providerError, statusOf } from './errors.js';
import { createAgents } from './http-config.js';
import type { S3Config } from './s3-config.js';
import { parseS3Config } from './s3-config.js';

export const s3Provider: Provider<S3Config> = {
  type: 'S3',
  parse: parseS3Config,
  async create(config, deps) {
    return S3Bucket.create(config, deps.logger);
  },
};

/** Encryption headers sent on writes (and, for SSE-C, on reads too). */
interface SseParams {
  readonly write: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string; SSEKMSEncryptionContext?: string; SSECustomerAlgorithm?: string; SSECustomerKey?: string };
  readonly read: { SSECustomerAlgorithm?: string; SSECustomerKey?: string };
}

function isNotFound(err: unknown): boolean {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('base64');

export class S3Bucket implements Bucket {
  readonly provider = 'S3';
  readonly name: string;

  private constructor(private readonly client: S3Client, private readonly cfg: S3Config, private readonly sse: SseParams) {
    this.name = cfg.bucket;
  }

  static async create(cfg: S3Config, logger: Logger): Promise<S3Bucket> {
    const scheme = /^https?:\/\//.test(cfg.endpoint) ? '' : cfg.insecure ? 'http://' : 'https://';
    const host = cfg.endpoint.replace(/^https?:\/\//, '');
    const agents = createAgents(cfg.http, 'S3 http_config');
    const client = new S3Client({
      endpoint: scheme + cfg.endpoint,
      region: cfg.region !== '' ? cfg.region : (/s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1] ?? 'us-east-1'),
      forcePathStyle: pathStyle(cfg.bucketLookupType, host),
      // Servers other than AWS reject aws-chunked streaming bodies and CRC32 trailers (Swift s3api, s3rver).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(cfg.maxRetries > 0 ? { maxAttempts: cfg.maxRetries + 1 } : {}),
      // Without keys the SDK's default chain applies: env, shared files, web identity (IRSA), ECS/EC2 metadata.
      ...(cfg.accessKey !== '' ? { credentials: { accessKeyId: cfg.accessKey, secretAccessKey: cfg.secretKey, ...(cfg.sessionToken !== '' ? { sessionToken: cfg.sessionToken } : {}) } } : {}),
      requestHandler: {
        httpAgent: agents.http, httpsAgent: agents.https,
        connectionTimeout: cfg.http.tlsHandshakeTimeoutMs, requestTimeout: cfg.http.responseHeaderTimeoutMs,
      },
    });
    addContentMd5ForDeleteObjects(client);
    if (cfg.trace) {
      client.middlewareStack.add((next, context) => async (args) => {
        logger.debug('s3 request', { command: context.commandName, bucket: cfg.bucket });
        return next(args);
      }, { step: 'initialize', name: 'thanosTrace' });
    }
    return new S3Bucket(client, cfg, await sseParams(cfg));
  }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    const prefix = dirPrefix(dir);
    const delimiter = options?.recursive ? undefined : '/';
    let token: string | undefined;
    do {
      throwIfAborted(options?.signal);
      const page: string[] = [];
      try {
        if (this.cfg.listObjectsVersion === 'v1') {
          const out = await this.client.send(new ListObjectsCommand({ Bucket: this.name, ...(prefix ? { Prefix: prefix } : {}), ...(delimiter ? { Delimiter: delimiter } : {}), ...(token ? { Marker: token } : {}) }), sig(options));
          for (const o of out.Contents ?? []) if (o.Key) page.push(o.Key);
          for (const p of out.CommonPrefixes ?? []) if (p.Prefix) page.push(p.Prefix);
          token = out.IsTruncated ? (out.NextMarker ?? out.Contents?.at(-1)?.Key) : undefined;
        } else {
          const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.name, ...(prefix ? { Prefix: prefix } : {}), ...(delimiter ? { Delimiter: delimiter } : {}), ...(token ? { ContinuationToken: token } : {}) }), sig(options));
          for (const o of out.Contents ?? []) if (o.Key) page.push(o.Key);
          for (const p of out.CommonPrefixes ?? []) if (p.Prefix) page.push(p.Prefix);
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        }
      } catch (err) {
        throw providerError(`s3 list ${prefix} in ${this.name}`, prefix, err, () => false);
      }
      page.sort();
      // A zero-byte "directory marker" object named like the prefix itself is not an object of the listing.
      for (const n of page) if (n !== prefix) yield n;
    } while (token);
  }

  get(name: string, options?: OpOptions): Promise<Readable> {
    return this.open(name, undefined, options);
  }

  async getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    checkRange(name, offset, length);
    if (length === 0) return emptyRange(this, name, options);
    return this.open(name, `bytes=${offset}-${length < 0 ? '' : offset + length - 1}`, options);
  }

  private async open(name: string, range: string | undefined, options?: OpOptions): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: name, ...(range ? { Range: range } : {}), ...this.sse.read }), sig(options));
      return out.Body as Readable;
    } catch (err) {
      // 416: the object exists but the range starts at or past its end.
      if (range && (statusOf(err) === 416 || (err as { name?: unknown }).name === 'InvalidRange')) return emptyStream();
      throw providerError(`s3 get ${name} from ${this.name}`, `object ${name} in bucket ${this.name}`, err, isNotFound);
    }
  }

  exists(name: string, options?: OpOptions): Promise<boolean> {
    return existsByAttributes(this, name, options);
  }

  async attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: name, ...this.sse.read }), sig(options));
      return { size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    } catch (err) {
      throw providerError(`s3 head ${name} in ${this.name}`, `object ${name} in bucket ${this.name}`, err, isNotFound);
    }
  }

  isNotFoundError(err: unknown): boolean {
    return hasNotFoundCode(err);
  }

  async upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    checkObjectName(name);
    const partSize = this.cfg.disableMultipart ? Number.MAX_SAFE_INTEGER : this.cfg.partSize;
    const parts = partsOf(body, partSize, options?.signal);
    try {
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) {
        await this.putObject(name, first.done ? Buffer.alloc(0) : first.value, options);
        return;
      }
      await this.multipart(name, first.value as Buffer, second.value, parts, options);
    } catch (err) {
      await parts.return(undefined);
      throw providerError(`s3 upload ${name} to ${this.name}`, `object ${name} in bucket ${this.name}`, err, () => false);
    }
  }

  private async putObject(name: string, data: Buffer, options?: OpOptions): Promise<void> {
    await this.client.send(new PutObjectCommand({
      Bucket: this.name, Key: name, Body: data, ContentLength: data.length,
      ...(this.cfg.sendContentMd5 ? { ContentMD5: md5(data) } : {}), ...this.writeParams(),
    }), sig(options));
  }

  private async multipart(name: string, first: Buffer, second: Buffer, rest: AsyncGenerator<Buffer>, options?: OpOptions): Promise<void> {
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.name, Key: name, ...this.writeParams() }), sig(options));
    const uploadId = created.UploadId;
    if (!uploadId) throw new Error('s3 create multipart upload returned no upload id');
    const completed: CompletedPart[] = [];
    // Two parts in flight: the next part is read from the source while the previous one is sent.
    const inFlight = new Set<Promise<void>>();
    const send = (n: number, data: Buffer): Promise<void> => this.client.send(new UploadPartCommand({
      Bucket: this.name, Key: name, UploadId: uploadId, PartNumber: n, Body: data, ContentLength: data.length,
      ...(this.cfg.sendContentMd5 ? { ContentMD5: md5(data) } : {}), ...this.sse.read,
    }), sig(options)).then((out) => { completed.push({ PartNumber: n, ETag: out.ETag }); });
    try {
      let n = 0;
      const queue = async (data: Buffer): Promise<void> => {
        const p = send(++n, data);
        inFlight.add(p);
        void p.then(() => inFlight.delete(p), () => undefined);
        if (inFlight.size >= 2) await Promise.race(inFlight);
      };
      await queue(first);
      await queue(second);
      for await (const data of rest) await queue(data);
      await Promise.all(inFlight);
      completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.name, Key: name, UploadId: uploadId, MultipartUpload: { Parts: completed } }), sig(options));
    } catch (err) {
      await Promise.allSettled(inFlight);
      // Without the abort, uploaded parts would linger (and be billed) although no object exists.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.name, Key: name, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
  }

  async delete(name: string, options?: OpOptions): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: name }), sig(options));
    } catch (err) {
      if (isNotFound(err)) return;
      throw providerError(`s3 delete ${name} from ${this.name}`, name, err, () => false);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private writeParams(): SseParams['write'] & { Metadata?: Record<string, string>; StorageClass?: never } {
    const meta: Record<string, string> = {};
    let storageClass: string | undefined;
    for (const [k, v] of Object.entries(this.cfg.putUserMetadata)) {
      if (k.toLowerCase() === 'x-amz-storage-class') storageClass = v;
      else meta[k] = v;
    }
    return {
      ...this.sse.write,
      ...(Object.keys(meta).length > 0 ? { Metadata: meta } : {}),
      ...(storageClass !== undefined ? { StorageClass: storageClass as never } : {}),
    };
  }
}

function sig(options: OpOptions | undefined): { abortSignal?: AbortSignal } {
  return options?.signal ? { abortSignal: options.signal } : {};
}

/** auto: virtual-hosted for AWS and Aliyun endpoints, path style elsewhere (as minio-go decides). */
function pathStyle(lookup: S3Config['bucketLookupType'], host: string): boolean {
  switch (lookup) {
    case 'path': return true;
    case 'virtual-hosted': return false;
    case 'auto': return !/(^|\.)amazonaws\.com(\.cn)?(:\d+)?$|(^|\.)aliyuncs\.com(:\d+)?$/.test(host);
  }
}

async function sseParams(cfg: S3Config): Promise<SseParams> {
  const sse = cfg.sse;
  switch (sse.type) {
    case '': return { write: {}, read: {} };
    case 'SSE-S3': return { write: { ServerSideEncryption: 'AES256' }, read: {} };
    case 'SSE-KMS': {
      const ctx = Object.keys(sse.kmsEncryptionContext).length > 0 ? Buffer.from(JSON.stringify(sse.kmsEncryptionContext)).toString('base64') : undefined;
      return { write: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: sse.kmsKeyId, ...(ctx ? { SSEKMSEncryptionContext: ctx } : {}) }, read: {} };
    }
    case 'SSE-C': {
      let key: Buffer;
      try {
        key = await readFile(sse.encryptionKeyFile);
      } catch (err) {
        throw new ConfigError(`reading sse_config.encryption_key ${sse.encryptionKeyFile}: ${errorMessage(err)}`);
      }
      if (key.length !== 32) throw new ConfigError(`sse_config.encryption_key ${sse.encryptionKeyFile} must hold 32 bytes, has ${key.length}`);
      // Given base64, the SDK decodes it to compute the key MD5 header itself.
      const c = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') };
      return { write: c, read: c };
    }
  }
}

/**
 * DeleteObjects needs Content-MD5 on Swift s3api (and older MinIO/Ceph), but the SDK sends a CRC32 checksum
 * instead. This runs in the build step, before signing: changing headers after SigV4 signed them breaks the signature.
 */
function addContentMd5ForDeleteObjects(client: S3Client): void {
  client.middlewareStack.add((next, context) => async (args) => {
    const req = args.request as { headers?: Record<string, string>; body?: unknown };
    if (context.commandName === 'DeleteObjectsCommand' && req.headers && (typeof req.body === 'string' || req.body instanceof Uint8Array)) {
      for (const h of Object.keys(req.headers)) {
        if (h.toLowerCase().startsWith('x-amz-checksum-') || h.toLowerCase() === 'x-amz-sdk-checksum-algorithm') delete req.headers[h];
      }
      req.headers['content-md5'] = createHash('md5').update(req.body).digest('base64');
    }
    return next(args);
  }, { step: 'build', priority: 'low', name: 'thanosContentMd5ForDeleteObjects' });
}
