// Certificates made in the test with the openssl CLI: a CA, and server or client certificates it signs (servers
// valid for localhost and 127.0.0.1). Files land in the given directory as <name>.crt / <name>.key.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** A self-signed CA named `name` in `dir`. */
export function makeCa(dir: string, name: string): CertFiles {
  const f = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f.key, '-out', f.cert, '-days', '2', '-subj', `/CN=${name}`);
  return f;
}

/** A certificate `name` signed by `ca`; a server one carries localhost/127.0.0.1 as SANs. */
export function issueCert(dir: string, ca: CertFiles, name: string, kind: 'server' | 'client'): CertFiles {
  const f = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f.key, '-out', csr, '-subj', `/CN=${name}`);
  const ext: string[] = [];
  if (kind === 'server') {
    const extFile = path.join(dir, `${name}.ext`);
    writeFileSync(extFile, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    ext.push('-extfile', extFile);
  }
  openssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', f.cert, '-days', '2', ...ext);
  return f;
}
