// The seam between routing and forwarding in receive: which endpoints hold a tenant's series (upstream
// pkg/receive/hashring.go). The algorithms (hashmod, ketama), the hashrings file and its reloads live beside it.

import type { Labels } from '../../tsdb/labels/labels.js';

/** One receiver in a hashring, as the hashrings file names it. */
export interface Endpoint {
  /** The gRPC address other receivers forward to (`thanos.WriteableStore/RemoteWrite`). */
  readonly address: string;
  /** Availability zone; '' when the file gives none. Ketama spreads a series' replicas over zones. */
  readonly az: string;
}

/** Routes series to endpoints. Built from a hashrings file; replaced as a whole when the file changes. */
export interface Hashring {
  /**
   * The endpoints holding replicas 0..replicas-1 of a series, in replica order and all distinct.
   * `labels` are the request's own labels (no external or tenant labels), sorted. Throws when no ring in the
   * file matches the tenant, or when the matching ring has fewer endpoints than `replicas`.
   */
  endpointsFor(tenant: string, labels: Labels, replicas: number): readonly Endpoint[];
  /** Every endpoint of every ring, distinct by address: the peers a router keeps connections to. */
  nodes(): readonly Endpoint[];
}
