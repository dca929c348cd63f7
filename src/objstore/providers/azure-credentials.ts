// Azure AD tokens without @azure/identity: service principal secrets, workload identity (federated token file) and
// managed identity (IMDS, optionally user-assigned), tried in upstream's order when no key is configured.
import { readFile } from 'node:fs/promises';
import { UnavailableError } from '../../runtime/errors.js';
import { bodyText, httpRequest } from './http-request.js';

/** Structural twin of @azure/core-auth TokenCredential. */
export interface AzureTokenCredential {
  getToken(scopes: string | string[], options?: { abortSignal?: AbortSignal }): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

interface TokenJson { access_token?: unknown; expires_in?: unknown; expires_on?: unknown }

async function tokenFrom(what: string, res: Awaited<ReturnType<typeof httpRequest>>): Promise<{ token: string; expiresOnTimestamp: number }> {
  const text = await bodyText(res);
  if (res.status !== 200) throw new UnavailableError(`azure ${what} token request answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  const j = JSON.parse(text) as TokenJson;
  if (typeof j.access_token !== 'string') throw new UnavailableError(`azure ${what} token response has no access_token`);
  const expiresOn = Number(j.expires_on);
  const expiresIn = Number(j.expires_in);
  const expiresOnTimestamp = Number.isFinite(expiresOn) && expiresOn > 0 ? expiresOn * 1000 : Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000;
  return { token: j.access_token, expiresOnTimestamp };
}

const scopeOf = (scopes: string | string[]): string => (Array.isArray(scopes) ? scopes[0] ?? '' : scopes);

/** Client-credentials flow with a secret or a federated assertion (workload identity). */
function clientCredential(tenant: string, clientId: string, secret: () => Promise<Record<string, string>>): AzureTokenCredential {
  return {
    async getToken(scopes, options) {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope: scopeOf(scopes), ...(await secret()) });
      const host = process.env['AZURE_AUTHORITY_HOST'] ?? 'https://login.microsoftonline.com';
      const res = await httpRequest({
        method: 'POST', url: `${host.replace(/\/$/, '')}/${tenant}/oauth2/v2.0/token`, body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' }, signal: options?.abortSignal, timeoutMs: 30_000,
      });
      return tokenFrom('client credentials', res);
    },
  };
}

export function servicePrincipalCredential(tenant: string, clientId: string, clientSecret: string): AzureTokenCredential {
  return clientCredential(tenant, clientId, async () => ({ client_secret: clientSecret }));
}

/** Managed identity through the instance metadata service; `clientId` selects a user-assigned identity. */
export function managedIdentityCredential(clientId: string, resource: string): AzureTokenCredential {
  return {
    async getToken(scopes, options) {
      const res0 = resource !== '' ? resource : scopeOf(scopes).replace(/\/\.default$/, '');
      const q = new URLSearchParams({ 'api-version': '2018-02-01', resource: res0, ...(clientId !== '' ? { client_id: clientId } : {}) });
      const res = await httpRequest({
        method: 'GET', url: `http://169.254.169.254/metadata/identity/oauth2/token?${q.toString()}`, headers: { Metadata: 'true' },
        signal: options?.abortSignal, timeoutMs: 10_000,
      });
      return tokenFrom('managed identity', res);
    },
  };
}

/** Environment (secret) → workload identity → managed identity, as upstream's default chain (minus the Azure CLI). */
export function defaultAzureCredential(userAssignedId: string, resource: string): AzureTokenCredential {
  const env = process.env;
  const tenant = env['AZURE_TENANT_ID'] ?? '';
  const clientId = env['AZURE_CLIENT_ID'] ?? '';
  if (tenant !== '' && clientId !== '' && (env['AZURE_CLIENT_SECRET'] ?? '') !== '') {
    return servicePrincipalCredential(tenant, clientId, env['AZURE_CLIENT_SECRET'] ?? '');
  }
  const tokenFile = env['AZURE_FEDERATED_TOKEN_FILE'] ?? '';
  if (tenant !== '' && clientId !== '' && tokenFile !== '') {
    return clientCredential(tenant, userAssignedId !== '' ? userAssignedId : clientId, async () => ({
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: (await readFile(tokenFile, 'utf8')).trim(),
    }));
  }
  return managedIdentityCredential(userAssignedId, resource);
}
