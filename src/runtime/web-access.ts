// Enforces a --http.config on a running HTTP server: basic auth against bcrypt hashes (results cached, bcrypt
// serialised as exporter-toolkit does), response headers, the rate limit, client-certificate policies that Node
// cannot enforce inside the handshake, and live reloads of the file (certificates included) without a restart.
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';
import { filesStamp } from './tls-files.js';
import { loadWebConfig, type WebConfig } from './web-config.js';

/** A server whose certificates can be swapped while it runs (https.Server, tls.Server). */
export interface SecureServer {
  setSecureContext(options: object): void;
  on(event: 'secureConnection', listener: (socket: TLSSocket) => void): unknown;
}

const AUTH_CACHE_SIZE = 1000;
const RELOAD_CHECK_MS = 1000;

export class WebAccess {
  private config: WebConfig;
  private stamp: string;
  private reloadTimer: NodeJS.Timeout | undefined;
  /** Outcome per sha256(user, hash, password): bcrypt is slow on purpose, and clients repeat the same header. */
  private readonly verdicts = new Map<string, boolean>();
  private bcryptQueue: Promise<unknown> = Promise.resolve();
  /** A hash to compare against for unknown users, so timing does not tell which users exist. */
  private decoyHash: string | undefined;
  private tokens = 0;
  private tokensAt = 0;

  constructor(private readonly file: string, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    this.config = loadWebConfig(file);
    this.stamp = this.fileStamp();
    this.tokens = this.config.rateLimit?.burst ?? 0;
    this.tokensAt = now();
  }

  /** The config the server starts with (its TLS part decides between HTTP and HTTPS for the process's life). */
  get initial(): WebConfig {
    return this.config;
  }

  /** Hooks the checks into `app`; `server` is the HTTPS server when TLS is on. */
  attach(app: FastifyInstance, server: SecureServer | undefined): void {
    server?.on('secureConnection', (socket) => this.checkClientCertificate(socket));
    this.reloadTimer = setInterval(() => this.reloadIfChanged(server), RELOAD_CHECK_MS);
    this.reloadTimer.unref();
    app.addHook('onRequest', async (req, reply) => {
      const c = this.config;
      for (const [name, value] of Object.entries(c.headers)) reply.header(name, value);
      if (!this.takeToken()) return reply.code(429).type('text/plain; charset=utf-8').send('Too Many Requests\n');
      if (c.users.size > 0 && !(await this.authorized(req))) return this.unauthorized(reply);
      return undefined;
    });
  }

  close(): void {
    clearInterval(this.reloadTimer);
  }

  private unauthorized(reply: FastifyReply): FastifyReply {
    return reply.code(401).header('WWW-Authenticate', 'Basic').type('text/plain; charset=utf-8').send('Unauthorized\n');
  }

  private async authorized(req: FastifyRequest): Promise<boolean> {
    const header = req.headers.authorization;
    if (!header || !/^basic /i.test(header)) return false;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.config.users.get(user);
    const compareWith = hash ?? (this.decoyHash ??= bcrypt.hashSync('decoy password', 10));
    const key = createHash('sha256').update(user).update('\0').update(compareWith).update('\0').update(password).digest('hex');
    let ok = this.verdicts.get(key);
    if (ok === undefined) {
      // One bcrypt at a time: each costs tens of milliseconds of CPU by design.
      const run = this.bcryptQueue.then(() => bcrypt.compare(password, compareWith));
      this.bcryptQueue = run.catch(() => undefined);
      ok = (await run) && hash !== undefined;
      if (this.verdicts.size >= AUTH_CACHE_SIZE) this.verdicts.delete(this.verdicts.keys().next().value as string);
      this.verdicts.set(key, ok);
    }
    return ok;
  }

  /** Token bucket of rate_limit: `burst` requests, refilled one per `interval`. */
  private takeToken(): boolean {
    const limit = this.config.rateLimit;
    if (!limit) return true;
    const t = this.now();
    const refill = Math.floor((t - this.tokensAt) / limit.intervalMs);
    if (refill > 0) {
      this.tokens = Math.min(limit.burst, this.tokens + refill);
      this.tokensAt += refill * limit.intervalMs;
    }
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }

  /** The policies Node's handshake leaves to us: a certificate required but not verified, verified if given, SANs. */
  private checkClientCertificate(socket: TLSSocket): void {
    const tls = this.config.tls;
    if (!tls) return;
    const cert = socket.getPeerCertificate();
    const presented = cert !== null && Object.keys(cert).length > 0;
    let refusal: string | undefined;
    if (!presented && tls.clientAuth === 'RequireAnyClientCert') refusal = 'no client certificate';
    else if (presented && tls.clientAuth === 'VerifyClientCertIfGiven' && !socket.authorized) {
      refusal = `client certificate not verified: ${String(socket.authorizationError)}`;
    } else if (tls.clientAllowedSans) {
      const sans = (cert.subjectaltname ?? '').split(', ').map((s) => s.slice(s.indexOf(':') + 1));
      if (!sans.some((s) => tls.clientAllowedSans?.includes(s))) refusal = 'no allowed SAN in the client certificate';
    }
    if (refusal) {
      this.logger.warn('refused an HTTPS connection', { component: 'http', remote: socket.remoteAddress, reason: refusal });
      socket.destroy();
    }
  }

  /** Changes when the config file or a certificate, key or CA file it names is replaced or edited. */
  private fileStamp(): string {
    return filesStamp([this.file, ...(this.config.tls?.files ?? [])]);
  }

  /** Picks up edited files (checked every second); a bad edit is logged and the last good config kept. */
  private reloadIfChanged(server: SecureServer | undefined): void {
    const stamp = this.fileStamp();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      const next = loadWebConfig(this.file);
      if ((next.tls === undefined) !== (this.config.tls === undefined)) {
        this.logger.warn('--http.config: turning TLS on or off needs a restart; keeping the current transport', { component: 'http', file: this.file });
      }
      if (next.tls && server) server.setSecureContext(next.tls.secureContext);
      this.config = next.tls || !this.config.tls ? next : { ...next, tls: this.config.tls };
      this.verdicts.clear();
      this.logger.info('reloaded --http.config', { component: 'http', file: this.file });
    } catch (err) {
      this.logger.error('--http.config reload failed; keeping the last good config', { component: 'http', file: this.file, err: errorMessage(err) });
    }
  }
}
