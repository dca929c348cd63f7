// Flag honesty: every mode is started (its flags parsed and read, as the CLI does before serving) with each declared
// upstream flag set to a non-default value. An implemented flag must be read by the mode; a refused one stops the
// mode with "not supported yet"; an ignored or deprecated one is warned about. None is accepted silently.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { FlagReader, supportOf, type FlagSpec } from '../../src/cmd/flags.js';
import type { ModeDefinition, ModeRegistry } from '../../src/cmd/mode.js';
import { buildProgram } from '../../src/cmd/program.js';
import { runCli } from '../support/cli.js';

let dir = '';
const file = (name: string): string => path.join(dir, name);

/** Flags each mode needs to start at all. */
function baseArgs(mode: string): string[] {
  switch (mode) {
    case 'store': case 'compact': return [`--objstore.config-file=${file('bucket.yml')}`];
    // --rule-file, so that the Alertmanager flags (which need rules to send alerts of) are accepted too.
    // --receive, so that the receive flags (which act only with it) are accepted too.
    case 'standalone': return ['--prometheus.url=http://127.0.0.1:1', `--rule-file=${file('some-file')}`, '--receive'];
    case 'receive': return ['--label=receive="r1"'];
    case 'rule': return ['--query=127.0.0.1:10902'];
    default: return [];
  }
}

/** A valid non-default value for a flag (with the companion flags it needs), picked by name, then by placeholder. */
function nonDefault(spec: FlagSpec): string[] {
  const byName: Record<string, string[]> = {
    'log.level': ['--log.level=debug'],
    'log.format': ['--log.format=json'],
    'deduplication.func': ['--deduplication.func=penalty', '--deduplication.replica-label=replica'],
    'reloader.method': ['--reloader.method=signal'],
    'grpc-server-tls-cert': [`--grpc-server-tls-cert=${file('x.crt')}`, `--grpc-server-tls-key=${file('x.key')}`],
    'grpc-server-tls-key': [`--grpc-server-tls-cert=${file('x.crt')}`, `--grpc-server-tls-key=${file('x.key')}`],
    'grpc-server-tls-min-version': ['--grpc-server-tls-min-version=1.2'],
    'grpc-compression': ['--grpc-compression=snappy'],
    'query.promql-engine': ['--query.promql-engine=thanos'],
    'block-discovery-strategy': ['--block-discovery-strategy=recursive'],
    'objstore.config': [`--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${file('bucket')}\n`],
    'objstore.config-file': [`--objstore.config-file=${file('bucket.yml')}`],
    'index-cache.config': ['--index-cache.config=type: IN-MEMORY\nconfig:\n  max_size: 1MB\n'],
    'index-cache.config-file': [`--index-cache.config-file=${file('index-cache.yml')}`],
    'selector.relabel-config': ['--selector.relabel-config=- action: keep\n  source_labels: [a]\n  regex: b\n'],
    'selector.relabel-config-file': [`--selector.relabel-config-file=${file('relabel.yml')}`],
    'prometheus.url': ['--prometheus.url=http://127.0.0.1:2'],
    'label': ['--label=replica="a"'],
    'selector-label': ['--selector-label=zone="a"'],
    'cluster.peers': ['--cluster.peers=peers.example:10900'],
    'endpoint.sd-config': ['--endpoint.sd-config=endpoints: [{address: "127.0.0.1:10999"}]'],
    'prometheus.http-client': ['--prometheus.http-client=tls_config: {insecure_skip_verify: true}'],
    'remote-write.server-tls-cert': [`--remote-write.server-tls-cert=${file('x.crt')}`, `--remote-write.server-tls-key=${file('x.key')}`],
    'remote-write.server-tls-key': [`--remote-write.server-tls-cert=${file('x.crt')}`, `--remote-write.server-tls-key=${file('x.key')}`],
    'remote-write.server-tls-client-ca': [`--remote-write.server-tls-cert=${file('x.crt')}`, `--remote-write.server-tls-key=${file('x.key')}`, `--remote-write.server-tls-client-ca=${file('ca.crt')}`],
    'remote-write.server-tls-min-version': ['--remote-write.server-tls-min-version=1.2'],
    'remote-write.client-tls-min-version': ['--remote-write.client-tls-min-version=1.2'],
    'remote-write.server-tls-ciphers': [`--remote-write.server-tls-cert=${file('x.crt')}`, `--remote-write.server-tls-key=${file('x.key')}`, '--remote-write.server-tls-ciphers=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    'remote-write.server-tls-curves': [`--remote-write.server-tls-cert=${file('x.crt')}`, `--remote-write.server-tls-key=${file('x.key')}`, '--remote-write.server-tls-curves=X25519'],
    'receive.limits-config': ['--receive.limits-config=write: {}'],
    'receive.tenant-label-name': ['--receive.tenant-label-name=team'],
    'receive.hashrings-algorithm': ['--receive.hashrings-algorithm=ketama'],
    'receive.decode-threads': ['--receive.decode-threads=2'],
    'receive.replication-factor': ['--receive.replication-factor=2', '--receive.hashrings=[{"endpoints": ["127.0.0.1:1", "127.0.0.1:2"]}]'],
    'query.http-method': ['--query.http-method=GET'],
  };
  if (byName[spec.name]) return byName[spec.name]!;
  const flag = `--${spec.name}`;
  if (spec.kind === 'bool') return [spec.default === 'true' ? `--no-${spec.name}` : flag];
  switch (spec.placeholder) {
    case 'duration': return [`${flag}=7m`];
    case 'bytes': return [`${flag}=64MB`];
    case 'time': return [`${flag}=-2d`];
    case 'host:port': return [`${flag}=127.0.0.1:0`];
    case 'url': return [`${flag}=http://127.0.0.1:3`];
    case 'address': return [`${flag}=127.0.0.1:10999`];
    case 'file': case 'file-path': case 'path': case 'dir': return [`${flag}=${file('some-file')}`];
    case undefined: default: break;
  }
  if (spec.default !== undefined && /^\d+$/.test(spec.default)) return [`${flag}=${Number(spec.default) + 3}`];
  return [`${flag}=some-value`];
}

/** Parses `args` for `mode` like the CLI does, without running it. */
function parse(mode: string, args: readonly string[]): { def: ModeDefinition; reader: FlagReader } {
  const registry: ModeRegistry = new Map();
  const program = buildProgram(registry);
  const cmd = program.commands.find((c) => c.name() === mode) as Command;
  cmd.parseOptions([...args]);
  return { def: registry.get(mode)!, reader: new FlagReader(cmd) };
}

const registry: ModeRegistry = new Map();
buildProgram(registry);
const BUILT = ['sidecar', 'store', 'query', 'standalone', 'compact', 'receive', 'rule'];
const cases = [...registry.values()].flatMap((def) => def.flags.map((spec) => ({ mode: def.name, spec })));

describe('every declared flag with a non-default value', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flag-support-'));
    writeFileSync(file('bucket.yml'), `type: FILESYSTEM\nconfig:\n  directory: ${file('bucket')}\n`);
    writeFileSync(file('index-cache.yml'), 'type: IN-MEMORY\nconfig:\n  max_size: 1MB\n');
    writeFileSync(file('relabel.yml'), '- action: keep\n  source_labels: [a]\n  regex: b\n');
    writeFileSync(file('some-file'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(cases)('$mode --$spec.name', ({ mode, spec }) => {
    // The objstore flags replace store's and compact's bucket flag; rule's --query.config replaces its --query.
    const ownBase = (spec.name.startsWith('objstore.') && mode !== 'receive' && mode !== 'rule') || (mode === 'rule' && spec.name.startsWith('query.config'));
    const base = ownBase ? [] : baseArgs(mode);
    const { def, reader } = parse(mode, [...base, ...nonDefault(spec)]);
    const support = supportOf(spec);
    if (support === 'refused') {
      expect(() => reader.checkSupport(def.flags)).toThrow(`flag --${spec.name} is not supported yet by thanos-ts`);
      return;
    }
    const warnings = reader.checkSupport(def.flags);
    if (typeof support === 'object') {
      expect(warnings).toEqual(['ignored' in support ? `flag --${spec.name} is ignored: ${support.ignored}` : `flag --${spec.name} is deprecated: ${support.deprecated}`]);
      if ('ignored' in support) return;
    } else {
      expect(warnings).toEqual([]);
    }
    // Implemented: the mode's reader accepts the value and reads the flag (a flag nobody reads would be ignored).
    def.read(reader);
    if (spec.name.startsWith('grpc-client-') && spec.name !== 'grpc-client-tls-secure') {
      expect(reader.warnings.join('\n')).toContain('--grpc-client-tls-secure is not set');
    }
    if (BUILT.includes(mode)) expect([...reader.read], `${mode} never reads --${spec.name}`).toContain(spec.name);
  });

  it('a refused flag spelled with its default value is accepted (manifests often spell defaults out)', () => {
    const { def, reader } = parse('query', ['--query.promql-engine=prometheus', '--grpc-compression=none']);
    expect(reader.checkSupport(def.flags)).toEqual([]);
  });

});

describe('through the real binary', () => {
  it('a refused flag exits 2 with one line', () => {
    const r = runCli(['query', '--query.promql-engine=thanos']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('thanos-ts: flag --query.promql-engine is not supported yet by thanos-ts; remove it or set it to its default (prometheus)');
  });

  it('gossip-era flags are accepted with one warning each (then the mode goes on to its next check)', () => {
    const r = runCli(['compact', '--sync-delay=30m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/level=warn .*msg="flag --sync-delay is deprecated: use --consistency-delay \(same meaning\)"/);
    const s = runCli(['store', '--cluster.peers=x:10900', '--cluster.address=0.0.0.0:10900', '--objstore.config-file=/does/not/exist']);
    expect(s.code).toBe(2);
    const warnings = s.stderr.split('\n').filter((l) => l.includes('level=warn'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('flag --cluster.address is ignored: gossip clustering was removed');
    expect(warnings[1]).toContain('flag --cluster.peers is ignored');
  });

  it('--help lists only flags that work, and no --no-… twin lines', () => {
    for (const mode of ['sidecar', 'store', 'query', 'standalone']) {
      const out = runCli([mode, '--help']).stdout;
      expect(out).not.toMatch(/^\s+--no-/m);
      for (const spec of registry.get(mode)!.flags) {
        const shown = new RegExp(`^\\s+(-\\w, )?--${spec.name.replace(/\./g, '\\.')}\\b`, 'm').test(out);
        const support = supportOf(spec);
        const works = support === 'works' || (typeof support === 'object' && 'deprecated' in support);
        expect(shown, `${mode} --help and --${spec.name} (${JSON.stringify(support)})`).toBe(works);
      }
    }
  });
});
