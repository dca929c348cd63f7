// Discovery messages: thanos.info.Info/Info (today's queriers) and the legacy thanos.Store/Info (before v0.37),
// their typed form, and conversion from/to a StoreInfo.

import { InvalidArgumentError } from '../runtime/errors.js';
import type { Labels } from '../tsdb/labels/labels.js';
import { decodeLabels, decodeWith, encodeLabels } from './codec.js';
import { bool, int64, list, obj, optObj, str, type Obj } from './codec-values.js';
import { protoType } from './proto.js';
import type { StoreInfo, TSDBInfo } from './store-api.js';

/** Which APIs a component exposes, as thanos.info.InfoResponse says (absent sub-message = API not exposed). */
export interface InfoResponse {
  readonly componentType: string;
  readonly labelSets: readonly Labels[];
  readonly store?: Omit<StoreInfo, 'componentType' | 'labelSets'>;
  readonly rules: boolean;
  readonly metricMetadata: boolean;
  readonly targets: boolean;
  readonly exemplars?: { readonly minTime: number; readonly maxTime: number };
  readonly query: boolean;
  readonly status: boolean;
}

/** The other APIs a server advertises next to the StoreAPI. */
export type ExtraApis = Partial<Omit<InfoResponse, 'componentType' | 'labelSets' | 'store'>>;

const T = {
  info: protoType('thanos.info.InfoResponse'),
  legacy: protoType('thanos.InfoResponse'),
  emptyInfoRequest: protoType('thanos.info.InfoRequest'),
};

/** Legacy StoreType enum, index = wire number. */
const STORE_TYPES = ['UNKNOWN', 'QUERY', 'RULE', 'SIDECAR', 'STORE', 'RECEIVE', 'DEBUG'] as const;

export function infoResponseFor(info: StoreInfo, extra: ExtraApis = {}): InfoResponse {
  const { componentType, labelSets, ...store } = info;
  return {
    componentType, labelSets, store,
    rules: extra.rules ?? false, metricMetadata: extra.metricMetadata ?? false, targets: extra.targets ?? false,
    query: extra.query ?? false, status: extra.status ?? false,
    ...(extra.exemplars ? { exemplars: extra.exemplars } : {}),
  };
}

/** The StoreInfo inside an InfoResponse, or undefined when the component exposes no StoreAPI. */
export function storeInfoOf(r: InfoResponse): StoreInfo | undefined {
  return r.store ? { componentType: r.componentType, labelSets: r.labelSets, ...r.store } : undefined;
}

const labelSet = (ls: Labels): object => ({ labels: encodeLabels(ls) });

export function encodeInfoResponse(r: InfoResponse): Uint8Array {
  const empty = {};
  return T.info.encode({
    labelSets: r.labelSets.map(labelSet),
    ComponentType: r.componentType,
    store: r.store && {
      minTime: r.store.minTime, maxTime: r.store.maxTime, supportsSharding: r.store.supportsSharding,
      supportsWithoutReplicaLabels: r.store.supportsWithoutReplicaLabels,
      tsdbInfos: r.store.tsdbInfos.map((t) => ({ labels: labelSet(t.labels), minTime: t.minTime, maxTime: t.maxTime })),
    },
    rules: r.rules ? empty : undefined,
    metricMetadata: r.metricMetadata ? empty : undefined,
    targets: r.targets ? empty : undefined,
    exemplars: r.exemplars,
    query: r.query ? empty : undefined,
    status: r.status ? empty : undefined,
  }).finish();
}

function decodeLabelSets(v: unknown, where: string): Labels[] {
  return list(v, where).map((s, i) => decodeLabels(obj(s, `${where}[${i}]`)['labels'], `${where}[${i}].labels`));
}

export function decodeInfoResponse(buf: Uint8Array): InfoResponse {
  const w = 'InfoResponse';
  const o = decodeWith(T.info, buf, w);
  const present = (k: string): boolean => optObj(o[k], `${w}.${k}`) !== undefined;
  const s = optObj(o['store'], `${w}.store`);
  const ex = optObj(o['exemplars'], `${w}.exemplars`);
  return {
    componentType: str(o['ComponentType'], `${w}.ComponentType`),
    labelSets: decodeLabelSets(o['labelSets'], `${w}.label_sets`),
    ...(s ? { store: decodeStoreInfo(s, `${w}.store`) } : {}),
    rules: present('rules'), metricMetadata: present('metricMetadata'), targets: present('targets'),
    query: present('query'), status: present('status'),
    ...(ex ? { exemplars: { minTime: int64(ex['minTime'], `${w}.exemplars.min_time`), maxTime: int64(ex['maxTime'], `${w}.exemplars.max_time`) } } : {}),
  };
}

function decodeStoreInfo(s: Obj, w: string): NonNullable<InfoResponse['store']> {
  return {
    minTime: int64(s['minTime'], `${w}.min_time`),
    maxTime: int64(s['maxTime'], `${w}.max_time`),
    supportsSharding: bool(s['supportsSharding'], `${w}.supports_sharding`),
    supportsWithoutReplicaLabels: bool(s['supportsWithoutReplicaLabels'], `${w}.supports_without_replica_labels`),
    tsdbInfos: list(s['tsdbInfos'], `${w}.tsdb_infos`).map((t, i): TSDBInfo => {
      const to = obj(t, `${w}.tsdb_infos[${i}]`);
      // gogo nullable=false makes Go always send `labels`; absent and empty are the same.
      const lo = optObj(to['labels'], `${w}.tsdb_infos[${i}].labels`);
      return {
        labels: lo ? decodeLabels(lo['labels'], `${w}.tsdb_infos[${i}].labels`) : [],
        minTime: int64(to['minTime'], `${w}.tsdb_infos[${i}].min_time`),
        maxTime: int64(to['maxTime'], `${w}.tsdb_infos[${i}].max_time`),
      };
    }),
  };
}

/** The legacy Store.Info answer: labels of the first label set, time range, store type from the component. */
export function encodeLegacyInfoResponse(info: StoreInfo): Uint8Array {
  const typeIndex = STORE_TYPES.indexOf(info.componentType.toUpperCase() as (typeof STORE_TYPES)[number]);
  return T.legacy.encode({
    labels: info.labelSets.length === 1 ? encodeLabels(info.labelSets[0]!) : [],
    minTime: info.minTime,
    maxTime: info.maxTime,
    storeType: typeIndex < 0 ? 0 : typeIndex,
    labelSets: info.labelSets.map(labelSet),
  }).finish();
}

export function decodeLegacyInfoResponse(buf: Uint8Array): StoreInfo {
  const w = 'thanos.InfoResponse';
  const o = decodeWith(T.legacy, buf, w);
  const t = o['storeType'] ?? 0;
  if (typeof t !== 'number' || t < 0 || t >= STORE_TYPES.length) throw new InvalidArgumentError(`${w}.storeType: unknown value ${typeof t === 'number' ? t : typeof t}`);
  let labelSets = decodeLabelSets(o['labelSets'], `${w}.label_sets`);
  const labels = decodeLabels(o['labels'], `${w}.labels`);
  if (labelSets.length === 0 && labels.length > 0) labelSets = [labels];
  return {
    componentType: STORE_TYPES[t]!.toLowerCase(),
    labelSets,
    minTime: int64(o['minTime'], `${w}.min_time`),
    maxTime: int64(o['maxTime'], `${w}.max_time`),
    supportsSharding: false,
    supportsWithoutReplicaLabels: false,
    tsdbInfos: [],
  };
}

/** InfoRequest is empty in both services; any bytes that parse are accepted. */
export function decodeInfoRequest(buf: Uint8Array): void {
  decodeWith(T.emptyInfoRequest, buf, 'InfoRequest');
}
