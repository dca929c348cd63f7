// TLS for an HTTPS listener from upstream's server TLS flags (pkg/tls NewServerConfig, e.g. receive's
// --remote-write.server-tls-*): certificate and key, a client CA that makes client certificates required and
// verified, a minimum version, Go-named cipher suites and curves. The files are re-read when they change.

import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { ConfigError, errorMessage } from './errors.js';
import { TLS_VERSIONS } from './flag-values.js';
import { TlsFilesWatcher } from './tls-files.js';
import { GO_CIPHER_NAMES, GO_CURVE_NAMES, opensslCiphers, opensslCurves } from './tls-names.js';

export interface TlsServerFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, clients must present a certificate signed by this CA (Go's RequireAndVerifyClientCert). */
  readonly clientCaFile?: string | undefined;
  /** As upstream writes it: "1.0" … "1.3"; upstream's default is 1.3. */
  readonly minVersion?: string | undefined;
  /** Go cipher suite names (restrict TLS 1.0–1.2 only, as in Go); none = Node's defaults. */
  readonly ciphers?: readonly string[] | undefined;
  /** Go curve names: CurveP256, CurveP384, CurveP521, X25519. */
  readonly curves?: readonly string[] | undefined;
}

/** Something whose certificate can be swapped while it serves: Node's tls.Server and https.Server. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

/**
 * The flags' TLS, checked at once: an unknown version, cipher or curve, or an unreadable file, is a ConfigError
 * naming its flag (`flagPrefix` is e.g. "--remote-write.server-tls").
 */
export class TlsServerFileConfig {
  private readonly fixed: SecureContextOptions;
  private readonly files: string[];

  constructor(private readonly o: TlsServerFiles, private readonly flagPrefix: string) {
    const minVersion = o.minVersion === undefined ? undefined : TLS_VERSIONS[o.minVersion];
    if (o.minVersion !== undefined && minVersion === undefined) {
      throw new ConfigError(`invalid TLS version: ${o.minVersion}, valid values are ${Object.keys(TLS_VERSIONS).join(', ')}`, { where: `${flagPrefix}-min-version` });
    }
    const ciphers = opensslCiphers(o.ciphers ?? [], (name) => {
      throw new ConfigError(`invalid cipher suite: ${name}, valid values are ${GO_CIPHER_NAMES.join(', ')}`, { where: `${flagPrefix}-ciphers` });
    });
    const curves = opensslCurves(o.curves ?? [], (name) => {
      throw new ConfigError(`invalid curve: ${name}, valid values are ${GO_CURVE_NAMES.join(', ')}`, { where: `${flagPrefix}-curves` });
    });
    this.fixed = {
      ...(minVersion !== undefined ? { minVersion } : {}),
      ...(ciphers !== undefined ? { ciphers } : {}),
      ...(curves !== undefined ? { ecdhCurve: curves } : {}),
    };
    this.files = [o.certFile, o.keyFile, ...(o.clientCaFile ? [o.clientCaFile] : [])];
  }

  /** The secure context as the files are now. */
  secureContext(): SecureContextOptions {
    const read = (file: string, flag: string): Buffer => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new ConfigError(`read ${file}: ${errorMessage(err)}`, { where: `${this.flagPrefix}-${flag}`, cause: err });
      }
    };
    return {
      ...this.fixed,
      cert: read(this.o.certFile, 'cert'),
      key: read(this.o.keyFile, 'key'),
      ...(this.o.clientCaFile ? { ca: read(this.o.clientCaFile, 'client-ca') } : {}),
    };
  }

  /** Options for tls/https.createServer. */
  serverOptions(): TlsOptions {
    return { ...this.secureContext(), ...(this.o.clientCaFile ? { requestCert: true, rejectUnauthorized: true } : {}) };
  }

  /** Re-reads the files into `server` when they change (started; stop it when the server closes). */
  watch(server: SecureContextTarget, what: string, onError: (message: string) => void): TlsFilesWatcher {
    const w = new TlsFilesWatcher(what, this.files, () => this.secureContext(), (next) => server.setSecureContext(next), onError);
    w.start();
    return w;
  }
}
