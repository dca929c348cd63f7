// The error every ring gives when a series asks for more replicas than the ring has endpoints (upstream's
// insufficientNodesError, same message), so the forwarder can tell it apart from other routing failures.

import { ThanosError } from '../../runtime/errors.js';

export class InsufficientNodesError extends ThanosError {
  constructor(readonly have: number, readonly want: number, ring?: string) {
    super('THANOS_INVALID_ARGUMENT', `insufficient nodes; have ${have}, want ${want}${ring ? ` (hashring ${JSON.stringify(ring)})` : ''}`);
  }
}
