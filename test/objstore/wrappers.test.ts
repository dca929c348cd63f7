// The Bucket decorators: metrics with upstream's names and labels, retries of transient failures only, and the
// prefix wrapper's name mapping.
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { NotFoundError, UnavailableError } from '../../src/runtime/errors.js';
import { InMemoryBucket } from '../../src/objstore/inmem.js';
import { InstrumentedBucket } from '../../src/objstore/instrumented.js';
import { PrefixedBucket } from '../../src/objstore/prefixed.js';
import { RetryingBucket, isTransientError } from '../../src/objstore/retrying.js';
import { readAll } from '../../src/objstore/streams.js';
import { collect } from '../support/bucket-acceptance.js';

/** An in-memory bucket whose next `failures` calls of an operation throw `err`. */
class FlakyBucket extends InMemoryBucket {
  calls = 0;
  constructor(private failures: number, private readonly err: Error) { super(); }
  override async exists(name: string): Promise<boolean> {
    this.calls++;
    if (this.failures-- > 0) throw this.err;
    return super.exists(name);
  }
}

describe('InstrumentedBucket', () => {
  it('counts operations and failures per operation and bucket with upstream names; not-found is not a failure', async () => {
    const reg = new Registry();
    const b = new InstrumentedBucket(new InMemoryBucket({ name: 'blocks' }), reg);
    await b.upload('a', Buffer.from('xyz'));
    expect((await readAll(await b.get('a'))).toString()).toBe('xyz');
    await readAll(await b.getRange('a', 1, 1));
    await expect(b.get('missing')).rejects.toThrow(NotFoundError);
    await collect(b.iter(''));
    const text = await reg.metrics();
    expect(text).toContain('thanos_objstore_bucket_operations_total{operation="upload",bucket="blocks"} 1');
    expect(text).toContain('thanos_objstore_bucket_operations_total{operation="get",bucket="blocks"} 2');
    expect(text).toContain('thanos_objstore_bucket_operations_total{operation="get_range",bucket="blocks"} 1');
    expect(text).toContain('thanos_objstore_bucket_operations_total{operation="iter",bucket="blocks"} 1');
    expect(text).toContain('thanos_objstore_bucket_operation_failures_total{operation="get",bucket="blocks"} 0');
    expect(text).toContain('thanos_objstore_bucket_operations_total{operation="delete",bucket="blocks"} 0');
    expect(text).toMatch(/thanos_objstore_bucket_operation_duration_seconds_count\{operation="get",bucket="blocks"\} 1/);
    expect(text).toMatch(/thanos_objstore_bucket_last_successful_upload_time\{bucket="blocks"\} [1-9]/);
  });

  it('counts unexpected failures and lets two buckets share one registry', async () => {
    const reg = new Registry();
    const flaky = new InstrumentedBucket(new FlakyBucket(1, new UnavailableError('down')), reg);
    new InstrumentedBucket(new InMemoryBucket({ name: 'other' }), reg);
    await expect(flaky.exists('x')).rejects.toThrow('down');
    expect(await reg.metrics()).toContain('thanos_objstore_bucket_operation_failures_total{operation="exists",bucket="inmem"} 1');
  });
});

describe('RetryingBucket', () => {
  const noSleep = async (): Promise<void> => {};

  it('retries transient failures up to maxAttempts', async () => {
    const inner = new FlakyBucket(2, new UnavailableError('503'));
    const b = new RetryingBucket(inner, { maxAttempts: 3, sleep: noSleep });
    expect(await b.exists('x')).toBe(false);
    expect(inner.calls).toBe(3);
  });

  it('gives up after maxAttempts and never retries permanent errors', async () => {
    const transient = new FlakyBucket(5, new UnavailableError('503'));
    await expect(new RetryingBucket(transient, { maxAttempts: 3, sleep: noSleep }).exists('x')).rejects.toThrow('503');
    expect(transient.calls).toBe(3);
    const permanent = new FlakyBucket(5, new Error('access denied'));
    await expect(new RetryingBucket(permanent, { maxAttempts: 3, sleep: noSleep }).exists('x')).rejects.toThrow('access denied');
    expect(permanent.calls).toBe(1);
  });

  it('does not retry an upload from a stream', async () => {
    let calls = 0;
    const inner = new InMemoryBucket();
    inner.upload = async () => { calls++; throw new UnavailableError('503'); };
    await expect(new RetryingBucket(inner, { sleep: noSleep }).upload('a', Readable.from([Buffer.from('x')]))).rejects.toThrow('503');
    expect(calls).toBe(1);
  });

  it('classifies errors along the cause chain', () => {
    expect(isTransientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(new Error('wrapped', { cause: { $metadata: { httpStatusCode: 503 } } }))).toBe(true);
    expect(isTransientError({ statusCode: 429 })).toBe(true);
    expect(isTransientError({ statusCode: 403 })).toBe(false);
    expect(isTransientError(new NotFoundError('x'))).toBe(false);
  });
});

describe('PrefixedBucket', () => {
  it('maps names under the prefix and strips it from listings', async () => {
    const inner = new InMemoryBucket();
    const b = new PrefixedBucket(inner, '/tenant/');
    await b.upload('dir/a', Buffer.from('1'));
    expect(await inner.exists('tenant/dir/a')).toBe(true);
    expect(await collect(b.iter(''))).toEqual(['dir/']);
    expect(await collect(b.iter('dir', { recursive: true }))).toEqual(['dir/a']);
  });
});
