// SWIFT provider over the OpenStack Swift REST API (upstream providers/swift on ncw/swift): v1/v2/v3 auth with token
// refresh on expiry or 401, delimiter listings, ranged GETs, and static (or dynamic) large objects above the
// segment size. Segments of an upload that fails are deleted, so no object (and no orphan) is left.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ConfigError, NotFoundError } from '../../runtime/errors.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from '../bucket.js';
import { dirPrefix, existsByAttributes } from '../bucket.js';
import type { FieldReader } from '../config-fields.js';
import type { Provider } from '../registry.js';
import { RetryingBucket } from '../retrying.js';
import { checkObjectName, checkRange, emptyRange, emptyStream, partsOf, throwIfAborted } from '../streams.js';
import { providerError } from './errors.js';
import type { Agents, HttpConfig } from './http-config.js';
import { createAgents, parseHttpConfig } from './http-config.js';
import type { HttpResponse } from './http-request.js';
import { bodyText, discard, header, httpRequest } from './http-request.js';
import type { SwiftAuthConfig, SwiftSession } from './swift-auth.js';
import { swiftAuthenticate } from './swift-auth.js';

export interface SwiftConfig extends SwiftAuthConfig {
  readonly containerName: string;
  readonly largeObjectChunkSize: number;
  readonly segmentsContainerName: string;
  readonly retries: number;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly useDynamicLargeObjects: boolean;
  readonly http: HttpConfig;
}

/** Where segments go inside the segments container; hidden from iter() when that is the object container. */
const SEGMENTS_DIR = '.thanos-segments/';
const LIST_LIMIT = 10_000;

export function parseSwiftConfig(f: FieldReader): SwiftConfig {
  const str = (key: string, oldKey?: string): string => {
    const v = f.string(key);
    if (!oldKey) return v;
    const old = f.deprecated(oldKey, key);
    if (v !== '' || old === undefined) return v;
    if (typeof old !== 'string') throw f.error(oldKey, 'must be a string');
    return old;
  };
  const userDomainName = f.string('user_domain_name');
  const userDomainId = f.string('user_domain_id');
  const cfg: SwiftConfig = {
    authVersion: f.int('auth_version', 0),
    authUrl: str('auth_url'),
    username: str('username'),
    userId: str('user_id'),
    password: str('password'),
    domainName: str('domain_name') || userDomainName,
    domainId: str('domain_id') || userDomainId,
    projectName: str('project_name', 'tenant_name'),
    projectId: str('project_id', 'tenant_id'),
    projectDomainName: str('project_domain_name'),
    projectDomainId: str('project_domain_id'),
    applicationCredentialId: str('application_credential_id'),
    applicationCredentialName: str('application_credential_name'),
    applicationCredentialSecret: str('application_credential_secret'),
    regionName: str('region_name'),
    containerName: str('container_name'),
    largeObjectChunkSize: f.int('large_object_chunk_size', 1 << 30, 1),
    segmentsContainerName: f.string('large_object_segments_container_name'),
    retries: f.int('retries', 3),
    connectTimeoutMs: f.durationMs('connect_timeout', 10_000),
    timeoutMs: f.durationMs('timeout', 300_000),
    useDynamicLargeObjects: f.bool('use_dynamic_large_objects', false),
    http: parseHttpConfig(f),
  };
  f.done();
  if (cfg.authUrl === '') throw f.error('auth_url', 'is required');
  if (cfg.containerName === '') throw f.error('container_name', 'is required');
  if (cfg.authVersion < 0 || cfg.authVersion > 3) throw f.error('auth_version', 'must be 0 (detect), 1, 2 or 3');
  return cfg;
}

export const swiftProvider: Provider<SwiftConfig> = {
  type: 'SWIFT',
  parse: parseSwiftConfig,
  async create(config) {
    const bucket = new SwiftBucket(config);
    await bucket.checkContainer();
    return config.retries > 0 ? new RetryingBucket(bucket, { maxAttempts: config.retries + 1 }) : bucket;
  },
};

const encodePath = (name: string): string => name.split('/').map(encodeURIComponent).join('/');
const md5hex = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

interface RequestSpec {
  readonly method: string;
  readonly container?: string;
  readonly object?: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  readonly signal?: AbortSignal | undefined;
}

export class SwiftBucket implements Bucket {
  readonly provider = 'SWIFT';
  readonly name: string;
  private readonly agents: Agents;
  private readonly segmentsContainer: string;
  private session: Promise<SwiftSession> | undefined;

  constructor(private readonly cfg: SwiftConfig) {
    this.name = cfg.containerName;
    this.segmentsContainer = cfg.segmentsContainerName !== '' ? cfg.segmentsContainerName : cfg.containerName;
    this.agents = createAgents(cfg.http, 'SWIFT http_config');
  }

  /** Fails with a clear message when the container does not exist (upstream requires it to exist). */
  async checkContainer(): Promise<void> {
    const res = await this.request({ method: 'HEAD', container: this.name });
    discard(res);
    if (res.status === 404) throw new ConfigError(`swift container ${this.name} does not exist; create it first (config.container_name)`);
    if (res.status >= 300) throw providerError(`swift head container ${this.name}`, this.name, { statusCode: res.status, message: `HTTP ${res.status}` });
  }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    const prefix = dirPrefix(dir);
    const hideSegments = this.segmentsContainer === this.name;
    let marker = '';
    for (;;) {
      throwIfAborted(options?.signal);
      const res = await this.request({
        method: 'GET', container: this.name, signal: options?.signal,
        query: { format: 'json', prefix, limit: String(LIST_LIMIT), ...(options?.recursive ? {} : { delimiter: '/' }), ...(marker ? { marker } : {}) },
      });
      const text = await bodyText(res);
      if (res.status === 404) return;
      if (res.status >= 300) throw this.statusError(`swift list ${prefix} in ${this.name}`, prefix, res.status, text);
      const items = JSON.parse(text) as { name?: string; subdir?: string }[];
      for (const it of items) {
        const n = it.subdir ?? it.name ?? '';
        marker = n;
        if (n === '' || n === prefix || (hideSegments && n.startsWith(SEGMENTS_DIR))) continue;
        yield n;
      }
      if (items.length < LIST_LIMIT) return;
    }
  }

  get(name: string, options?: OpOptions): Promise<Readable> {
    return this.getRange(name, 0, -1, options);
  }

  async getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    checkRange(name, offset, length);
    if (length === 0) return emptyRange(this, name, options);
    const ranged = offset > 0 || length > 0;
    const res = await this.request({
      method: 'GET', container: this.name, object: name, signal: options?.signal,
      ...(ranged ? { headers: { Range: `bytes=${offset}-${length < 0 ? '' : offset + length - 1}` } } : {}),
    });
    if (res.status === 200 || res.status === 206) return res.body;
    const text = await bodyText(res);
    if (res.status === 416) return emptyStream();
    throw this.statusError(`swift get ${name} from ${this.name}`, name, res.status, text);
  }

  exists(name: string, options?: OpOptions): Promise<boolean> {
    return existsByAttributes(this, name, options);
  }

  async attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    const res = await this.head(name, options);
    return { size: Number(header(res, 'content-length') ?? 0), lastModified: new Date(header(res, 'last-modified') ?? 0) };
  }

  isNotFoundError(err: unknown): boolean {
    return err instanceof NotFoundError;
  }

  async upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    checkObjectName(name);
    const parts = partsOf(body, this.cfg.largeObjectChunkSize, options?.signal);
    const uploaded: string[] = [];
    try {
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) {
        await this.put(this.name, name, first.done ? Buffer.alloc(0) : first.value, {}, options);
        return;
      }
      // Segment names carry an upload id so concurrent or repeated uploads of one name never share segments.
      const segPrefix = `${SEGMENTS_DIR}${name}/${Date.now()}-${randomBytes(4).toString('hex')}/`;
      const manifest: { path: string; etag: string; size_bytes: number }[] = [];
      const putSegment = async (data: Buffer): Promise<void> => {
        const seg = `${segPrefix}${String(manifest.length + 1).padStart(8, '0')}`;
        uploaded.push(seg);
        const etag = await this.put(this.segmentsContainer, seg, data, {}, options);
        manifest.push({ path: `/${this.segmentsContainer}/${seg}`, etag, size_bytes: data.length });
      };
      await putSegment(first.value as Buffer);
      await putSegment(second.value);
      for await (const data of parts) await putSegment(data);
      if (this.cfg.useDynamicLargeObjects) {
        await this.put(this.name, name, Buffer.alloc(0), { 'X-Object-Manifest': `${this.segmentsContainer}/${segPrefix}` }, options);
      } else {
        await this.put(this.name, name, Buffer.from(JSON.stringify(manifest)), { 'Content-Type': 'application/json' }, options, { 'multipart-manifest': 'put' });
      }
    } catch (err) {
      await parts.return(undefined);
      await Promise.allSettled(uploaded.map((seg) => this.deleteRaw(this.segmentsContainer, seg)));
      throw providerError(`swift upload ${name} to ${this.name}`, name, err, () => false);
    }
  }

  async delete(name: string, options?: OpOptions): Promise<void> {
    let res: HttpResponse;
    try {
      res = await this.head(name, options);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    if (header(res, 'x-static-large-object')?.toLowerCase() === 'true') {
      // Deletes the manifest and every segment it lists.
      await this.deleteRaw(this.name, name, { 'multipart-manifest': 'delete' }, options);
      return;
    }
    const dlo = header(res, 'x-object-manifest');
    await this.deleteRaw(this.name, name, {}, options);
    if (dlo) {
      const [container, ...rest] = decodeURIComponent(dlo).split('/');
      const segBucket = new SwiftBucket({ ...this.cfg, containerName: container ?? this.segmentsContainer });
      segBucket.session = this.session;
      for await (const seg of segBucket.iter(rest.join('/'), { recursive: true })) await this.deleteRaw(segBucket.name, seg);
    }
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async head(name: string, options?: OpOptions): Promise<HttpResponse> {
    const res = await this.request({ method: 'HEAD', container: this.name, object: name, signal: options?.signal });
    discard(res);
    if (res.status >= 300) throw this.statusError(`swift head ${name} in ${this.name}`, name, res.status, '');
    return res;
  }

  /** PUT with an MD5 ETag so Swift verifies the bytes; returns the ETag. */
  private async put(container: string, name: string, data: Buffer, headers: Record<string, string>, options?: OpOptions, query?: Record<string, string>): Promise<string> {
    const etag = md5hex(data);
    const isManifest = query?.['multipart-manifest'] === 'put';
    const res = await this.request({
      method: 'PUT', container, object: name, body: data, signal: options?.signal,
      headers: { ...(isManifest ? {} : { ETag: etag }), 'Content-Type': 'application/octet-stream', ...headers },
      ...(query ? { query } : {}),
    });
    const text = await bodyText(res);
    if (res.status >= 300) throw this.statusError(`swift put ${name} to ${container}`, name, res.status, text);
    return etag;
  }

  private async deleteRaw(container: string, name: string, query: Record<string, string> = {}, options?: OpOptions): Promise<void> {
    const res = await this.request({ method: 'DELETE', container, object: name, query, signal: options?.signal });
    const text = await bodyText(res);
    if (res.status >= 300 && res.status !== 404) throw this.statusError(`swift delete ${name} from ${container}`, name, res.status, text);
  }

  private statusError(what: string, name: string, status: number, text: string): Error {
    const err = Object.assign(new Error(`HTTP ${status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`), { statusCode: status });
    return providerError(what, `object ${name} in container ${this.name}`, err);
  }

  private async currentSession(signal: AbortSignal | undefined, renew: boolean): Promise<SwiftSession> {
    if (this.session && !renew) {
      const s = await this.session;
      // Renew a minute early so long requests do not start with an about-to-expire token.
      if (s.expiresAt === undefined || s.expiresAt - 60_000 > Date.now()) return s;
    }
    const p = swiftAuthenticate(this.cfg, this.agents, this.cfg.connectTimeoutMs, signal);
    this.session = p;
    p.catch(() => { if (this.session === p) this.session = undefined; });
    return p;
  }

  /** One storage request; on 401 the token is renewed once and the request repeated (bodies are buffers). */
  private async request(spec: RequestSpec): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.currentSession(spec.signal, attempt > 0);
      const q = spec.query && Object.keys(spec.query).length > 0 ? '?' + new URLSearchParams(spec.query).toString() : '';
      const path = [spec.container, spec.object].filter((p): p is string => p !== undefined).map(encodePath).join('/');
      const res = await httpRequest({
        method: spec.method, url: `${s.storageUrl.replace(/\/+$/, '')}/${path}${q}`, agents: this.agents,
        headers: { ...spec.headers, 'X-Auth-Token': s.token }, timeoutMs: this.cfg.timeoutMs,
        ...(spec.body !== undefined ? { body: spec.body } : {}), signal: spec.signal,
      });
      if (res.status !== 401 || attempt > 0) return res;
      discard(res);
    }
  }
}

