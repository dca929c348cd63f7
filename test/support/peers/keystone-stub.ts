// A minimal Keystone identity endpoint for what the real Keystone (keystone.ts) cannot do on demand: v2.0 auth
// (`POST /v2.0/tokens`; Keystone 22 has no v2.0 API), a token that expires within a test, a first token the storage
// refuses, and counting auth attempts. It checks password auth requests the way Keystone does and answers with a
// token and a catalog pointing at a real Swift, whose tempauth token it hands out: only the identity service is a
// stand-in.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeystoneStubOptions {
  readonly user: string;
  readonly password: string;
  readonly userDomain: string;
  readonly project: string;
  readonly region: string;
  /** Produces the storage URL and token to hand out (e.g. a tempauth login against the real Swift). */
  readonly issue: () => Promise<{ storageUrl: string; token: string }>;
  /** Token lifetime in ms. */
  readonly ttlMs?: number;
  /** Tokens handed out before the real one (e.g. `['bogus']` to force a 401 and a re-auth). */
  readonly firstTokens?: string[];
}

export interface KeystoneStub {
  /** Auth URL ending in /v3, for the SWIFT config's auth_url. */
  readonly authUrl: string;
  /** Auth URL ending in /v2.0. */
  readonly authUrlV2: string;
  /** How many token requests were answered with 201. */
  issued(): number;
  /** Request bodies that were rejected, with the reason. */
  readonly rejected: string[];
  close(): Promise<void>;
}

interface V2Body {
  auth?: { passwordCredentials?: { username?: string; password?: string }; tenantName?: string };
}

interface AuthBody {
  auth?: {
    identity?: { methods?: string[]; password?: { user?: { name?: string; password?: string; domain?: { name?: string } } } };
    scope?: { project?: { name?: string; domain?: { name?: string } } };
  };
}

export async function startKeystoneStub(o: KeystoneStubOptions): Promise<KeystoneStub> {
  let count = 0;
  const pending = [...(o.firstTokens ?? [])];
  const rejected: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method === 'POST' && req.url === '/v2.0/tokens') {
          await answerV2(Buffer.concat(chunks), res);
          return;
        }
        if (req.method !== 'POST' || req.url !== '/v3/auth/tokens') {
          res.writeHead(404).end();
          return;
        }
        let body: AuthBody;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AuthBody;
        } catch {
          res.writeHead(400).end();
          return;
        }
        const id = body.auth?.identity;
        const user = id?.password?.user;
        const project = body.auth?.scope?.project;
        const why = !id?.methods?.includes('password') ? 'methods lacks password'
          : user?.name !== o.user || user.password !== o.password ? 'wrong user or password'
            : user.domain?.name !== o.userDomain ? 'wrong user domain'
              : project?.name !== o.project ? 'wrong project scope' : '';
        if (why !== '') {
          rejected.push(why);
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 401, message: why } }));
          return;
        }
        const real = await o.issue();
        const token = pending.shift() ?? real.token;
        count++;
        const expires = new Date(Date.now() + (o.ttlMs ?? 3_600_000)).toISOString();
        res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': token }).end(JSON.stringify({
          token: {
            expires_at: expires, methods: ['password'],
            catalog: [
              { type: 'identity', endpoints: [{ interface: 'public', region: o.region, url: `http://127.0.0.1:1/v3` }] },
              { type: 'object-store', endpoints: [
                { interface: 'internal', region: o.region, url: 'http://127.0.0.1:1/wrong-interface' },
                { interface: 'public', region: 'OtherRegion', url: 'http://127.0.0.1:1/wrong-region' },
                { interface: 'public', region: o.region, url: real.storageUrl },
              ] },
            ],
          },
        }));
      })();
    });
  });
  async function answerV2(raw: Buffer, res: http.ServerResponse): Promise<void> {
    const body = JSON.parse(raw.toString('utf8')) as V2Body;
    const c = body.auth?.passwordCredentials;
    if (c?.username !== o.user || c.password !== o.password || body.auth?.tenantName !== o.project) {
      rejected.push('v2: wrong credentials or tenant');
      res.writeHead(401).end();
      return;
    }
    const real = await o.issue();
    count++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      access: {
        token: { id: pending.shift() ?? real.token, expires: new Date(Date.now() + (o.ttlMs ?? 3_600_000)).toISOString() },
        serviceCatalog: [{ type: 'object-store', endpoints: [
          { region: 'OtherRegion', publicURL: 'http://127.0.0.1:1/wrong-region' },
          { region: o.region, publicURL: real.storageUrl },
        ] }],
      },
    }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    authUrl: `http://127.0.0.1:${port}/v3`,
    authUrlV2: `http://127.0.0.1:${port}/v2.0`,
    issued: () => count,
    rejected,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
