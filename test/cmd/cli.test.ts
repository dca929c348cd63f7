// The thanos-ts command line as users meet it: the commands, upstream flag names, and one-line errors with exit 2.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('thanos-ts --help', () => {
  it('lists sidecar, store, query, compact, receive, rule and tools', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    for (const mode of ['sidecar', 'store', 'query', 'compact', 'receive', 'rule', 'tools']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${mode}\\b`, 'm'));
    }
  });

  it.each([
    { mode: 'compact', flag: '--retention.resolution-raw <duration>', def: '"0d"' },
    { mode: 'sidecar', flag: '--prometheus.url <url>', def: '"http://localhost:9090"' },
    { mode: 'sidecar', flag: '--tsdb.path <path>', def: '"./data"' },
    { mode: 'store', flag: '--index-cache-size <bytes>', def: '"250MB"' },
    { mode: 'store', flag: '--sync-block-duration <duration>', def: '"15m"' },
    { mode: 'query', flag: '--query.timeout <duration>', def: '"2m"' },
    { mode: 'query', flag: '--http-address <host:port>', def: '"0.0.0.0:10902"' },
    { mode: 'query', flag: '--grpc-address <host:port>', def: '"0.0.0.0:10901"' },
    { mode: 'receive', flag: '--remote-write.address <host:port>', def: '"0.0.0.0:19291"' },
    { mode: 'rule', flag: '--eval-interval <duration>', def: '"1m"' },
  ])('$mode --help shows $flag with default $def', ({ mode, flag, def }) => {
    const r = runCli([mode, '--help']);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.trim().startsWith(flag));
    expect(line, `no line for ${flag}`).toBeDefined();
    expect(r.stdout.slice(r.stdout.indexOf(flag))).toMatch(new RegExp(`\\(default: ${def.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  });

  it('shows the common server flags on every server mode', () => {
    for (const mode of ['sidecar', 'store', 'query', 'receive', 'rule']) {
      const out = runCli([mode, '--help']).stdout;
      for (const f of ['--log.level', '--log.format', '--http-address', '--http-grace-period', '--grpc-address', '--grpc-grace-period', '--grpc-server-tls-cert', '--grpc-server-tls-key', '--grpc-server-tls-client-ca']) {
        expect(out, `${mode} lacks ${f}`).toContain(f);
      }
    }
  });
});

describe('thanos-ts errors', () => {
  it('exits 2 with one line naming a missing objstore config file', () => {
    const r = runCli(['sidecar', '--objstore.config-file=/does/not/exist']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('/does/not/exist');
    expect(lines[0]).toContain('--objstore.config-file');
  });

  it('exits 2 with the upstream-style message for a bad duration', () => {
    const r = runCli(['compact', '--retention.resolution-raw=5x']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('thanos-ts: invalid value "5x" for flag --retention.resolution-raw: not a valid duration string: "5x"');
  });

  it('exits 2 for a bad byte size and a bad log level', () => {
    expect(runCli(['store', '--index-cache-size=lots', '--objstore.config=type: FILESYSTEM']).code).toBe(2);
    const r = runCli(['query', '--log.level=loud']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--log.level');
  });

  it('exits 2 for an unknown flag', () => {
    const r = runCli(['query', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--no-such-flag');
  });
});

describe('receive', () => {
  it('refuses to start without an external label, as upstream', () => {
    const r = runCli(['receive']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('uniquely identifying external labels must be configured');
  });
});
