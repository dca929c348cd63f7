// The --http.config file: Prometheus exporter-toolkit's web config (tls_server_config, http_server_config,
// basic_auth_users, rate_limit), parsed strictly and checked as exporter-toolkit checks it, into Node TLS options.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { ConfigError, errorMessage } from './errors.js';
import { parseDuration } from './duration.js';
import { CONFIG_TLS_VERSIONS, opensslCiphers, opensslCurves } from './tls-names.js';
import { parseYaml } from './yaml-fields.js';

/** exporter-toolkit's client_auth_type values (Go's tls.ClientAuthType names). */
export type ClientAuthType =
  | 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';

export interface WebTlsConfig {
  /** Node options for the server's secure context (certificate, key, CA, versions, ciphers, curves). */
  readonly secureContext: SecureContextOptions;
  readonly clientAuth: ClientAuthType;
  /** client_allowed_sans: a client certificate must carry one of these SANs. */
  readonly clientAllowedSans: readonly string[] | undefined;
  /** The certificate, key and CA files read, watched for rotation. */
  readonly files: readonly string[];
}

export interface WebConfig {
  /** Absent: plain HTTP (exporter-toolkit's "TLS is disabled"). */
  readonly tls: WebTlsConfig | undefined;
  /** basic_auth_users: user → bcrypt hash. Empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
  /** http_server_config.headers, set on every response. */
  readonly headers: Readonly<Record<string, string>>;
  readonly http2: boolean;
  /** rate_limit; absent when interval is 0. */
  readonly rateLimit: { readonly burst: number; readonly intervalMs: number } | undefined;
}

/** Headers the config may set, with the values allowed where the set is closed (exporter-toolkit's list). */
const HEADER_VALUES: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

const CLIENT_AUTH: Readonly<Record<string, ClientAuthType>> = {
  '': 'NoClientCert', NoClientCert: 'NoClientCert', RequestClientCert: 'RequestClientCert',
  RequireAnyClientCert: 'RequireAnyClientCert', RequireClientCert: 'RequireAnyClientCert',
  VerifyClientCertIfGiven: 'VerifyClientCertIfGiven', RequireAndVerifyClientCert: 'RequireAndVerifyClientCert',
};

/** bcrypt's modular crypt format ($2a$, $2b$, $2y$; cost 04–31; 53 characters of salt and hash). */
const BCRYPT = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

type Fields = Record<string, unknown>;

class Reader {
  constructor(private readonly file: string) {}

  fail(field: string, message: string): never {
    throw new ConfigError(`${field}: ${message}`, { where: `--http.config ${this.file}` });
  }

  /** A mapping with only the given keys (yaml.UnmarshalStrict refuses unknown fields). */
  object(value: unknown, field: string, keys: readonly string[]): Fields {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(field, 'must be a mapping');
    const fields = value as Fields;
    for (const k of Object.keys(fields)) if (!keys.includes(k)) this.fail(`${field}.${k}`, 'field not found in type (unknown field)');
    return fields;
  }

  string(fields: Fields, field: string, key: string): string {
    const v = fields[key];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') this.fail(`${field}.${key}`, 'must be a string');
    return v;
  }

  strings(fields: Fields, field: string, key: string): string[] | undefined {
    const v = fields[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(`${field}.${key}`, 'must be a list of strings');
    return v as string[];
  }

  bool(fields: Fields, field: string, key: string, fallback: boolean): boolean {
    const v = fields[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(`${field}.${key}`, 'must be true or false');
    return v;
  }

  /** A path relative to the config file's directory, as exporter-toolkit resolves it. */
  path(fields: Fields, field: string, key: string): string {
    const p = this.string(fields, field, key);
    return p === '' ? '' : path.resolve(path.dirname(this.file), p);
  }

  read(file: string, field: string): Buffer {
    try {
      return readFileSync(file);
    } catch (err) {
      return this.fail(field, `read ${file}: ${errorMessage(err)}`);
    }
  }
}

function tlsConfig(r: Reader, raw: unknown): WebTlsConfig | undefined {
  const f = r.object(raw, 'tls_server_config', [
    'cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'cipher_suites',
    'curve_preferences', 'min_version', 'max_version', 'prefer_server_cipher_suites', 'client_allowed_sans',
  ]);
  const field = 'tls_server_config';
  const certFile = r.path(f, field, 'cert_file');
  const keyFile = r.path(f, field, 'key_file');
  const caFile = r.path(f, field, 'client_ca_file');
  const certText = r.string(f, field, 'cert');
  const keyText = r.string(f, field, 'key');
  const caText = r.string(f, field, 'client_ca');
  const authName = r.string(f, field, 'client_auth_type');
  const enabled = certFile !== '' || certText !== '' || keyFile !== '' || keyText !== '' || caFile !== '' || caText !== '' || authName !== '';
  if (!enabled) return undefined;
  if (certFile === '' && certText === '') r.fail(field, 'missing one of cert or cert_file');
  if (keyFile === '' && keyText === '') r.fail(field, 'missing one of key or key_file');
  const clientAuth = CLIENT_AUTH[authName] ?? r.fail(`${field}.client_auth_type`, `invalid ClientAuth: ${authName}`);
  if ((caFile !== '' || caText !== '') && clientAuth === 'NoClientCert') {
    r.fail(field, 'client CA\'s have been configured without a Client Auth Policy');
  }
  const clientAllowedSans = r.strings(f, field, 'client_allowed_sans');
  if (clientAllowedSans && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    r.fail(field, 'client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or RequireAndVerifyClientCert');
  }
  const version = (key: string, fallback: string): SecureContextOptions['minVersion'] => {
    const v = r.string(f, field, key) || fallback;
    return CONFIG_TLS_VERSIONS[v] ?? r.fail(`${field}.${key}`, `unknown TLS version: ${v}`);
  };
  const ciphers = opensslCiphers(r.strings(f, field, 'cipher_suites') ?? [], (name) => r.fail(`${field}.cipher_suites`, `unknown cipher: ${name}`));
  const curves = opensslCurves(r.strings(f, field, 'curve_preferences') ?? [], (name) => r.fail(`${field}.curve_preferences`, `unknown curve: ${name}`));

  const secureContext: SecureContextOptions = {
    cert: certFile !== '' ? r.read(certFile, `${field}.cert_file`) : certText,
    key: keyFile !== '' ? r.read(keyFile, `${field}.key_file`) : keyText,
    minVersion: version('min_version', 'TLS12'),
    maxVersion: version('max_version', 'TLS13'),
    honorCipherOrder: r.bool(f, field, 'prefer_server_cipher_suites', true),
    ...(caFile !== '' ? { ca: r.read(caFile, `${field}.client_ca_file`) } : caText !== '' ? { ca: caText } : {}),
    ...(ciphers !== undefined ? { ciphers } : {}),
    ...(curves !== undefined ? { ecdhCurve: curves } : {}),
  };
  return { secureContext, clientAuth, clientAllowedSans, files: [certFile, keyFile, caFile].filter((p) => p !== '') };
}

/** Parses and checks a web config's text; `file` names it in errors and anchors its relative paths. */
export function parseWebConfig(text: string, file: string): WebConfig {
  const r: Reader = new Reader(file);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return r.fail('yaml', errorMessage(err));
  }
  const top = r.object(doc, 'config', ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit']);
  const http = r.object(top['http_server_config'], 'http_server_config', ['http2', 'headers']);
  const headers = r.object(http['headers'], 'http_server_config.headers', Object.keys(HEADER_VALUES));
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') r.fail(`http_server_config.headers.${name}`, 'must be a string');
    const allowed = HEADER_VALUES[name];
    if (allowed && !allowed.includes(value)) {
      r.fail(`http_server_config.headers.${name}`, `invalid value, expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`);
    }
  }
  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(r.object(top['basic_auth_users'], 'basic_auth_users', Object.keys(top['basic_auth_users'] ?? {})))) {
    if (typeof hash !== 'string' || !BCRYPT.test(hash)) r.fail(`basic_auth_users.${user}`, 'is not a bcrypt hash');
    users.set(user, hash);
  }
  const limit = r.object(top['rate_limit'], 'rate_limit', ['burst', 'interval']);
  const burst = limit['burst'] ?? 0;
  if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 0) r.fail('rate_limit.burst', 'must be a non-negative integer');
  const intervalText = r.string(limit, 'rate_limit', 'interval');
  let intervalMs = 0;
  if (intervalText !== '') {
    try {
      intervalMs = parseDuration(intervalText);
    } catch (err) {
      r.fail('rate_limit.interval', errorMessage(err));
    }
  }
  return {
    tls: tlsConfig(r, top['tls_server_config']),
    users,
    headers: headers as Record<string, string>,
    http2: r.bool(http, 'http_server_config', 'http2', true),
    rateLimit: intervalMs > 0 ? { burst, intervalMs } : undefined,
  };
}

export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`read ${file}: ${errorMessage(err)}`, { where: '--http.config', cause: err });
  }
  return parseWebConfig(text, file);
}

/** Node server options for a TLS config: the secure context plus who must present a client certificate. */
export function tlsServerOptions(tls: WebTlsConfig): TlsOptions {
  return {
    ...tls.secureContext,
    requestCert: tls.clientAuth !== 'NoClientCert',
    // Only this policy can be enforced inside the handshake; the others are checked once it completes.
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
  };
}
