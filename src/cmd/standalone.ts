// `thanos-ts standalone`: every built mode in one process over an embedded filesystem bucket.
import type { Command } from 'commander';
import { OBJSTORE_FLAGS, SERVER_FLAGS, readGrpcServerOptions, readHttpOptions, readLogOptions, readObjstoreFlag } from './flag-groups.js';
import type { FlagSpec } from './flags.js';
import { NotBuiltError, defineMode } from './mode.js';

export const STANDALONE_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  ...OBJSTORE_FLAGS,
  { name: 'data-dir', default: './data', placeholder: 'dir', help: 'Local data directory; the embedded bucket lives in <data-dir>/bucket unless --objstore.config(-file) is given.' },
  { name: 'prometheus.url', default: '', placeholder: 'url', help: 'When set, also run a sidecar for this Prometheus.' },
  { name: 'tsdb.path', default: '', placeholder: 'path', help: 'Data directory of the Prometheus given by --prometheus.url (for uploading its blocks).' },
  { name: 'query.replica-label', kind: 'repeat', placeholder: 'label', help: 'Labels to treat as a replica indicator along which data is deduplicated.' },
  { name: 'demo', kind: 'bool', help: 'Write a demo data set (two replicas of a small cluster over the last 2 days) into the bucket first.' },
];

export function registerStandalone(program: Command): void {
  defineMode(program, {
    name: 'standalone',
    description: 'Every built mode in one process (store gateway, querier, optional sidecar) over an embedded filesystem bucket.',
    flags: STANDALONE_FLAGS,
    action: async (f) => {
      readLogOptions(f);
      readHttpOptions(f);
      readGrpcServerOptions(f);
      readObjstoreFlag(f);
      throw new NotBuiltError('standalone');
    },
  });
}
