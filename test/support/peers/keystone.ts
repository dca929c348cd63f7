// Launches a real OpenStack Keystone (Debian python3-keystone 22, Identity API v3) on a free 127.0.0.1 port over
// sqlite with fernet tokens, served by its own WSGI script; then, as the bootstrap admin, creates what a Thanos
// Swift user needs: a project, a user with the member role on it, and a `swift` service for Swift's authtoken
// middleware. Keystone 22 has no v2.0 API (removed upstream in Queens), so v2 auth keeps its stand-in.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PeerProcess } from './process.js';
import { freePort, requireCommand, spawnPeer, waitForHttp } from './process.js';

const execFileAsync = promisify(execFile);

export interface KeystoneServer {
  /** http://127.0.0.1:PORT/v3, for auth_url. */
  readonly authUrl: string;
  /** The service user Swift's authtoken middleware validates tokens with. */
  readonly service: { readonly user: string; readonly password: string; readonly project: string };
  /** Creates a project and a user with the member role on it. */
  addUser(user: string, password: string, project: string): Promise<{ projectId: string }>;
  /** Registers the public object-store endpoint (`url` may hold `$(project_id)s`) in `region`. */
  addObjectStore(url: string, region: string): Promise<void>;
  readonly process: PeerProcess;
  stop(): Promise<void>;
}

const ADMIN_PASSWORD = 'keystone-admin';

export async function startKeystone(dataDir: string): Promise<KeystoneServer> {
  requireCommand('keystone-manage', 'OpenStack Keystone (Debian package python3-keystone)');
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const conf = path.join(dataDir, 'keystone.conf');
  writeFileSync(conf, [
    '[DEFAULT]', `log_dir = ${dataDir}`,
    // sqlite waits for a lock instead of failing at once ("database is locked" under load).
    '[database]', `connection = sqlite:///${path.join(dataDir, 'keystone.db')}?timeout=30`,
    '[token]', 'provider = fernet', 'expiration = 3600',
    '[fernet_tokens]', `key_repository = ${path.join(dataDir, 'fernet-keys')}`,
    '[fernet_receipts]', `key_repository = ${path.join(dataDir, 'fernet-receipts')}`,
    '[credential]', `key_repository = ${path.join(dataDir, 'credential-keys')}`, '',
  ].join('\n'));
  const manage = (...args: string[]): Promise<unknown> => execFileAsync('keystone-manage', ['--config-file', conf, ...args], { cwd: dataDir });
  await manage('db_sync');
  await manage('fernet_setup', '--keystone-user', 'root', '--keystone-group', 'root');
  await manage('credential_setup', '--keystone-user', 'root', '--keystone-group', 'root');
  await manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD, '--bootstrap-region-id', 'RegionOne',
    '--bootstrap-admin-url', `${base}/v3`, '--bootstrap-public-url', `${base}/v3`, '--bootstrap-internal-url', `${base}/v3`);
  const proc = spawnPeer('keystone', 'keystone-wsgi-public', ['--host', '127.0.0.1', '--port', String(port)], {
    logDir: dataDir, env: { ...process.env, OS_KEYSTONE_CONFIG_FILES: conf },
  });
  try {
    await waitForHttp(`${base}/v3`, proc, 60_000, (st) => st === 200);
    const token = await adminToken(base);
    const api = async (method: string, p: string, body?: unknown): Promise<Record<string, unknown>> => {
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${base}/v3${p}`, {
          method, headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        // A 500 here has been sqlite's "database is locked" on a loaded machine: the write is tried again.
        if (res.status === 500 && attempt < 5) continue;
        if (res.status >= 300) throw new Error(`keystone ${method} ${p}: HTTP ${res.status} ${text}`);
        return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      }
    };
    const idOf = (o: Record<string, unknown>, key: string): string => (o[key] as { id: string }).id;
    const roles = (await api('GET', '/roles?name=member'))['roles'] as { id: string }[];
    const member = roles[0]?.id;
    if (member === undefined) throw new Error('keystone bootstrap made no member role');
    const addUser = async (user: string, password: string, project: string): Promise<{ projectId: string }> => {
      const projectId = idOf(await api('POST', '/projects', { project: { name: project, domain_id: 'default' } }), 'project');
      const userId = idOf(await api('POST', '/users', { user: { name: user, password, domain_id: 'default', default_project_id: projectId } }), 'user');
      await api('PUT', `/projects/${projectId}/users/${userId}/roles/${member}`);
      return { projectId };
    };
    const service = { user: 'swift', password: 'swift-service', project: 'service' };
    const { projectId: serviceProject } = await addUser(service.user, service.password, service.project);
    const admins = (await api('GET', '/roles?name=admin'))['roles'] as { id: string }[];
    const users = (await api('GET', `/users?name=${service.user}`))['users'] as { id: string }[];
    await api('PUT', `/projects/${serviceProject}/users/${users[0]!.id}/roles/${admins[0]!.id}`);
    return {
      authUrl: `${base}/v3`, service, addUser, process: proc,
      async addObjectStore(url, region) {
        const serviceId = idOf(await api('POST', '/services', { service: { type: 'object-store', name: 'swift' } }), 'service');
        await api('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: 'public', url, region_id: region } });
      },
      stop: () => proc.stop(),
    };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

async function adminToken(base: string): Promise<string> {
  const res = await fetch(`${base}/v3/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    } }),
  });
  await res.arrayBuffer();
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || token === null) throw new Error(`keystone admin login: HTTP ${res.status}`);
  return token;
}
