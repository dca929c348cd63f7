// Change detection for config and certificate files re-read while running (gRPC TLS, --http.config): a stamp that
// differs whenever any of the files is replaced, rewritten, created or removed.
import { statSync } from 'node:fs';

/** A value that changes when any of the files is replaced or rewritten (inode, size, mtime; 'missing' when absent). */
export function filesStamp(files: readonly string[]): string {
  return files.map((f) => {
    try {
      const st = statSync(f);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }).join('|');
}
