// proto/prompb against the field numbers of upstream prometheus/prompb (types.proto, remote.proto): every message
// the sidecar and receive use has exactly these fields, numbers and types. The table is written here from
// upstream, independently of proto/.

import { describe, expect, it } from 'vitest';
import { protoRoot } from '../../src/store/proto.js';

type Fields = Record<string, [id: number, type: string, repeated?: true]>;

const UPSTREAM: Record<string, Fields> = {
  'prometheus.WriteRequest': { timeseries: [1, 'TimeSeries', true], metadata: [3, 'MetricMetadata', true] },
  'prometheus.ReadRequest': { queries: [1, 'Query', true], acceptedResponseTypes: [2, 'ResponseType', true] },
  'prometheus.ReadResponse': { results: [1, 'QueryResult', true] },
  'prometheus.Query': { startTimestampMs: [1, 'int64'], endTimestampMs: [2, 'int64'], matchers: [3, 'LabelMatcher', true], hints: [4, 'ReadHints'] },
  'prometheus.QueryResult': { timeseries: [1, 'TimeSeries', true] },
  'prometheus.ChunkedReadResponse': { chunkedSeries: [1, 'ChunkedSeries', true], queryIndex: [2, 'int64'] },
  'prometheus.MetricMetadata': { type: [1, 'MetricType'], metricFamilyName: [2, 'string'], help: [4, 'string'], unit: [5, 'string'] },
  'prometheus.Sample': { value: [1, 'double'], timestamp: [2, 'int64'] },
  'prometheus.Exemplar': { labels: [1, 'Label', true], value: [2, 'double'], timestamp: [3, 'int64'] },
  'prometheus.TimeSeries': { labels: [1, 'Label', true], samples: [2, 'Sample', true], exemplars: [3, 'Exemplar', true], histograms: [4, 'Histogram', true] },
  'prometheus.Label': { name: [1, 'string'], value: [2, 'string'] },
  'prometheus.Labels': { labels: [1, 'Label', true] },
  'prometheus.LabelMatcher': { type: [1, 'Type'], name: [2, 'string'], value: [3, 'string'] },
  'prometheus.ReadHints': { stepMs: [1, 'int64'], func: [2, 'string'], startMs: [3, 'int64'], endMs: [4, 'int64'], grouping: [5, 'string', true], by: [6, 'bool'], rangeMs: [7, 'int64'] },
  'prometheus.Chunk': { minTimeMs: [1, 'int64'], maxTimeMs: [2, 'int64'], type: [3, 'Encoding'], data: [4, 'bytes'] },
  'prometheus.ChunkedSeries': { labels: [1, 'Label', true], chunks: [2, 'Chunk', true] },
  'prometheus.BucketSpan': { offset: [1, 'sint32'], length: [2, 'uint32'] },
  'prometheus.Histogram': {
    countInt: [1, 'uint64'], countFloat: [2, 'double'], sum: [3, 'double'], schema: [4, 'sint32'], zeroThreshold: [5, 'double'],
    zeroCountInt: [6, 'uint64'], zeroCountFloat: [7, 'double'], negativeSpans: [8, 'BucketSpan', true], negativeDeltas: [9, 'sint64', true],
    negativeCounts: [10, 'double', true], positiveSpans: [11, 'BucketSpan', true], positiveDeltas: [12, 'sint64', true],
    positiveCounts: [13, 'double', true], resetHint: [14, 'ResetHint'], timestamp: [15, 'int64'], customValues: [16, 'double', true],
  },
  'thanos.WriteRequest': { timeseries: [1, 'prometheus.TimeSeries', true], tenant: [2, 'string'], replica: [3, 'int64'] },
};

const ENUMS: Record<string, Record<string, number>> = {
  'prometheus.Chunk.Encoding': { UNKNOWN: 0, XOR: 1, HISTOGRAM: 2, FLOAT_HISTOGRAM: 3 },
  'prometheus.ReadRequest.ResponseType': { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 },
  'prometheus.LabelMatcher.Type': { EQ: 0, NEQ: 1, RE: 2, NRE: 3 },
  'prometheus.MetricMetadata.MetricType': { UNKNOWN: 0, COUNTER: 1, GAUGE: 2, HISTOGRAM: 3, GAUGEHISTOGRAM: 4, SUMMARY: 5, INFO: 6, STATESET: 7 },
  'prometheus.Histogram.ResetHint': { UNKNOWN: 0, YES: 1, NO: 2, GAUGE: 3 },
};

describe('proto/prompb', () => {
  const root = protoRoot();

  it.each(Object.entries(UPSTREAM).map(([name, fields]) => ({ name, fields })))('$name has upstream field numbers and types', ({ name, fields }) => {
    const t = root.lookupType(name);
    const got = Object.fromEntries(t.fieldsArray.map((f) => [f.name, f.repeated ? [f.id, f.type, true] : [f.id, f.type]]));
    expect(got).toEqual(fields);
  });

  it.each(Object.entries(ENUMS).map(([name, values]) => ({ name, values })))('enum $name matches upstream', ({ name, values }) => {
    expect(root.lookupEnum(name).values).toEqual(values);
  });

  it('keeps the Histogram oneofs of upstream', () => {
    const h = root.lookupType('prometheus.Histogram');
    expect(h.oneofs['count']?.oneof).toEqual(['countInt', 'countFloat']);
    expect(h.oneofs['zeroCount']?.oneof).toEqual(['zeroCountInt', 'zeroCountFloat']);
  });
});
