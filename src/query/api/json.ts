// Prometheus's JSON envelope and result encodings, written by hand so large matrices serialise without building
// intermediate objects: timestamps as seconds with up to three decimals, values as Go-formatted strings.

import { formatFloatGo } from '../../runtime/go-float.js';
import type { QueryValue } from '../../promql/value.js';
import type { Labels } from '../../tsdb/labels/labels.js';

/** Prometheus's marshalTimestamp: integer seconds, then `.` and the zero-padded milliseconds when not zero. */
export function formatTimestamp(ms: number): string {
  const neg = ms < 0;
  const abs = Math.abs(ms);
  const sec = Math.floor(abs / 1000);
  const frac = abs - sec * 1000;
  let out = (neg ? '-' : '') + String(sec);
  if (frac !== 0) out += '.' + String(frac).padStart(3, '0');
  return out;
}

export function labelsJson(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(labels[i]!.name) + ':' + JSON.stringify(labels[i]!.value);
  }
  return out + '}';
}

const point = (t: number, v: number): string => `[${formatTimestamp(t)},"${formatFloatGo(v)}"]`;

/** The `data` of /api/v1/query and /api/v1/query_range. */
export function queryDataJson(v: QueryValue): string {
  switch (v.type) {
    case 'scalar': return `{"resultType":"scalar","result":${point(v.t, v.v)}}`;
    case 'string': return `{"resultType":"string","result":[${formatTimestamp(v.t)},${JSON.stringify(v.v)}]}`;
    case 'vector': {
      const parts = v.samples.map((s) => `{"metric":${labelsJson(s.labels)},"value":${point(s.t, s.v)}}`);
      return `{"resultType":"vector","result":[${parts.join(',')}]}`;
    }
    case 'matrix': {
      const parts: string[] = [];
      for (const s of v.series) {
        const pts: string[] = new Array<string>(s.timestamps.length);
        for (let i = 0; i < s.timestamps.length; i++) pts[i] = point(s.timestamps[i]!, s.values[i]!);
        parts.push(`{"metric":${labelsJson(s.labels)},"values":[${pts.join(',')}]}`);
      }
      return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
    }
  }
}

/** `{"status":"success","data":…,"warnings":[…],"infos":[…]}`; `data` is already JSON. */
export function successJson(data: string, warnings: readonly string[] = [], infos: readonly string[] = []): string {
  let out = `{"status":"success","data":${data}`;
  if (warnings.length > 0) out += `,"warnings":${JSON.stringify(warnings)}`;
  if (infos.length > 0) out += `,"infos":${JSON.stringify(infos)}`;
  return out + '}';
}

export type ErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found';

/** HTTP status of each error type, as Prometheus's API answers. */
export const ERROR_STATUS: Readonly<Record<ErrorType, number>> = {
  bad_data: 400, execution: 422, timeout: 503, canceled: 499, internal: 500, unavailable: 503, not_found: 404,
};

export function errorJson(type: ErrorType, message: string, warnings: readonly string[] = []): string {
  let out = `{"status":"error","errorType":"${type}","error":${JSON.stringify(message)}`;
  if (warnings.length > 0) out += `,"warnings":${JSON.stringify(warnings)}`;
  return out + '}';
}
