// gRPC transport credentials from the upstream flags: server TLS from --grpc-server-tls-cert/-key/-client-ca
// (mTLS when a client CA is given) and client TLS from the querier's --grpc-client-tls-* flags. Certificate, key and
// CA files are re-read when they change, on both sides, so a rotated certificate needs no restart.

import { readFileSync } from 'node:fs';
import { rootCertificates, type SecureContextOptions } from 'node:tls';
import { ChannelCredentials, ServerCredentials, experimental, type ChannelOptions } from '@grpc/grpc-js';
import { ConfigError, errorMessage } from './errors.js';
import { TLS_VERSIONS } from './flag-values.js';
import { CERT_REFRESH_MS, TlsFilesWatcher } from './tls-files.js';

export interface ServerTlsOptions {
  /** --grpc-server-tls-cert: PEM certificate chain. */
  readonly certFile: string;
  /** --grpc-server-tls-key: PEM private key. */
  readonly keyFile: string;
  /** --grpc-server-tls-client-ca: when set, clients must present a certificate signed by this CA (mTLS). */
  readonly clientCaFile?: string;
  /** --grpc-server-tls-min-version as upstream writes it ("1.0" … "1.3"); Node's default (TLS 1.2) when absent. */
  readonly minVersion?: string;
}

/**
 * Server credentials over files: grpc-js's createSsl reads them once and has no minimum-version knob. These carry
 * createSsl's options plus minVersion, and while a server uses them, re-read the files when one changes
 * (tls-files.ts: a bad rotation is reported and the previous certificate kept).
 */
class FileServerCredentials extends ServerCredentials {
  private readonly watcher: TlsFilesWatcher;

  constructor(
    files: readonly string[],
    load: () => SecureContextOptions,
    constructorOptions: ReturnType<ServerCredentials['_getConstructorOptions']>,
    initial: SecureContextOptions,
    onReloadError: (message: string) => void,
  ) {
    super(constructorOptions, initial);
    this.watcher = new TlsFilesWatcher('gRPC server', files, load, (next) => this.updateSecureContextOptions(next), onReloadError);
  }

  override _addWatcher(watcher: (options: SecureContextOptions | null) => void): void {
    super._addWatcher(watcher);
    this.watcher.start();
  }

  override _removeWatcher(watcher: (options: SecureContextOptions | null) => void): void {
    super._removeWatcher(watcher);
    if (this.getWatcherCount() === 0) this.watcher.stop();
  }

  _equals(other: ServerCredentials): boolean {
    return this === other;
  }
}

export interface ClientTlsOptions {
  /** --grpc-client-tls-secure: use TLS at all. The other options only matter when true. */
  readonly secure: boolean;
  /** --grpc-client-tls-skip-verify: accept any server certificate. */
  readonly skipVerify?: boolean;
  /** --grpc-client-tls-cert / -key: our certificate, for servers that require mTLS. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** --grpc-client-tls-ca: CA to verify servers with; system roots when absent. */
  readonly caFile?: string;
  /** --grpc-client-tls-server-name: expected name in the server certificate. */
  readonly serverName?: string;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`read ${file}: ${errorMessage(err)}`, { where: flag, cause: err });
  }
}

/**
 * Server credentials from the flag values: insecure when neither cert nor key is given. A cert without a key (or
 * the reverse), or a client CA without a cert, is a ConfigError naming the flag.
 */
export function serverCredentials(tls: Partial<ServerTlsOptions> | undefined, onReloadError: (message: string) => void = () => {}): ServerCredentials {
  const cert = tls?.certFile ?? '';
  const key = tls?.keyFile ?? '';
  const ca = tls?.clientCaFile ?? '';
  if (cert === '' && key === '') {
    if (ca !== '') throw new ConfigError('a client CA needs a server certificate and key', { where: '--grpc-server-tls-client-ca' });
    return ServerCredentials.createInsecure();
  }
  if (cert === '') throw new ConfigError('a key needs a certificate too', { where: '--grpc-server-tls-cert' });
  if (key === '') throw new ConfigError('a certificate needs a key too', { where: '--grpc-server-tls-key' });
  let minVersion: SecureContextOptions['minVersion'];
  if (tls?.minVersion !== undefined) {
    minVersion = TLS_VERSIONS[tls.minVersion];
    if (minVersion === undefined) throw new ConfigError(`unknown TLS version ${JSON.stringify(tls.minVersion)}; want one of ${Object.keys(TLS_VERSIONS).join(', ')}`, { where: '--grpc-server-tls-min-version' });
  }
  const build = (): ServerCredentials => {
    const pair = { cert_chain: readPem(cert, '--grpc-server-tls-cert'), private_key: readPem(key, '--grpc-server-tls-key') };
    const rootCerts = ca === '' ? null : readPem(ca, '--grpc-server-tls-client-ca');
    return ServerCredentials.createSsl(rootCerts, [pair], rootCerts !== null);
  };
  const withMin = (ssl: ServerCredentials): SecureContextOptions => ({ ...ssl._getSecureContextOptions(), ...(minVersion ? { minVersion } : {}) });
  const first = build();
  const files = [cert, key, ...(ca === '' ? [] : [ca])];
  return new FileServerCredentials(files, () => withMin(build()), first._getConstructorOptions(), withMin(first), onReloadError);
}

/** Client credentials plus the channel options that go with them (server-name override). */
export function clientCredentials(tls: ClientTlsOptions | undefined): { credentials: ChannelCredentials; options: ChannelOptions } {
  if (!tls?.secure) return { credentials: ChannelCredentials.createInsecure(), options: {} };
  const cert = tls.certFile ?? '';
  const key = tls.keyFile ?? '';
  if ((cert === '') !== (key === '')) {
    throw new ConfigError('client certificate and key must be given together', { where: cert === '' ? '--grpc-client-tls-cert' : '--grpc-client-tls-key' });
  }
  // Read once now so a missing or unreadable file fails at start, naming its flag.
  if (tls.caFile) readPem(tls.caFile, '--grpc-client-tls-ca');
  if (cert !== '') {
    readPem(cert, '--grpc-client-tls-cert');
    readPem(key, '--grpc-client-tls-key');
  }
  // File watchers re-read the files every CERT_REFRESH_MS, so rotated client certificates and CAs apply to new
  // connections. Without a CA file, the system roots are the CA, as with createSsl.
  const identity = cert === '' ? null : new experimental.FileWatcherCertificateProvider({
    certificateFile: cert, privateKeyFile: key, refreshIntervalMs: CERT_REFRESH_MS,
  });
  const caProvider = tls.caFile
    ? new experimental.FileWatcherCertificateProvider({ caCertificateFile: tls.caFile, refreshIntervalMs: CERT_REFRESH_MS })
    : systemRootsProvider();
  const credentials = experimental.createCertificateProviderChannelCredentials(caProvider, identity,
    tls.skipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {});
  const options: ChannelOptions = tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {};
  return { credentials, options };
}

/** A CA provider that always offers Node's bundled root certificates. */
function systemRootsProvider(): experimental.CertificateProvider {
  const update = { caCertificate: Buffer.from(rootCertificates.join('\n')) };
  return {
    addCaCertificateListener: (listener) => listener(update),
    removeCaCertificateListener: () => {},
    addIdentityCertificateListener: (listener) => listener(null),
    removeIdentityCertificateListener: () => {},
  };
}
