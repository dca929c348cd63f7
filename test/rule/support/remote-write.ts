// Writes a scripted data set into a real Prometheus through its remote-write receiver (snappy-compressed
// prometheus.WriteRequest), so tests can lay out a whole timeline, future samples included, before rules run.
import { snappyEncode } from '../../../src/tsdb/encoding/snappy.js';
import { protoType } from '../../../src/store/proto.js';

export interface SeriesData {
  readonly labels: Readonly<Record<string, string>>;
  /** [ms, value] in time order. */
  readonly samples: readonly (readonly [number, number])[];
}

export async function remoteWrite(promUrl: string, series: readonly SeriesData[]): Promise<void> {
  const T = protoType('prometheus.WriteRequest');
  // Batches of 100 series keep each request small.
  for (let i = 0; i < series.length; i += 100) {
    const msg = T.encode({
      timeseries: series.slice(i, i + 100).map((s) => ({
        labels: Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value })),
        samples: s.samples.map(([t, v]) => ({ timestamp: t, value: v })),
      })),
    }).finish();
    const body = snappyEncode(msg);
    const res = await fetch(`${promUrl}/api/v1/write`, {
      method: 'POST', body,
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
    });
    if (res.status !== 204 && res.status !== 200) throw new Error(`remote write to ${promUrl}: HTTP ${res.status}: ${await res.text()}`);
  }
}
