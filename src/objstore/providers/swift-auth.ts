// OpenStack Swift authentication (as ncw/swift does for upstream): v1 tempauth/swauth, Keystone v2 password and
// Keystone v3 password or application credential. Yields the storage URL and token, and the token's expiry if known.
import { ConfigError, ThanosError, UnavailableError, errorMessage } from '../../runtime/errors.js';
import type { Agents } from './http-config.js';
import { bodyText, discard, header, httpRequest } from './http-request.js';

export interface SwiftAuthConfig {
  readonly authVersion: number;
  readonly authUrl: string;
  readonly username: string;
  readonly userId: string;
  /** Never logged. */
  readonly password: string;
  readonly domainName: string;
  readonly domainId: string;
  readonly projectName: string;
  readonly projectId: string;
  readonly projectDomainName: string;
  readonly projectDomainId: string;
  readonly applicationCredentialId: string;
  readonly applicationCredentialName: string;
  /** Never logged. */
  readonly applicationCredentialSecret: string;
  readonly regionName: string;
}

export interface SwiftSession {
  readonly storageUrl: string;
  readonly token: string;
  /** ms since epoch, or undefined when the server did not say. */
  readonly expiresAt: number | undefined;
}

/** auth_version 0 picks the version from the URL, as ncw/swift does. */
export function authVersionOf(cfg: SwiftAuthConfig): 1 | 2 | 3 {
  if (cfg.authVersion === 1 || cfg.authVersion === 2 || cfg.authVersion === 3) return cfg.authVersion;
  if (cfg.authUrl.includes('v3')) return 3;
  if (cfg.authUrl.includes('v2')) return 2;
  return 1;
}

export async function swiftAuthenticate(cfg: SwiftAuthConfig, agents: Agents, timeoutMs: number, signal?: AbortSignal): Promise<SwiftSession> {
  try {
    switch (authVersionOf(cfg)) {
      case 1: return await authV1(cfg, agents, timeoutMs, signal);
      case 2: return await authV2(cfg, agents, timeoutMs, signal);
      case 3: return await authV3(cfg, agents, timeoutMs, signal);
    }
  } catch (err) {
    // A bare "getaddrinfo ENOTFOUND" does not say it was the Keystone/auth URL of the objstore config that failed.
    // Errors that already name the auth URL (answers from Keystone) pass as they are.
    if (signal?.aborted || (err instanceof ThanosError && (!(err instanceof UnavailableError) || err.message.includes(cfg.authUrl)))) throw err;
    throw new UnavailableError(`swift auth: cannot reach auth_url ${cfg.authUrl} (from the objstore config): ${errorMessage(err)}`, { cause: err });
  }
}

async function authV1(cfg: SwiftAuthConfig, agents: Agents, timeoutMs: number, signal?: AbortSignal): Promise<SwiftSession> {
  const res = await httpRequest({
    method: 'GET', url: cfg.authUrl, agents, signal, timeoutMs,
    headers: { 'X-Auth-User': cfg.username, 'X-Auth-Key': cfg.password },
  });
  discard(res);
  const storageUrl = header(res, 'x-storage-url');
  const token = header(res, 'x-auth-token');
  if (res.status < 200 || res.status >= 300 || !storageUrl || !token) {
    throw authError(`swift v1 auth at ${cfg.authUrl} answered HTTP ${res.status}`, res.status);
  }
  const ttl = Number(header(res, 'x-auth-token-expires'));
  return { storageUrl, token, expiresAt: Number.isFinite(ttl) && ttl > 0 ? Date.now() + ttl * 1000 : undefined };
}

interface CatalogEndpoint { region?: string; region_id?: string; interface?: string; url?: string; publicURL?: string }
interface CatalogEntry { type?: string; endpoints?: CatalogEndpoint[] }

function pickEndpoint(catalog: CatalogEntry[] | undefined, region: string, v3: boolean, authUrl: string): string {
  for (const entry of catalog ?? []) {
    if (entry.type !== 'object-store') continue;
    for (const ep of entry.endpoints ?? []) {
      if (v3 && ep.interface !== 'public') continue;
      if (region !== '' && ep.region !== region && ep.region_id !== region) continue;
      const url = v3 ? ep.url : ep.publicURL;
      if (url) return url;
    }
  }
  throw new ConfigError(`keystone at ${authUrl} lists no public object-store endpoint${region !== '' ? ` in region ${region}` : ''}`);
}

async function authV2(cfg: SwiftAuthConfig, agents: Agents, timeoutMs: number, signal?: AbortSignal): Promise<SwiftSession> {
  const url = cfg.authUrl.replace(/\/+$/, '') + '/tokens';
  const body = JSON.stringify({
    auth: {
      passwordCredentials: { username: cfg.username, password: cfg.password },
      ...(cfg.projectId !== '' ? { tenantId: cfg.projectId } : cfg.projectName !== '' ? { tenantName: cfg.projectName } : {}),
    },
  });
  const res = await httpRequest({ method: 'POST', url, body, agents, signal, timeoutMs, headers: { 'content-type': 'application/json', accept: 'application/json' } });
  const text = await bodyText(res);
  if (res.status < 200 || res.status >= 300) throw authError(`keystone v2 auth at ${url} answered HTTP ${res.status}`, res.status);
  const j = JSON.parse(text) as { access?: { token?: { id?: string; expires?: string }; serviceCatalog?: CatalogEntry[] } };
  const token = j.access?.token?.id;
  if (!token) throw new UnavailableError(`keystone v2 auth at ${url} returned no token`);
  const exp = j.access?.token?.expires ? Date.parse(j.access.token.expires) : NaN;
  return { storageUrl: pickEndpoint(j.access?.serviceCatalog, cfg.regionName, false, url), token, expiresAt: Number.isFinite(exp) ? exp : undefined };
}

async function authV3(cfg: SwiftAuthConfig, agents: Agents, timeoutMs: number, signal?: AbortSignal): Promise<SwiftSession> {
  const base = cfg.authUrl.replace(/\/+$/, '');
  const url = base + '/auth/tokens';
  const domain = cfg.domainId !== '' ? { id: cfg.domainId } : cfg.domainName !== '' ? { name: cfg.domainName } : undefined;
  let identity: Record<string, unknown>;
  // Application credentials carry their own project scope; sending a scope too is an error in Keystone.
  const appCredential = cfg.applicationCredentialId !== '' || cfg.applicationCredentialName !== '';
  if (appCredential) {
    identity = {
      methods: ['application_credential'],
      application_credential: cfg.applicationCredentialId !== ''
        ? { id: cfg.applicationCredentialId, secret: cfg.applicationCredentialSecret }
        : { name: cfg.applicationCredentialName, secret: cfg.applicationCredentialSecret, user: userOf(cfg, domain) },
    };
  } else {
    identity = { methods: ['password'], password: { user: { ...userOf(cfg, domain), password: cfg.password } } };
  }
  let scope: Record<string, unknown> | undefined;
  if (cfg.projectId !== '') scope = { project: { id: cfg.projectId } };
  else if (cfg.projectName !== '') {
    const pd = cfg.projectDomainId !== '' ? { id: cfg.projectDomainId } : cfg.projectDomainName !== '' ? { name: cfg.projectDomainName } : domain;
    scope = { project: { name: cfg.projectName, ...(pd ? { domain: pd } : {}) } };
  }
  const body = JSON.stringify({ auth: { identity, ...(scope && !appCredential ? { scope } : {}) } });
  const res = await httpRequest({ method: 'POST', url, body, agents, signal, timeoutMs, headers: { 'content-type': 'application/json', accept: 'application/json' } });
  const text = await bodyText(res);
  if (res.status < 200 || res.status >= 300) throw authError(`keystone v3 auth at ${url} answered HTTP ${res.status}`, res.status);
  const token = header(res, 'x-subject-token');
  if (!token) throw new UnavailableError(`keystone v3 auth at ${url} returned no X-Subject-Token`);
  const j = JSON.parse(text) as { token?: { expires_at?: string; catalog?: CatalogEntry[] } };
  const exp = j.token?.expires_at ? Date.parse(j.token.expires_at) : NaN;
  return { storageUrl: pickEndpoint(j.token?.catalog, cfg.regionName, true, url), token, expiresAt: Number.isFinite(exp) ? exp : undefined };
}

function userOf(cfg: SwiftAuthConfig, domain: { id: string } | { name: string } | undefined): Record<string, unknown> {
  if (cfg.userId !== '') return { id: cfg.userId };
  return { name: cfg.username, ...(domain ? { domain } : {}) };
}

function authError(msg: string, status: number): Error {
  // Wrong credentials will not get better by retrying; anything else might.
  return status === 401 || status === 403 ? new ConfigError(`${msg}: check the credentials (username/password or application credential) next to auth_url in the objstore config`) : new UnavailableError(msg);
}
