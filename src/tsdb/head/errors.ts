// Typed refusals of the head appender (Prometheus storage.ErrOutOfOrderSample & co.), so callers such as remote
// write can count and answer each kind.

import { InvalidArgumentError } from '../../runtime/errors.js';

/** A sample older than the series' newest one (and no out-of-order window accepts it). */
export class OutOfOrderSampleError extends InvalidArgumentError {
  constructor(readonly t: number, readonly newest: number, series: string) {
    super(`out of order sample: ${t} is before the newest sample ${newest} of ${series}`);
  }
}

/** A sample at the timestamp of the series' newest one, with a different value. */
export class DuplicateSampleError extends InvalidArgumentError {
  constructor(readonly t: number, series: string) {
    super(`duplicate sample for timestamp ${t} with a different value in ${series}`);
  }
}

/** A sample before what the head still accepts (already compacted into blocks, or too old for the head). */
export class OutOfBoundsError extends InvalidArgumentError {
  constructor(readonly t: number, readonly minValidTime: number, series: string) {
    super(`out of bounds: sample at ${t} is before ${minValidTime}, the oldest time the head accepts, in ${series}`);
  }
}
