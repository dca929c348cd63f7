// thanos.Exemplars messages (proto/exemplars/rpc.proto) as typed values: per series, the exemplars in a time range.

import type { Labels } from '../../tsdb/labels/labels.js';
import { decodeWith, STRATEGIES } from '../codec.js';
import { enumName, enumNumber, int64, list, obj, optObj, str } from '../codec-values.js';
import { apiMessages, type WarningFrame } from './messages.js';
import type { PartialResponseStrategy } from '../store-api.js';
import { decodeLabelSet, encodeLabelSet } from './labels.js';

export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  /** ms. */
  readonly ts: number;
}

export interface ExemplarData {
  readonly seriesLabels: Labels;
  readonly exemplars: readonly Exemplar[];
}

export interface ExemplarsRequest {
  /** PromQL whose selectors pick the series. */
  readonly query: string;
  /** ms. */
  readonly start: number;
  readonly end: number;
  readonly partialResponseStrategy: PartialResponseStrategy;
}

export type ExemplarsFrame = { readonly type: 'data'; readonly data: ExemplarData } | WarningFrame;

const T = apiMessages('thanos.ExemplarsRequest', 'thanos.ExemplarsResponse');

export function encodeExemplarsRequest(r: ExemplarsRequest): Uint8Array {
  return T.request.encode({
    query: r.query, start: r.start, end: r.end, partialResponseStrategy: enumNumber(r.partialResponseStrategy, STRATEGIES),
  }).finish();
}

export function decodeExemplarsRequest(buf: Uint8Array): ExemplarsRequest {
  const w = 'ExemplarsRequest';
  const o = decodeWith(T.request, buf, w);
  return {
    query: str(o['query'], `${w}.query`), start: int64(o['start'], `${w}.start`), end: int64(o['end'], `${w}.end`),
    partialResponseStrategy: enumName(o['partialResponseStrategy'], STRATEGIES, `${w}.partial_response_strategy`),
  };
}

export function encodeExemplarsFrame(f: ExemplarsFrame): Uint8Array {
  if (f.type === 'warning') return T.response.encode({ warning: f.warning }).finish();
  return T.response.encode({
    data: {
      seriesLabels: encodeLabelSet(f.data.seriesLabels),
      exemplars: f.data.exemplars.map((e) => ({ labels: encodeLabelSet(e.labels), value: e.value, ts: e.ts })),
    },
  }).finish();
}

export function decodeExemplarsFrame(buf: Uint8Array): ExemplarsFrame {
  const w = 'ExemplarsResponse';
  const o = decodeWith(T.response, buf, w);
  const d = optObj(o['data'], `${w}.data`);
  if (!d) return { type: 'warning', warning: str(o['warning'], `${w}.warning`) };
  return {
    type: 'data',
    data: {
      seriesLabels: decodeLabelSet(d['seriesLabels'], `${w}.data.seriesLabels`),
      exemplars: list(d['exemplars'], `${w}.data.exemplars`).map((v, i): Exemplar => {
        const e = obj(v, `${w}.data.exemplars[${i}]`);
        return {
          labels: decodeLabelSet(e['labels'], `${w}.data.exemplars[${i}].labels`),
          value: typeof e['value'] === 'number' ? e['value'] : 0,
          ts: int64(e['ts'], `${w}.data.exemplars[${i}].ts`),
        };
      }),
    },
  };
}
