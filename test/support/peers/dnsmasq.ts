// A real DNS server for discovery tests: Debian's dnsmasq on 127.0.0.1 at a free port, answering only the SRV and A
// records the test gives it (no upstream, no /etc/hosts), plus a resolv.conf pointing at it with a search list.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Resolver } from 'node:dns/promises';
import { freePort, requireCommand, spawnPeer, type PeerProcess } from './process.js';

export interface DnsRecords {
  /** name → IPv4 addresses. */
  readonly a?: Readonly<Record<string, readonly string[]>>;
  /** SRV name → targets with ports. */
  readonly srv?: Readonly<Record<string, readonly { readonly target: string; readonly port: number }[]>>;
  /** Domains answered locally only (NXDOMAIN for any other name in them). */
  readonly localDomains?: readonly string[];
}

export interface Dnsmasq {
  /** `127.0.0.1:<port>`, as a resolv.conf nameserver line (thanos-ts accepts the port). */
  readonly server: string;
  /** Writes a resolv.conf for this server with the given search list and ndots; returns its path. */
  resolvConf(search: readonly string[], ndots: number): string;
  stop(): Promise<void>;
}

export async function startDnsmasq(records: DnsRecords): Promise<Dnsmasq> {
  const bin = requireCommand('dnsmasq', 'dnsmasq (apt-get install dnsmasq-base; scripts/install-test-deps.sh does it)');
  const dir = mkdtempSync(path.join(tmpdir(), 'dnsmasq-'));
  const port = await freePort();
  const args = [
    '--no-daemon', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
    '--conf-file=/dev/null', `--pid-file=${path.join(dir, 'pid')}`,
    // Running as root in CI; dnsmasq would otherwise switch to a "dnsmasq" user the -base package does not create.
    ...(process.getuid?.() === 0 ? ['--user=root', '--group=root'] : []),
    ...(records.localDomains ?? []).map((d) => `--local=/${d}/`),
    ...Object.entries(records.a ?? {}).flatMap(([name, ips]) => ips.map((ip) => `--host-record=${name},${ip}`)),
    ...Object.entries(records.srv ?? {}).flatMap(([name, targets]) => targets.map((t) => `--srv-host=${name},${t.target},${t.port}`)),
  ];
  const proc: PeerProcess = spawnPeer('dnsmasq', bin, args, { logDir: dir });
  const server = `127.0.0.1:${port}`;
  // Ready once it answers a query (any answer, even REFUSED, means it is listening).
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([server]);
  for (let i = 0; ; i++) {
    try {
      await probe.resolve4('ready.probe');
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ECONNREFUSED' && (err as { code?: string }).code !== 'ETIMEOUT') break;
      if (i > 50) throw new Error(`dnsmasq did not start; see ${proc.logFile}`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let n = 0;
  return {
    server,
    resolvConf(search, ndots) {
      const file = path.join(dir, `resolv-${n++}.conf`);
      writeFileSync(file, `nameserver ${server}\nsearch ${search.join(' ')}\noptions ndots:${ndots} timeout:1 attempts:1\n`);
      return file;
    },
    async stop() {
      await proc.stop(2000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
