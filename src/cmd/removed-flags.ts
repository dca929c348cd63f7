// Flags of old upstream versions that manifests still pass: the gossip clustering flags (v0.1–v0.4). They are
// accepted with one warning each so such manifests run; the querier turns --cluster.peers into DNS discovery.
import type { FlagSpec } from './flags.js';

const GOSSIP_GONE = 'gossip clustering was removed from Thanos in v0.5 and thanos-ts has none';

/** The gossip flags every mode that once joined the cluster accepted; all ignored, with a warning. */
export function gossipFlags(peers: 'ignored' | 'discovery'): FlagSpec[] {
  const ignored = (name: string, kind: FlagSpec['kind'] = 'string'): FlagSpec => ({
    name, kind, help: `Gossip-era flag (removed upstream in v0.5); ignored with a warning.`, support: { ignored: GOSSIP_GONE },
  });
  return [
    ignored('cluster.address'),
    ignored('cluster.advertise-address'),
    ignored('grpc-advertise-address'),
    ignored('cluster.gossip-interval'),
    ignored('cluster.pushpull-interval'),
    ignored('cluster.refresh-interval'),
    ignored('cluster.secret-key'),
    ignored('cluster.network-type'),
    ignored('cluster.disable', 'bool'),
    peers === 'ignored'
      ? ignored('cluster.peers', 'repeat')
      : {
        name: 'cluster.peers', kind: 'repeat', placeholder: 'host[:port]',
        help: 'Gossip-era peers (removed upstream in v0.5): each name is resolved through DNS and every address it resolves to is queried as a StoreAPI at this querier\'s --grpc-address port (the gossip port is dropped); this querier itself is skipped.',
        support: { deprecated: 'gossip clustering was removed in Thanos v0.5; the peers are resolved through DNS as StoreAPI endpoints at the --grpc-address port. Prefer --endpoint=dns+<name>:<port>' },
      },
  ];
}
