// An independent protobuf schema of upstream Thanos's StoreAPI messages, built in code from the field numbers in
// thanos-io/thanos pkg/store/storepb/{types,rpc}.proto and pkg/info/infopb/rpc.proto (v0.42). It deliberately
// does not read proto/: it is the yardstick our .proto files and codecs are checked against.

import protobuf from 'protobufjs';

const { Root, Type, Field, Enum, OneOf } = protobuf;

type FieldSpec = [name: string, id: number, type: string, rule?: 'repeated'];

function msg(name: string, fields: FieldSpec[]): protobuf.Type {
  const t = new Type(name);
  for (const [n, id, type, rule] of fields) t.add(new Field(n, id, type, rule));
  return t;
}

export function upstreamRoot(): protobuf.Root {
  const root = new Root();
  root.define('google.protobuf').add(msg('Any', [['type_url', 1, 'string'], ['value', 2, 'bytes']]));
  const thanos = root.define('thanos');
  thanos.add(msg('Label', [['name', 1, 'string'], ['value', 2, 'string']]));
  thanos.add(msg('ZLabelSet', [['labels', 1, 'Label', 'repeated']]));
  const chunk = msg('Chunk', [['type', 1, 'Encoding'], ['data', 2, 'bytes'], ['hash', 3, 'uint64']]);
  chunk.add(new Enum('Encoding', { XOR: 0, HISTOGRAM: 1, FLOAT_HISTOGRAM: 2 }));
  thanos.add(chunk);
  thanos.add(msg('AggrChunk', [
    ['min_time', 1, 'int64'], ['max_time', 2, 'int64'], ['raw', 3, 'Chunk'], ['count', 4, 'Chunk'], ['sum', 5, 'Chunk'],
    ['min', 6, 'Chunk'], ['max', 7, 'Chunk'], ['counter', 8, 'Chunk'],
  ]));
  thanos.add(msg('Series', [['labels', 1, 'Label', 'repeated'], ['chunks', 2, 'AggrChunk', 'repeated']]));
  thanos.add(msg('SeriesBatch', [['series', 1, 'Series', 'repeated']]));
  const matcher = msg('LabelMatcher', [['type', 1, 'Type'], ['name', 2, 'string'], ['value', 3, 'string']]);
  matcher.add(new Enum('Type', { EQ: 0, NEQ: 1, RE: 2, NRE: 3 }));
  thanos.add(matcher);
  thanos.add(new Enum('PartialResponseStrategy', { WARN: 0, ABORT: 1 }));
  thanos.add(new Enum('Aggr', { RAW: 0, COUNT: 1, SUM: 2, MIN: 3, MAX: 4, COUNTER: 5 }));
  thanos.add(msg('Func', [['name', 1, 'string']]));
  thanos.add(msg('Grouping', [['by', 1, 'bool'], ['labels', 3, 'string', 'repeated']]));
  thanos.add(msg('Range', [['millis', 1, 'int64']]));
  thanos.add(msg('QueryHints', [
    ['step_millis', 1, 'int64'], ['func', 2, 'Func'], ['grouping', 4, 'Grouping'], ['range', 5, 'Range'],
    ['projection_labels', 6, 'string', 'repeated'], ['projection_include', 7, 'bool'],
  ]));
  thanos.add(msg('ShardInfo', [['shard_index', 1, 'int64'], ['total_shards', 2, 'int64'], ['by', 3, 'bool'], ['labels', 4, 'string', 'repeated']]));
  thanos.add(msg('SeriesRequest', [
    ['min_time', 1, 'int64'], ['max_time', 2, 'int64'], ['matchers', 3, 'LabelMatcher', 'repeated'],
    ['max_resolution_window', 4, 'int64'], ['aggregates', 5, 'Aggr', 'repeated'], ['partial_response_disabled', 6, 'bool'],
    ['partial_response_strategy', 7, 'PartialResponseStrategy'], ['skip_chunks', 8, 'bool'], ['hints', 9, 'google.protobuf.Any'],
    ['step', 10, 'int64'], ['range', 11, 'int64'], ['query_hints', 12, 'QueryHints'], ['shard_info', 13, 'ShardInfo'],
    ['without_replica_labels', 14, 'string', 'repeated'], ['limit', 15, 'int64'], ['response_batch_size', 16, 'int64'],
  ]));
  const resp = msg('SeriesResponse', [['series', 1, 'Series'], ['warning', 2, 'string'], ['hints', 3, 'google.protobuf.Any'], ['batch', 4, 'SeriesBatch']]);
  resp.add(new OneOf('result', ['series', 'warning', 'hints', 'batch']));
  thanos.add(resp);
  const labelsReq: FieldSpec[] = [
    ['partial_response_disabled', 1, 'bool'], ['partial_response_strategy', 2, 'PartialResponseStrategy'], ['start', 3, 'int64'],
    ['end', 4, 'int64'], ['hints', 5, 'google.protobuf.Any'], ['matchers', 6, 'LabelMatcher', 'repeated'],
    ['without_replica_labels', 7, 'string', 'repeated'], ['limit', 8, 'int64'],
  ];
  thanos.add(msg('LabelNamesRequest', labelsReq));
  thanos.add(msg('LabelValuesRequest', [
    ['label', 1, 'string'], ['partial_response_disabled', 2, 'bool'], ['partial_response_strategy', 3, 'PartialResponseStrategy'],
    ['start', 4, 'int64'], ['end', 5, 'int64'], ['hints', 6, 'google.protobuf.Any'], ['matchers', 7, 'LabelMatcher', 'repeated'],
    ['without_replica_labels', 8, 'string', 'repeated'], ['limit', 9, 'int64'],
  ]));
  thanos.add(msg('LabelNamesResponse', [['names', 1, 'string', 'repeated'], ['warnings', 2, 'string', 'repeated'], ['hints', 3, 'google.protobuf.Any']]));
  thanos.add(msg('LabelValuesResponse', [['values', 1, 'string', 'repeated'], ['warnings', 2, 'string', 'repeated'], ['hints', 3, 'google.protobuf.Any']]));
  const legacyInfo = msg('InfoResponse', [
    ['labels', 1, 'Label', 'repeated'], ['min_time', 2, 'int64'], ['max_time', 3, 'int64'], ['storeType', 4, 'StoreType'],
    ['label_sets', 5, 'ZLabelSet', 'repeated'],
  ]);
  thanos.add(new Enum('StoreType', { UNKNOWN: 0, QUERY: 1, RULE: 2, SIDECAR: 3, STORE: 4, RECEIVE: 5, DEBUG: 6 }));
  thanos.add(legacyInfo);
  const info = root.define('thanos.info');
  info.add(msg('TSDBInfo', [['labels', 1, 'thanos.ZLabelSet'], ['min_time', 2, 'int64'], ['max_time', 3, 'int64']]));
  info.add(msg('StoreInfo', [
    ['min_time', 1, 'int64'], ['max_time', 2, 'int64'], ['supports_sharding', 3, 'bool'],
    ['supports_without_replica_labels', 5, 'bool'], ['tsdb_infos', 6, 'TSDBInfo', 'repeated'],
  ]));
  for (const n of ['RulesInfo', 'MetricMetadataInfo', 'TargetsInfo', 'QueryAPIInfo', 'StatusInfo']) info.add(msg(n, []));
  info.add(msg('ExemplarsInfo', [['min_time', 1, 'int64'], ['max_time', 2, 'int64']]));
  info.add(msg('InfoResponse', [
    ['label_sets', 1, 'thanos.ZLabelSet', 'repeated'], ['ComponentType', 2, 'string'], ['store', 3, 'StoreInfo'],
    ['rules', 4, 'RulesInfo'], ['metric_metadata', 5, 'MetricMetadataInfo'], ['targets', 6, 'TargetsInfo'],
    ['exemplars', 7, 'ExemplarsInfo'], ['query', 8, 'QueryAPIInfo'], ['status', 9, 'StatusInfo'],
  ]));
  root.resolveAll();
  return root;
}

/** Decodes with the upstream schema into plain objects: int64 as decimal strings, enums as names, bytes as arrays. */
export function upstreamDecode(root: protobuf.Root, type: string, buf: Uint8Array): Record<string, unknown> {
  const t = root.lookupType(type);
  return t.toObject(t.decode(buf), { longs: String, enums: String, bytes: Array, defaults: false, oneofs: true }) as Record<string, unknown>;
}

export function upstreamEncode(root: protobuf.Root, type: string, value: Record<string, unknown>): Uint8Array {
  const t = root.lookupType(type);
  return t.encode(t.fromObject(value)).finish();
}
