// Launches a single-node OpenStack Swift ("Swift All In One", Debian swift 2.30) on free 127.0.0.1 ports: memcached
// for tempauth tokens, object/container/account servers with 1-replica rings, and a proxy with tempauth and s3api.
// Auth: v1 tempauth `test:tester` / `testing`; S3: access key `test:tester`, secret `testing`, path style. Given a
// real Keystone (keystone.ts), the proxy also takes Keystone tokens (authtoken + keystoneauth, accounts KEY_<project>).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { userInfo } from 'node:os';
import type { PeerProcess } from './process.js';
import { freePort, requireCommand, spawnPeer, stopAll, waitForHttp, waitForTcp } from './process.js';
import { startMemcached } from './memcached.js';

export interface SwiftServer {
  /** http://127.0.0.1:PORT: the proxy, which also serves the S3 API. */
  readonly proxyUrl: string;
  /** v1 auth URL for the SWIFT config's `auth_url`. */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  /** host:port for the S3 config's `endpoint`. */
  readonly s3Endpoint: string;
  /** Logs in with tempauth: the storage URL and token (for test set-up such as creating containers). */
  login(): Promise<{ storageUrl: string; token: string }>;
  createContainer(name: string): Promise<void>;
  stop(): Promise<void>;
}

const SERVICES = ['object', 'container', 'account'] as const;
const execFileAsync = promisify(execFile);
/** The interpreter Debian's swift packages are installed for (not a pyenv one). */
const SWIFT_PYTHON = '/usr/bin/python3';

export interface SwiftOptions {
  /** A running Keystone whose tokens the proxy accepts too, for accounts `KEY_<project id>`. */
  readonly keystone?: { readonly authUrl: string; readonly service: { readonly user: string; readonly password: string; readonly project: string } };
}

export async function startSwift(dataDir: string, options: SwiftOptions = {}): Promise<SwiftServer> {
  for (const b of ['swift-proxy-server', 'swift-object-server', 'swift-container-server', 'swift-account-server']) {
    requireCommand(b, 'OpenStack Swift (Debian packages swift-proxy swift-object swift-container swift-account)');
  }
  const etc = path.join(dataDir, 'etc');
  const devices = path.join(dataDir, 'node');
  mkdirSync(etc, { recursive: true });
  mkdirSync(path.join(devices, 'sdb1'), { recursive: true });
  const me = userInfo().username;
  const ports = { proxy: await freePort(), object: await freePort(), container: await freePort(), account: await freePort() };
  writeFileSync(path.join(etc, 'swift.conf'), [
    '[swift-hash]', 'swift_hash_path_suffix = thanos-ts-suffix', 'swift_hash_path_prefix = thanos-ts-prefix',
    '[storage-policy:0]', 'name = Policy-0', 'default = yes', '',
  ].join('\n'));
  for (const s of SERVICES) {
    writeFileSync(path.join(etc, `${s}-server.conf`), [
      '[DEFAULT]', `swift_dir = ${etc}`, `devices = ${devices}`, 'mount_check = false', 'disable_fallocate = true',
      'bind_ip = 127.0.0.1', `bind_port = ${ports[s]}`, 'workers = 0', `user = ${me}`, `log_name = ${s}-server`,
      '[pipeline:main]', `pipeline = ${s}-server`, `[app:${s}-server]`, `use = egg:swift#${s}`, '',
    ].join('\n'));
  }
  // Rings record the storage servers' ports, so they are rebuilt for every start: all three in one Python process
  // (swift-ring-builder would take nine interpreter start-ups). Debian's python3 is the one Swift is installed for.
  if (existsSync(path.join(etc, 'object.ring.gz'))) throw new Error(`swift data dir ${dataDir} is not fresh`);
  const ringScript = [
    'import sys',
    'from swift.common.ring import RingBuilder',
    'for name, port in zip(("object", "container", "account"), sys.argv[1:4]):',
    '    b = RingBuilder(10, 1, 1)',
    '    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "sdb1", "weight": 1})',
    '    b.rebalance()',
    '    b.save(name + ".builder")',
    '    b.get_ring().save(name + ".ring.gz")',
  ].join('\n');
  await execFileAsync(SWIFT_PYTHON, ['-c', ringScript, String(ports.object), String(ports.container), String(ports.account)], { cwd: etc });
  const memcached = await startMemcached(dataDir, { name: 'swift-memcached' });
  const ks = options.keystone;
  writeFileSync(path.join(etc, 'proxy-server.conf'), [
    '[DEFAULT]', `swift_dir = ${etc}`, 'bind_ip = 127.0.0.1', `bind_port = ${ports.proxy}`, 'workers = 0', `user = ${me}`, 'log_name = proxy-server',
    '[pipeline:main]',
    `pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api ${ks ? 'authtoken keystoneauth ' : ''}tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server`,
    '[app:proxy-server]', 'use = egg:swift#proxy', 'account_autocreate = true', 'allow_account_management = true',
    '[filter:catch_errors]', 'use = egg:swift#catch_errors',
    '[filter:gatekeeper]', 'use = egg:swift#gatekeeper',
    '[filter:healthcheck]', 'use = egg:swift#healthcheck',
    '[filter:proxy-logging]', 'use = egg:swift#proxy_logging',
    '[filter:cache]', 'use = egg:swift#memcache', `memcache_servers = ${memcached.address}`,
    '[filter:listing_formats]', 'use = egg:swift#listing_formats',
    '[filter:bulk]', 'use = egg:swift#bulk',
    '[filter:s3api]', 'use = egg:swift#s3api', 'location = us-east-1',
    '[filter:tempauth]', 'use = egg:swift#tempauth', 'user_admin_admin = admin .admin .reseller_admin', 'user_test_tester = testing .admin',
    '[filter:copy]', 'use = egg:swift#copy',
    '[filter:slo]', 'use = egg:swift#slo',
    '[filter:dlo]', 'use = egg:swift#dlo',
    '[filter:versioned_writes]', 'use = egg:swift#versioned_writes', 'allow_versioned_writes = true',
    '[filter:symlink]', 'use = egg:swift#symlink',
    ...(ks ? [
      // Tokens Keystone does not know go on (delay_auth_decision) to tempauth, which comes last so that its
      // authorization of AUTH_ accounts stands; keystoneauth owns the KEY_ accounts.
      '[filter:authtoken]', 'paste.filter_factory = keystonemiddleware.auth_token:filter_factory',
      `www_authenticate_uri = ${ks.authUrl}`, `auth_url = ${ks.authUrl.replace(/\/v3$/, '')}`, 'auth_type = password',
      'project_domain_id = default', 'user_domain_id = default', `project_name = ${ks.service.project}`,
      `username = ${ks.service.user}`, `password = ${ks.service.password}`, 'delay_auth_decision = true',
      '[filter:keystoneauth]', 'use = egg:swift#keystoneauth', 'reseller_prefix = KEY_', 'operator_roles = admin, member',
    ] : []), '',
  ].join('\n'));
  const procs: PeerProcess[] = [memcached.process];
  try {
    for (const s of [...SERVICES, 'proxy'] as const) {
      // -v also logs to the console: there is no /dev/log for syslog here.
      procs.push(spawnPeer(`swift-${s}`, `swift-${s}-server`, [path.join(etc, `${s}-server.conf`), '-v'], { logDir: dataDir }));
    }
    const proxy = procs[procs.length - 1]!;
    const proxyUrl = `http://127.0.0.1:${ports.proxy}`;
    await waitForHttp(`${proxyUrl}/healthcheck`, proxy, 60_000, (st) => st === 200);
    for (const [i, s] of SERVICES.entries()) await waitForTcp(ports[s], procs[i + 1]!);
    const server: SwiftServer = {
      proxyUrl, authUrl: `${proxyUrl}/auth/v1.0`, username: 'test:tester', password: 'testing', s3Endpoint: `127.0.0.1:${ports.proxy}`,
      async login() {
        const res = await fetch(`${proxyUrl}/auth/v1.0`, { headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' } });
        await res.arrayBuffer();
        const storageUrl = res.headers.get('x-storage-url');
        const token = res.headers.get('x-auth-token');
        if (res.status !== 200 || !storageUrl || !token) throw new Error(`swift tempauth answered HTTP ${res.status}`);
        return { storageUrl, token };
      },
      async createContainer(name) {
        const { storageUrl, token } = await server.login();
        const res = await fetch(`${storageUrl}/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'X-Auth-Token': token } });
        await res.arrayBuffer();
        if (res.status !== 201 && res.status !== 202) throw new Error(`creating swift container ${name}: HTTP ${res.status}`);
      },
      stop: () => stopAll(procs),
    };
    // Proves auth and creates the account (account_autocreate) before the tests start.
    await server.login();
    return server;
  } catch (err) {
    await stopAll(procs);
    throw err;
  }
}
