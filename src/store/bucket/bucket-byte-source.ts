// A ByteSource over one bucket object, read by range GETs: the TSDB index and chunk readers run over it unchanged.
// The object's size is known up front (meta.json's thanos.files or one attributes call).

import type { BucketReader } from '../../objstore/bucket.js';
import { readAll } from '../../objstore/streams.js';
import { CorruptionError } from '../../runtime/errors.js';
import type { ByteSource } from '../../tsdb/byte-source.js';

export class BucketByteSource implements ByteSource {
  /** Bytes fetched so far (all readers of this object together). */
  bytesRead = 0;
  reads = 0;

  /**
   * `name` is the object name, which errors carry (it starts with the block ID). `length` is what the meta says until
   * a read finds the object shorter (truncated): from then on it is the real length, so later reads of the intact
   * part succeed and only what lay in the lost tail fails.
   */
  constructor(private readonly bucket: BucketReader, readonly name: string, public length: number) {}

  static async open(bucket: BucketReader, name: string, size?: number): Promise<BucketByteSource> {
    return new BucketByteSource(bucket, name, size ?? (await bucket.attributes(name)).size);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.length) {
      throw new CorruptionError(this.name, 'range', offset, `read of ${length} bytes past end of ${this.length}-byte object`);
    }
    if (length === 0) return new Uint8Array(0);
    const b = await readAll(await this.bucket.getRange(this.name, offset, length));
    this.reads++;
    this.bytesRead += b.length;
    if (b.length < length) this.length = Math.min(this.length, offset + b.length);
    if (b.length !== length) throw new CorruptionError(this.name, 'range', offset, `object returned ${b.length} bytes for a ${length}-byte range (changed or truncated?)`);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
}
