// Health and readiness as upstream's pkg/prober: healthy once HTTP listens, ready only when the mode says so
// (after its first sync, once Prometheus answered, ...), and not ready again as soon as shutdown starts.

export interface ProbeState {
  readonly ok: boolean;
  readonly reason: string;
}

export class Prober {
  private healthyState: ProbeState = { ok: false, reason: 'starting' };
  private readyState: ProbeState = { ok: false, reason: 'starting' };

  healthy(): void { this.healthyState = { ok: true, reason: '' }; }
  notHealthy(reason: string): void { this.healthyState = { ok: false, reason }; }
  ready(): void { this.readyState = { ok: true, reason: '' }; }
  notReady(reason: string): void { this.readyState = { ok: false, reason }; }

  get health(): ProbeState { return this.healthyState; }
  get readiness(): ProbeState { return this.readyState; }
}
