// The S3 provider's `config:` (upstream providers/s3 Config): field names, defaults and checks, including the older
// `encryptsse`/`encrypt_sse: true` accepted as `sse_config: {type: SSE-S3}` with a deprecation warning.
import type { FieldReader } from '../config-fields.js';
import type { HttpConfig } from './http-config.js';
import { parseHttpConfig } from './http-config.js';

export type BucketLookupType = 'auto' | 'virtual-hosted' | 'path';

export type SseConfig =
  | { readonly type: '' }
  | { readonly type: 'SSE-S3' }
  | { readonly type: 'SSE-KMS'; readonly kmsKeyId: string; readonly kmsEncryptionContext: Readonly<Record<string, string>> }
  | { readonly type: 'SSE-C'; readonly encryptionKeyFile: string };

export interface S3Config {
  readonly bucket: string;
  readonly endpoint: string;
  readonly region: string;
  readonly accessKey: string;
  /** Never logged. */
  readonly secretKey: string;
  readonly sessionToken: string;
  readonly awsSdkAuth: boolean;
  readonly insecure: boolean;
  readonly putUserMetadata: Readonly<Record<string, string>>;
  readonly listObjectsVersion: 'v1' | 'v2';
  readonly bucketLookupType: BucketLookupType;
  readonly sendContentMd5: boolean;
  readonly disableMultipart: boolean;
  readonly partSize: number;
  readonly sse: SseConfig;
  readonly stsEndpoint: string;
  readonly maxRetries: number;
  readonly trace: boolean;
  readonly http: HttpConfig;
}

/** S3's smallest allowed part (all parts but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 64 * 1024 * 1024;

export function parseS3Config(f: FieldReader): S3Config {
  const bucket = f.string('bucket');
  const endpoint = f.string('endpoint');
  const signatureV2 = f.bool('signature_version2', false);
  const accessKey = f.string('access_key');
  const secretKey = f.string('secret_key');
  const awsSdkAuth = f.bool('aws_sdk_auth', false);
  const lookup = f.string('bucket_lookup_type', 'auto');
  const listVersion = f.string('list_objects_version', 'v2') || 'v2';
  const partSize = f.int('part_size', DEFAULT_PART_SIZE);
  let sse = parseSse(f.child('sse_config'));
  for (const old of ['encryptsse', 'encrypt_sse']) {
    const v = f.deprecated(old, 'sse_config: {type: SSE-S3}');
    if (v === true || v === 'true') {
      if (sse.type !== '' && sse.type !== 'SSE-S3') throw f.error(old, `conflicts with sse_config.type ${sse.type}`);
      sse = { type: 'SSE-S3' };
    } else if (v !== undefined && v !== false && v !== 'false') {
      throw f.error(old, 'must be true or false');
    }
  }
  const traceReader = f.child('trace');
  const trace = traceReader.bool('enable', false);
  traceReader.done();
  const region = f.string('region');
  const sessionToken = f.string('session_token');
  const insecure = f.bool('insecure', false);
  const putUserMetadata = f.stringMap('put_user_metadata');
  const sendContentMd5 = f.bool('send_content_md5', true);
  const disableMultipart = f.bool('disable_multipart', false);
  const stsEndpoint = f.string('sts_endpoint');
  const maxRetries = f.int('max_retries', 0);
  const http = parseHttpConfig(f);
  f.bool('disable_dualstack', false); // accepted for compatibility; the SDK uses dual-stack only when asked
  // Unknown fields first: a misspelled key explains the "missing" errors below.
  f.done();

  if (bucket === '') throw f.error('bucket', 'is required');
  if (endpoint === '') throw f.error('endpoint', 'is required (host[:port], e.g. s3.us-east-1.amazonaws.com)');
  if (signatureV2) {
    throw f.error('signature_version2', 'is not supported by thanos-ts: AWS and S3-compatible servers accept Signature V4; remove the field or set it to false');
  }
  if ((accessKey === '') !== (secretKey === '')) {
    const [missing, present] = accessKey === '' ? ['access_key', 'secret_key'] : ['secret_key', 'access_key'];
    throw f.error(missing, `must be set together with ${present} (or leave both empty to use the AWS credential chain)`);
  }
  if (awsSdkAuth && accessKey !== '') throw f.error('aws_sdk_auth', 'cannot be combined with access_key/secret_key');
  if (lookup !== 'auto' && lookup !== 'virtual-hosted' && lookup !== 'path') throw f.error('bucket_lookup_type', `must be auto, virtual-hosted or path, got ${JSON.stringify(lookup)}`);
  if (listVersion !== 'v1' && listVersion !== 'v2') throw f.error('list_objects_version', `must be v1 or v2, got ${JSON.stringify(listVersion)}`);
  if (partSize !== 0 && partSize < MIN_PART_SIZE) throw f.error('part_size', `must be at least ${MIN_PART_SIZE} bytes (5 MiB, the S3 minimum)`);
  return {
    bucket, endpoint, accessKey, secretKey, awsSdkAuth, region, sessionToken, insecure, putUserMetadata,
    listObjectsVersion: listVersion, bucketLookupType: lookup, sendContentMd5, disableMultipart,
    partSize: partSize === 0 ? DEFAULT_PART_SIZE : partSize,
    sse, stsEndpoint, maxRetries, trace, http,
  };
}

function parseSse(s: FieldReader): SseConfig {
  const type = s.string('type');
  let out: SseConfig;
  switch (type) {
    case '':
    case 'SSE-S3':
      out = { type };
      break;
    case 'SSE-KMS': {
      const kmsKeyId = s.string('kms_key_id');
      if (kmsKeyId === '') throw s.error('kms_key_id', 'is required when sse_config.type is SSE-KMS');
      out = { type, kmsKeyId, kmsEncryptionContext: s.stringMap('kms_encryption_context') };
      break;
    }
    case 'SSE-C': {
      const encryptionKeyFile = s.string('encryption_key');
      if (encryptionKeyFile === '') throw s.error('encryption_key', 'is required when sse_config.type is SSE-C (path to a 32-byte key file)');
      out = { type, encryptionKeyFile };
      break;
    }
    default:
      throw s.error('type', `must be SSE-S3, SSE-KMS or SSE-C, got ${JSON.stringify(type)}`);
  }
  // Fields of the other SSE types are harmless when present; read them so done() accepts them.
  s.string('kms_key_id'); s.stringMap('kms_encryption_context'); s.string('encryption_key');
  s.done();
  return out;
}
