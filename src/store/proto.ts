// Loads the project's .proto files (proto/ at the package root) into one protobufjs Root, once, and hands out the
// message types the codecs need. Resolved from this module's location so it works from src/ (vitest) and dist/.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** proto/ sits two levels above both src/store/ and dist/store/. */
export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

const FILES = [
  'store/rpc.proto', 'info/rpc.proto', 'prompb/remote.proto',
  'rules/rpc.proto', 'targets/rpc.proto', 'metadata/rpc.proto', 'exemplars/rpc.proto',
];

let cached: protobuf.Root | undefined;

/** The root with every thanos, thanos.info and prometheus type, resolved. */
export function protoRoot(): protobuf.Root {
  if (cached) return cached;
  const root = new protobuf.Root();
  // Imports are relative to proto/; google/protobuf/* come from protobufjs's bundled well-known types.
  root.resolvePath = (_origin, target) =>
    path.isAbsolute(target) || target.startsWith('google/protobuf/') ? target : path.join(PROTO_DIR, target);
  root.loadSync(FILES, { keepCase: false });
  root.resolveAll();
  cached = root;
  return root;
}

export function protoType(name: string): protobuf.Type {
  return protoRoot().lookupType(name);
}
