// Flags that manifests written for old upstream versions still pass, with the replacement to name.

const GOSSIP_REPLACEMENT =
  'gossip clustering was removed from Thanos in v0.5: list store APIs with --endpoint (or its older name --store), ' +
  'using dnssrv+ discovery for dynamic sets, e.g. --endpoint=dnssrv+_grpc._tcp.thanos-store.monitoring.svc';

/** For argv holding a removed flag, the one-line message naming its replacement; otherwise undefined. */
export function removedFlagMessage(args: readonly string[]): string | undefined {
  for (const arg of args) {
    if (arg === '--') return undefined;
    const m = /^--(cluster\.[a-z-]+|gossip\.[a-z-]+)(?:=.*)?$/.exec(arg);
    if (m) return `flag --${m[1]} is no longer supported: ${GOSSIP_REPLACEMENT}`;
  }
  return undefined;
}
