// Turns a flat, sorted set of object names into iter() results (direct children plus directory entries, or
// everything below a prefix). Used by buckets whose backend has no delimiter listing (in-memory).
import { dirPrefix } from './bucket.js';

export function* listNames(sortedNames: Iterable<string>, dir: string, recursive: boolean): Generator<string> {
  const prefix = dirPrefix(dir);
  let lastDir = '';
  for (const n of sortedNames) {
    if (!n.startsWith(prefix)) continue;
    if (recursive) {
      yield n;
      continue;
    }
    const slash = n.indexOf('/', prefix.length);
    if (slash < 0) {
      yield n;
      continue;
    }
    const d = n.slice(0, slash + 1);
    if (d !== lastDir) {
      lastDir = d;
      yield d;
    }
  }
}
