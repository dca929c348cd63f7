// thanos.Metadata messages (proto/metadata/rpc.proto) as typed values: metric name → the type/help/unit entries
// the scraped targets reported for it.

import { decodeWith, STRATEGIES } from '../codec.js';
import { enumName, enumNumber, list, obj, optObj, str } from '../codec-values.js';
import { apiMessages, type WarningFrame } from './messages.js';
import type { PartialResponseStrategy } from '../store-api.js';

export interface MetricMeta {
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

export type MetricMetadata = ReadonlyMap<string, readonly MetricMeta[]>;

export interface MetricMetadataRequest {
  /** '' = every metric. */
  readonly metric: string;
  /** Most metrics to return; negative = no limit. */
  readonly limit: number;
  readonly partialResponseStrategy: PartialResponseStrategy;
}

export type MetadataFrame = { readonly type: 'metadata'; readonly metadata: MetricMetadata } | WarningFrame;

const T = apiMessages('thanos.MetricMetadataRequest', 'thanos.MetricMetadataResponse');

export function encodeMetadataRequest(r: MetricMetadataRequest): Uint8Array {
  return T.request.encode({
    metric: r.metric, limit: r.limit, partialResponseStrategy: enumNumber(r.partialResponseStrategy, STRATEGIES),
  }).finish();
}

export function decodeMetadataRequest(buf: Uint8Array): MetricMetadataRequest {
  const o = decodeWith(T.request, buf, 'MetricMetadataRequest');
  return {
    metric: str(o['metric'], 'MetricMetadataRequest.metric'),
    limit: typeof o['limit'] === 'number' ? o['limit'] : 0,
    partialResponseStrategy: enumName(o['partialResponseStrategy'], STRATEGIES, 'MetricMetadataRequest.partial_response_strategy'),
  };
}

export function encodeMetadataFrame(f: MetadataFrame): Uint8Array {
  if (f.type === 'warning') return T.response.encode({ warning: f.warning }).finish();
  const metadata: Record<string, { metas: MetricMeta[] }> = {};
  for (const [name, metas] of f.metadata) metadata[name] = { metas: metas.map((m) => ({ type: m.type, help: m.help, unit: m.unit })) };
  return T.response.encode({ metadata: { metadata } }).finish();
}

export function decodeMetadataFrame(buf: Uint8Array): MetadataFrame {
  const w = 'MetricMetadataResponse';
  const o = decodeWith(T.response, buf, w);
  const md = optObj(o['metadata'], `${w}.metadata`);
  if (!md) return { type: 'warning', warning: str(o['warning'], `${w}.warning`) };
  const out = new Map<string, MetricMeta[]>();
  const entries = optObj(md['metadata'], `${w}.metadata.metadata`) ?? {};
  for (const [name, e] of Object.entries(entries)) {
    const ew = `${w}.metadata[${JSON.stringify(name)}]`;
    out.set(name, list(obj(e, ew)['metas'], `${ew}.metas`).map((m, i) => {
      const mo = obj(m, `${ew}.metas[${i}]`);
      return { type: str(mo['type'], `${ew}.type`), help: str(mo['help'], `${ew}.help`), unit: str(mo['unit'], `${ew}.unit`) };
    }));
  }
  return { type: 'metadata', metadata: out };
}
