// Built-in bearer-token auth for remote write (--receive.auth-config-file; beyond upstream, which needs a proxy in
// front): each token belongs to one tenant, so a request may only write as its own token's tenant.
//
//   tokens:
//     - tenant: team-a
//       token: "s3cret"            # or token_file: /etc/receive/team-a.token (read at start and on reload)
//
// Tokens are kept only as SHA-256 digests and compared through that digest, so neither a lookup's timing nor a
// memory dump gives a token away.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseYaml } from '../runtime/yaml-fields.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { tenantProblem } from './multitsdb.js';

export interface TokenAuth {
  /** The tenant a presented token belongs to, or undefined for an unknown token. */
  tenantOf(token: string): string | undefined;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function parseAuthConfig(text: string, source: string): TokenAuth {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`parse auth config ${source}: ${errorMessage(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(`${source}: expected a mapping with "tokens"`);
  for (const k of Object.keys(doc)) if (k !== 'tokens') throw new ConfigError(`${source}: unknown field ${k} (allowed: tokens)`);
  const tokens = (doc as { tokens?: unknown }).tokens;
  if (!Array.isArray(tokens) || tokens.length === 0) throw new ConfigError(`${source}: "tokens" must be a non-empty list`);
  const byDigest = new Map<string, string>();
  tokens.forEach((e: unknown, i) => {
    const where = `${source}: tokens[${i}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new ConfigError(`${where}: expected a mapping`);
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['tenant', 'token', 'token_file'].includes(k)) throw new ConfigError(`${where}: unknown field ${k} (allowed: tenant, token, token_file)`);
    if (typeof o.tenant !== 'string') throw new ConfigError(`${where}: "tenant" must be a string`);
    const bad = tenantProblem(o.tenant);
    if (bad) throw new ConfigError(`${where}: ${bad}`);
    if ((o.token === undefined) === (o.token_file === undefined)) throw new ConfigError(`${where}: give exactly one of "token" and "token_file"`);
    let token: string;
    if (o.token !== undefined) {
      if (typeof o.token !== 'string') throw new ConfigError(`${where}: "token" must be a string`);
      token = o.token;
    } else {
      if (typeof o.token_file !== 'string') throw new ConfigError(`${where}: "token_file" must be a path`);
      try {
        token = readFileSync(o.token_file, 'utf8').trim();
      } catch (err) {
        throw new ConfigError(`${where}: read token_file: ${errorMessage(err)}`);
      }
    }
    if (token.length < 8) throw new ConfigError(`${where}: the token is shorter than 8 characters`);
    const d = digest(token);
    const other = byDigest.get(d);
    if (other !== undefined && other !== o.tenant) throw new ConfigError(`${where}: the same token is also given to tenant ${other}`);
    byDigest.set(d, o.tenant);
  });
  return { tenantOf: (token) => byDigest.get(digest(token)) };
}

export function readAuthConfig(file: string): TokenAuth {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`read auth config ${file}: ${errorMessage(err)}`);
  }
  return parseAuthConfig(text, file);
}
