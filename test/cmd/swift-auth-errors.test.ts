// A Swift bucket whose authentication fails says, through the real binary, that it was the auth_url (Keystone or
// tempauth) of the objstore config: an unresolvable or refusing auth host, and wrong credentials at a real Swift.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/peers/process.js';
import { startSwift, type SwiftServer } from '../support/peers/swift.js';

let dir = '';
let swift: SwiftServer | undefined;

/** `thanos-ts tools bucket ls` over a SWIFT config file with these fields. */
function bucketLs(config: string): { code: number | null; line: string } {
  const file = path.join(dir, `swift-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `type: SWIFT\nconfig:\n${config}  container_name: thanos\n  retries: 0\n`);
  const r = runCli(['tools', 'bucket', 'ls', `--objstore.config-file=${file}`], { timeoutMs: 60_000 });
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('level='));
  return { code: r.code, line: lines.join('\n') };
}

const keystone = (url: string): string =>
  `  auth_url: ${url}\n  username: thanos\n  password: secret\n  user_domain_name: Default\n  project_name: monitoring\n  project_domain_name: Default\n`;

describe('Swift auth errors name the auth_url of the objstore config', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'swift-auth-errors-'));
    swift = await startSwift(path.join(dir, 'swift'));
  }, 120_000);
  afterAll(async () => {
    await swift?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a Keystone host that does not resolve: not a bare getaddrinfo error', () => {
    const url = 'http://keystone.invalid:5000/v3';
    const r = bucketLs(keystone(url));
    expect(r.code).not.toBe(0);
    expect(r.line).toMatch(new RegExp(`^thanos-ts: swift auth: cannot reach auth_url ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(from the objstore config\\): .*ENOTFOUND keystone\\.invalid`));
  });

  it('a Keystone port that refuses connections', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v3`;
    const r = bucketLs(keystone(url));
    expect(r.code).not.toBe(0);
    expect(r.line).toContain(`thanos-ts: swift auth: cannot reach auth_url ${url} (from the objstore config)`);
    expect(r.line).toContain('ECONNREFUSED');
  });

  it('wrong credentials at a real Swift: the auth URL, its answer, and what to check', () => {
    const r = bucketLs(`  auth_url: ${swift!.authUrl}\n  username: ${swift!.username}\n  password: not-${swift!.password}\n`);
    expect(r.code).not.toBe(0);
    expect(r.line).toContain(`swift v1 auth at ${swift!.authUrl} answered HTTP 401`);
    expect(r.line).toContain('check the credentials (username/password or application credential) next to auth_url in the objstore config');
  });

  it('the right credentials at the same Swift get past auth (the failures above are about auth)', async () => {
    await swift!.createContainer('thanos');
    const r = bucketLs(`  auth_url: ${swift!.authUrl}\n  username: ${swift!.username}\n  password: ${swift!.password}\n`);
    expect(r.line).toBe('');
    expect(r.code).toBe(0);
  });
});
