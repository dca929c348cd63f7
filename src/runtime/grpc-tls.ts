// gRPC transport credentials from the upstream flags: server TLS from --grpc-server-tls-cert/-key/-client-ca
// (mTLS when a client CA is given) and client TLS from the querier's --grpc-client-tls-* flags.

import { readFileSync } from 'node:fs';
import { ChannelCredentials, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { ConfigError, errorMessage } from './errors.js';
import { TLS_VERSIONS } from './flag-values.js';

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

/** grpc-js's createSsl has no minimum-version knob; this carries its options plus minVersion to the TLS server. */
class MinVersionServerCredentials extends ServerCredentials {
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
export function serverCredentials(tls: Partial<ServerTlsOptions> | undefined): ServerCredentials {
  const cert = tls?.certFile ?? '';
  const key = tls?.keyFile ?? '';
  const ca = tls?.clientCaFile ?? '';
  if (cert === '' && key === '') {
    if (ca !== '') throw new ConfigError('a client CA needs a server certificate and key', { where: '--grpc-server-tls-client-ca' });
    return ServerCredentials.createInsecure();
  }
  if (cert === '') throw new ConfigError('a key needs a certificate too', { where: '--grpc-server-tls-cert' });
  if (key === '') throw new ConfigError('a certificate needs a key too', { where: '--grpc-server-tls-key' });
  const pair = { cert_chain: readPem(cert, '--grpc-server-tls-cert'), private_key: readPem(key, '--grpc-server-tls-key') };
  const rootCerts = ca === '' ? null : readPem(ca, '--grpc-server-tls-client-ca');
  const ssl = ServerCredentials.createSsl(rootCerts, [pair], rootCerts !== null);
  if (tls?.minVersion === undefined) return ssl;
  const minVersion = TLS_VERSIONS[tls.minVersion];
  if (minVersion === undefined) throw new ConfigError(`unknown TLS version ${JSON.stringify(tls.minVersion)}; want one of ${Object.keys(TLS_VERSIONS).join(', ')}`, { where: '--grpc-server-tls-min-version' });
  return new MinVersionServerCredentials(ssl._getConstructorOptions(), { ...ssl._getSecureContextOptions(), minVersion });
}

/** Client credentials plus the channel options that go with them (server-name override). */
export function clientCredentials(tls: ClientTlsOptions | undefined): { credentials: ChannelCredentials; options: ChannelOptions } {
  if (!tls?.secure) return { credentials: ChannelCredentials.createInsecure(), options: {} };
  const cert = tls.certFile ?? '';
  const key = tls.keyFile ?? '';
  if ((cert === '') !== (key === '')) {
    throw new ConfigError('client certificate and key must be given together', { where: cert === '' ? '--grpc-client-tls-cert' : '--grpc-client-tls-key' });
  }
  const ca = tls.caFile ? readPem(tls.caFile, '--grpc-client-tls-ca') : null;
  const credentials = ChannelCredentials.createSsl(
    ca,
    key === '' ? null : readPem(key, '--grpc-client-tls-key'),
    cert === '' ? null : readPem(cert, '--grpc-client-tls-cert'),
    tls.skipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
  );
  const options: ChannelOptions = tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {};
  return { credentials, options };
}
