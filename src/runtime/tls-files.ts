// Certificate, key and CA files of a TLS server, re-read when they change: one stat per file every second, a read
// only when one changed. Used by the gRPC server, the remote-write listener and the --http.config watcher.

import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { errorMessage } from './errors.js';
import { filesStamp } from './file-stamp.js';

/** How often certificate files are checked for a change (a stat each; files are read only when they changed). */
export const CERT_REFRESH_MS = 1000;

/**
 * Watches `files`; when they change, `load` reads them into secure context options, which are checked as a whole
 * (a key that does not match its certificate, broken PEM) before `apply` gets them. A half-written or mismatched
 * rotation is reported through `onError` and the previous certificate stays in use, so connections never fail
 * for it; the next check tries again (e.g. once the second file of a pair is written).
 */
export class TlsFilesWatcher {
  private timer: NodeJS.Timeout | undefined;
  private stamp: string;

  constructor(
    private readonly what: string,
    private readonly files: readonly string[],
    private readonly load: () => SecureContextOptions,
    private readonly apply: (options: SecureContextOptions) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.stamp = filesStamp(files);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.check(), CERT_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check: applies the files if they changed and are usable. Returns whether new options were applied. */
  check(): boolean {
    const stamp = filesStamp(this.files);
    if (stamp === this.stamp) return false;
    let next: SecureContextOptions;
    try {
      next = this.load();
      createSecureContext(next);
    } catch (err) {
      this.onError(`${this.what} TLS files changed but cannot be used, keeping the previous certificate: ${errorMessage(err)}`);
      return false;
    }
    this.stamp = stamp;
    this.apply(next);
    return true;
  }
}
