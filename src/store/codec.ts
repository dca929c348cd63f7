// Encodes and decodes thanos.Store messages between the wire (proto/store/*.proto) and the typed StoreAPI values.
// Decoding validates everything (InvalidArgumentError naming the field); chunk bytes stay views into the frame.

import type { Label, Labels } from '../tsdb/labels/labels.js';
import { Matcher, type MatchType } from '../tsdb/labels/matcher.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import type {
  Aggr, AggrChunk, AnyMessage, Chunk, ChunkEncoding, LabelNamesRequest, LabelNamesResponse, LabelValuesRequest,
  LabelValuesResponse, PartialResponseStrategy, QueryHints, Series, SeriesRequest, SeriesResponse, ShardInfo,
} from './store-api.js';
import {
  bool, bytes, enumName, enumNumber, int64, list, obj, optObj, str, strings, uint64Big, type Obj,
} from './codec-values.js';
import { protoType } from './proto.js';
import { decodeSeriesFrame, type LabelCache } from './series-decoder.js';
import { encodeBatchFrame, encodeSeriesFrame } from './series-encoder.js';

export const CHUNK_ENCODINGS: readonly ChunkEncoding[] = ['XOR', 'HISTOGRAM', 'FLOAT_HISTOGRAM'];
export const AGGRS: readonly Aggr[] = ['RAW', 'COUNT', 'SUM', 'MIN', 'MAX', 'COUNTER'];
export const STRATEGIES: readonly PartialResponseStrategy[] = ['WARN', 'ABORT'];
const MATCH_TYPES: readonly MatchType[] = ['=', '!=', '=~', '!~'];
const AGGR_FIELDS = ['raw', 'count', 'sum', 'min', 'max', 'counter'] as const;

/** A decoded Series frame; `batch` frames (upstream v0.42 response batching) carry several series. */
export type WireSeriesResponse = SeriesResponse | { readonly type: 'batch'; readonly series: readonly Series[] };

const T = {
  seriesRequest: protoType('thanos.SeriesRequest'),
  seriesResponse: protoType('thanos.SeriesResponse'),
  labelNamesRequest: protoType('thanos.LabelNamesRequest'),
  labelNamesResponse: protoType('thanos.LabelNamesResponse'),
  labelValuesRequest: protoType('thanos.LabelValuesRequest'),
  labelValuesResponse: protoType('thanos.LabelValuesResponse'),
};

/** Runs a protobufjs decode, turning its range/wire-type errors into InvalidArgumentError. */
export function decodeWith(type: { decode(b: Uint8Array): unknown }, buf: Uint8Array, what: string): Obj {
  try {
    return obj(type.decode(buf), what);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`decode ${what}: malformed protobuf: ${(err as Error).message}`, { cause: err });
  }
}

// ---- shared pieces ----

export function decodeLabels(v: unknown, where: string): Label[] {
  return list(v, where).map((l, i) => {
    const o = obj(l, `${where}[${i}]`);
    return { name: str(o['name'], `${where}[${i}].name`), value: str(o['value'], `${where}[${i}].value`) };
  });
}

export function encodeLabels(labels: Labels): { name: string; value: string }[] {
  return labels.map((l) => ({ name: l.name, value: l.value }));
}

export function decodeMatchers(v: unknown, where: string): Matcher[] {
  return list(v, where).map((m, i) => {
    const o = obj(m, `${where}[${i}]`);
    const type = enumName(o['type'], MATCH_TYPES, `${where}[${i}].type (matcher type)`);
    const name = str(o['name'], `${where}[${i}].name`);
    const value = str(o['value'], `${where}[${i}].value`);
    try {
      return new Matcher(type, name, value);
    } catch (err) {
      throw new InvalidArgumentError(`${where}[${i}]: invalid matcher ${name}${type}${JSON.stringify(value)}: ${(err as Error).message}`, { cause: err });
    }
  });
}

export function encodeMatchers(ms: readonly Matcher[]): { type: number; name: string; value: string }[] {
  return ms.map((m) => ({ type: enumNumber(m.type, MATCH_TYPES), name: m.name, value: m.value }));
}

// protobufjs's bundled google/protobuf/any.proto keeps `type_url` in snake case whatever keepCase says; ask it.
const ANY_URL = protoType('google.protobuf.Any').fieldsArray.find((f) => f.id === 1)?.name ?? 'type_url';

function decodeAny(v: unknown, where: string): AnyMessage | undefined {
  const o = optObj(v, where);
  return o ? { typeUrl: str(o[ANY_URL], `${where}.type_url`), value: bytes(o['value'], `${where}.value`) } : undefined;
}

function encodeAny(a: AnyMessage | undefined): Record<string, unknown> | undefined {
  return a ? { [ANY_URL]: a.typeUrl, value: a.value } : undefined;
}

function decodeChunk(v: unknown, where: string): Chunk | undefined {
  const o = optObj(v, where);
  if (!o) return undefined;
  const encoding = enumName(o['type'], CHUNK_ENCODINGS, `${where}.type`);
  const data = bytes(o['data'], `${where}.data`);
  const hash = uint64Big(o['hash'], `${where}.hash`);
  return hash === 0n ? { encoding, data } : { encoding, data, hash };
}

function decodeSeries(v: unknown, where: string): Series {
  const o = obj(v, where);
  const labels = decodeLabels(o['labels'], `${where}.labels`);
  const chunks = list(o['chunks'], `${where}.chunks`).map((c, i): AggrChunk => {
    const w = `${where}.chunks[${i}]`;
    const co = obj(c, w);
    const out: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = {
      minTime: int64(co['minTime'], `${w}.min_time`),
      maxTime: int64(co['maxTime'], `${w}.max_time`),
    };
    for (const f of AGGR_FIELDS) {
      const ch = decodeChunk(co[f], `${w}.${f}`);
      if (ch) out[f] = ch;
    }
    return out;
  });
  return { labels, chunks };
}

// ---- Series ----

export function encodeSeriesRequest(r: SeriesRequest): Uint8Array {
  return T.seriesRequest.encode({
    minTime: r.minTime,
    maxTime: r.maxTime,
    matchers: encodeMatchers(r.matchers),
    maxResolutionWindow: r.maxResolutionWindow,
    aggregates: r.aggregates.map((a) => enumNumber(a, AGGRS)),
    partialResponseDisabled: r.partialResponseDisabled,
    partialResponseStrategy: enumNumber(r.partialResponseStrategy, STRATEGIES),
    skipChunks: r.skipChunks,
    hints: encodeAny(r.hints),
    step: r.step,
    range: r.range,
    queryHints: r.queryHints,
    shardInfo: r.shardInfo,
    withoutReplicaLabels: r.withoutReplicaLabels,
    limit: r.limit,
    responseBatchSize: r.responseBatchSize,
  }).finish();
}

function decodeQueryHints(v: unknown, where: string): QueryHints | undefined {
  const o = optObj(v, where);
  if (!o) return undefined;
  const out: { -readonly [K in keyof QueryHints]: QueryHints[K] } = {
    stepMillis: int64(o['stepMillis'], `${where}.step_millis`),
    projectionLabels: strings(o['projectionLabels'], `${where}.projection_labels`),
    projectionInclude: bool(o['projectionInclude'], `${where}.projection_include`),
  };
  const func = optObj(o['func'], `${where}.func`);
  if (func) out.func = { name: str(func['name'], `${where}.func.name`) };
  const grouping = optObj(o['grouping'], `${where}.grouping`);
  if (grouping) {
    out.grouping = { by: bool(grouping['by'], `${where}.grouping.by`), labels: strings(grouping['labels'], `${where}.grouping.labels`) };
  }
  const range = optObj(o['range'], `${where}.range`);
  if (range) out.range = { millis: int64(range['millis'], `${where}.range.millis`) };
  return out;
}

function decodeShardInfo(v: unknown, where: string): ShardInfo | undefined {
  const o = optObj(v, where);
  if (!o) return undefined;
  return {
    shardIndex: int64(o['shardIndex'], `${where}.shard_index`),
    totalShards: int64(o['totalShards'], `${where}.total_shards`),
    by: bool(o['by'], `${where}.by`),
    labels: strings(o['labels'], `${where}.labels`),
  };
}

export function decodeSeriesRequest(buf: Uint8Array): SeriesRequest {
  const w = 'SeriesRequest';
  const o = decodeWith(T.seriesRequest, buf, w);
  const out: { -readonly [K in keyof SeriesRequest]: SeriesRequest[K] } = {
    minTime: int64(o['minTime'], `${w}.min_time`),
    maxTime: int64(o['maxTime'], `${w}.max_time`),
    matchers: decodeMatchers(o['matchers'], `${w}.matchers`),
    maxResolutionWindow: int64(o['maxResolutionWindow'], `${w}.max_resolution_window`),
    aggregates: list(o['aggregates'], `${w}.aggregates`).map((a, i) => enumName(a, AGGRS, `${w}.aggregates[${i}]`)),
    partialResponseDisabled: bool(o['partialResponseDisabled'], `${w}.partial_response_disabled`),
    partialResponseStrategy: enumName(o['partialResponseStrategy'], STRATEGIES, `${w}.partial_response_strategy`),
    skipChunks: bool(o['skipChunks'], `${w}.skip_chunks`),
    withoutReplicaLabels: strings(o['withoutReplicaLabels'], `${w}.without_replica_labels`),
    limit: int64(o['limit'], `${w}.limit`),
    step: int64(o['step'], `${w}.step`),
    range: int64(o['range'], `${w}.range`),
    responseBatchSize: int64(o['responseBatchSize'], `${w}.response_batch_size`),
  };
  const hints = decodeAny(o['hints'], `${w}.hints`);
  if (hints) out.hints = hints;
  const queryHints = decodeQueryHints(o['queryHints'], `${w}.query_hints`);
  if (queryHints) out.queryHints = queryHints;
  const shardInfo = decodeShardInfo(o['shardInfo'], `${w}.shard_info`);
  if (shardInfo) out.shardInfo = shardInfo;
  return out;
}

export function encodeSeriesResponse(r: WireSeriesResponse): Uint8Array {
  switch (r.type) {
    case 'series': return encodeSeriesFrame(r.series);
    case 'warning': return T.seriesResponse.encode({ warning: r.warning }).finish();
    case 'hints': return T.seriesResponse.encode({ hints: encodeAny(r.hints) }).finish();
    case 'batch': return encodeBatchFrame(r.series);
  }
}

/** Decodes a SeriesResponse; series labels go through `labels` when given (see LabelCache). */
export function decodeSeriesResponse(buf: Uint8Array, labels?: LabelCache): WireSeriesResponse {
  const fast = decodeSeriesFrame(buf, labels);
  if (fast) return fast.batch ? { type: 'batch', series: fast.series } : { type: 'series', series: fast.series[0]! };
  const w = 'SeriesResponse';
  const o = decodeWith(T.seriesResponse, buf, w);
  // protobufjs exposes the set member of a oneof under the oneof's name.
  switch (o['result']) {
    case 'series': return { type: 'series', series: decodeSeries(o['series'], `${w}.series`) };
    case 'warning': return { type: 'warning', warning: str(o['warning'], `${w}.warning`) };
    case 'hints': return { type: 'hints', hints: decodeAny(o['hints'], `${w}.hints`) ?? { typeUrl: '', value: new Uint8Array(0) } };
    case 'batch': {
      const b = obj(o['batch'], `${w}.batch`);
      return { type: 'batch', series: list(b['series'], `${w}.batch.series`).map((s, i) => decodeSeries(s, `${w}.batch.series[${i}]`)) };
    }
    default: throw new InvalidArgumentError(`${w}: empty or unknown result`);
  }
}

// ---- LabelNames / LabelValues ----

function encodeLabelsRequestCommon(r: LabelNamesRequest): object {
  return {
    partialResponseDisabled: r.partialResponseDisabled,
    partialResponseStrategy: enumNumber(r.partialResponseStrategy, STRATEGIES),
    start: r.start,
    end: r.end,
    hints: encodeAny(r.hints),
    matchers: encodeMatchers(r.matchers),
    withoutReplicaLabels: r.withoutReplicaLabels,
    limit: r.limit,
  };
}

function decodeLabelsRequestCommon(o: Obj, w: string): LabelNamesRequest {
  const out: { -readonly [K in keyof LabelNamesRequest]: LabelNamesRequest[K] } = {
    partialResponseDisabled: bool(o['partialResponseDisabled'], `${w}.partial_response_disabled`),
    partialResponseStrategy: enumName(o['partialResponseStrategy'], STRATEGIES, `${w}.partial_response_strategy`),
    start: int64(o['start'], `${w}.start`),
    end: int64(o['end'], `${w}.end`),
    matchers: decodeMatchers(o['matchers'], `${w}.matchers`),
    withoutReplicaLabels: strings(o['withoutReplicaLabels'], `${w}.without_replica_labels`),
    limit: int64(o['limit'], `${w}.limit`),
  };
  const hints = decodeAny(o['hints'], `${w}.hints`);
  if (hints) out.hints = hints;
  return out;
}

export function encodeLabelNamesRequest(r: LabelNamesRequest): Uint8Array {
  return T.labelNamesRequest.encode(encodeLabelsRequestCommon(r)).finish();
}

export function decodeLabelNamesRequest(buf: Uint8Array): LabelNamesRequest {
  return decodeLabelsRequestCommon(decodeWith(T.labelNamesRequest, buf, 'LabelNamesRequest'), 'LabelNamesRequest');
}

export function encodeLabelValuesRequest(r: LabelValuesRequest): Uint8Array {
  return T.labelValuesRequest.encode({ ...encodeLabelsRequestCommon(r), label: r.label }).finish();
}

export function decodeLabelValuesRequest(buf: Uint8Array): LabelValuesRequest {
  const w = 'LabelValuesRequest';
  const o = decodeWith(T.labelValuesRequest, buf, w);
  return { ...decodeLabelsRequestCommon(o, w), label: str(o['label'], `${w}.label`) };
}

export function encodeLabelNamesResponse(r: LabelNamesResponse): Uint8Array {
  return T.labelNamesResponse.encode({ names: r.names, warnings: r.warnings, hints: encodeAny(r.hints) }).finish();
}

export function decodeLabelNamesResponse(buf: Uint8Array): LabelNamesResponse {
  const w = 'LabelNamesResponse';
  const o = decodeWith(T.labelNamesResponse, buf, w);
  const hints = decodeAny(o['hints'], `${w}.hints`);
  const out = { names: strings(o['names'], `${w}.names`), warnings: strings(o['warnings'], `${w}.warnings`) };
  return hints ? { ...out, hints } : out;
}

export function encodeLabelValuesResponse(r: LabelValuesResponse): Uint8Array {
  return T.labelValuesResponse.encode({ values: r.values, warnings: r.warnings, hints: encodeAny(r.hints) }).finish();
}

export function decodeLabelValuesResponse(buf: Uint8Array): LabelValuesResponse {
  const w = 'LabelValuesResponse';
  const o = decodeWith(T.labelValuesResponse, buf, w);
  const hints = decodeAny(o['hints'], `${w}.hints`);
  const out = { values: strings(o['values'], `${w}.values`), warnings: strings(o['warnings'], `${w}.warnings`) };
  return hints ? { ...out, hints } : out;
}
