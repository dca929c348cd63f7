// A process that compacts blocks and exits, for the crash test to SIGKILL at random points.
// Usage: node --import tsx compact-child.ts DEST BLOCK_DIR...
import { compactBlocks } from '../../../../src/tsdb/compact/compactor.js';

const [dest, ...dirs] = process.argv.slice(2);
const meta = await compactBlocks(dest!, dirs);
process.stdout.write(`${meta?.ulid ?? ''}\n`);
