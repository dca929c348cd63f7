// A real uploader process for the FILESYSTEM crash tests: `loop <dir>` uploads objects one after another (bytes and
// slow streams) and prints `ack <name> <sha256>` once each upload has returned; `hold <dir>` starts one streamed
// upload, prints `writing` once its temp file has data, and finishes only after a line arrives on stdin.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { createBucket, parseBucketConfig } from '../../../src/objstore/config.js';
import { nopLogger } from '../../../src/runtime/logger.js';
import { objectBytes, objectName } from './fs-upload-objects.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function* slowly(b: Buffer, pieces: number, gate?: Promise<unknown>): AsyncGenerator<Buffer> {
  const step = Math.ceil(b.length / pieces);
  for (let k = 0; k < b.length; k += step) {
    yield b.subarray(k, k + step);
    if (k === 0 && gate) {
      await sleep(100); // let the first piece reach the file
      process.stdout.write('writing\n');
      await gate;
    } else await sleep(3);
  }
}

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  if ((mode !== 'loop' && mode !== 'hold') || !dir) throw new Error('usage: fs-uploader loop|hold <dir>');
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${dir}\n`, 'uploader', nopLogger), { logger: nopLogger });
  if (mode === 'hold') {
    const b = objectBytes(0);
    const go = once(process.stdin, 'data');
    await bucket.upload('held/obj', Readable.from(slowly(b, 8, go)));
    process.stdout.write(`ack held/obj ${sha(b)}\n`);
    await bucket.close();
    process.exit(0);
  }
  for (let i = 0; ; i++) {
    const b = objectBytes(i);
    // Mostly slow streams, so a kill at a random moment usually lands inside one.
    await bucket.upload(objectName(i), i % 4 === 3 ? b : Readable.from(slowly(b, 20)));
    process.stdout.write(`ack ${objectName(i)} ${sha(b)}\n`);
  }
}

await main();
