// thanos.Targets messages (proto/targets/rpc.proto) as typed values: the scrape targets a Prometheus sees, active
// (with health and last scrape) and dropped (discovered labels only).

import type { Labels } from '../../tsdb/labels/labels.js';
import { decodeWith, STRATEGIES } from '../codec.js';
import { enumName, enumNumber, list, obj, optObj, str } from '../codec-values.js';
import { apiMessages, type WarningFrame } from './messages.js';
import type { PartialResponseStrategy } from '../store-api.js';
import { decodeLabelSet, encodeLabelSet } from './labels.js';
import { decodeTimestamp, encodeTimestamp, ZERO_TIME, type Timestamp } from './timestamp.js';

export const TARGET_STATES = ['any', 'active', 'dropped'] as const;
export type TargetState = (typeof TARGET_STATES)[number];

/** Wire order of thanos.TargetHealth (index = number); upstream's dedup keeps the lowest. */
export const TARGET_HEALTHS = ['down', 'up', 'unknown'] as const;
export type TargetHealth = (typeof TARGET_HEALTHS)[number];

export interface ActiveTarget {
  readonly discoveredLabels: Labels;
  readonly labels: Labels;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly globalUrl: string;
  readonly lastError: string;
  readonly lastScrape: Timestamp;
  /** Seconds. */
  readonly lastScrapeDuration: number;
  readonly health: TargetHealth;
}

export interface DroppedTarget {
  readonly discoveredLabels: Labels;
}

export interface TargetDiscovery {
  readonly activeTargets: readonly ActiveTarget[];
  readonly droppedTargets: readonly DroppedTarget[];
}

export interface TargetsRequest {
  readonly state: TargetState;
  readonly partialResponseStrategy: PartialResponseStrategy;
}

export type TargetsFrame = { readonly type: 'targets'; readonly targets: TargetDiscovery } | WarningFrame;

const T = apiMessages('thanos.TargetsRequest', 'thanos.TargetsResponse');

export function encodeTargetsRequest(r: TargetsRequest): Uint8Array {
  return T.request.encode({
    state: enumNumber(r.state, TARGET_STATES), partialResponseStrategy: enumNumber(r.partialResponseStrategy, STRATEGIES),
  }).finish();
}

export function decodeTargetsRequest(buf: Uint8Array): TargetsRequest {
  const o = decodeWith(T.request, buf, 'TargetsRequest');
  return {
    state: enumName(o['state'], TARGET_STATES, 'TargetsRequest.state'),
    partialResponseStrategy: enumName(o['partialResponseStrategy'], STRATEGIES, 'TargetsRequest.partial_response_strategy'),
  };
}

export function encodeTargetsFrame(f: TargetsFrame): Uint8Array {
  if (f.type === 'warning') return T.response.encode({ warning: f.warning }).finish();
  return T.response.encode({
    targets: {
      activeTargets: f.targets.activeTargets.map((t) => ({
        discoveredLabels: encodeLabelSet(t.discoveredLabels), labels: encodeLabelSet(t.labels), scrapePool: t.scrapePool,
        scrapeUrl: t.scrapeUrl, globalUrl: t.globalUrl, lastError: t.lastError, lastScrape: encodeTimestamp(t.lastScrape),
        lastScrapeDuration: t.lastScrapeDuration, health: enumNumber(t.health, TARGET_HEALTHS),
      })),
      droppedTargets: f.targets.droppedTargets.map((t) => ({ discoveredLabels: encodeLabelSet(t.discoveredLabels) })),
    },
  }).finish();
}

export function decodeTargetsFrame(buf: Uint8Array): TargetsFrame {
  const w = 'TargetsResponse';
  const o = decodeWith(T.response, buf, w);
  const t = optObj(o['targets'], `${w}.targets`);
  if (!t) return { type: 'warning', warning: str(o['warning'], `${w}.warning`) };
  return {
    type: 'targets',
    targets: {
      activeTargets: list(t['activeTargets'], `${w}.activeTargets`).map((v, i): ActiveTarget => {
        const aw = `${w}.activeTargets[${i}]`;
        const a = obj(v, aw);
        return {
          discoveredLabels: decodeLabelSet(a['discoveredLabels'], `${aw}.discoveredLabels`),
          labels: decodeLabelSet(a['labels'], `${aw}.labels`),
          scrapePool: str(a['scrapePool'], `${aw}.scrapePool`),
          scrapeUrl: str(a['scrapeUrl'], `${aw}.scrapeUrl`),
          globalUrl: str(a['globalUrl'], `${aw}.globalUrl`),
          lastError: str(a['lastError'], `${aw}.lastError`),
          lastScrape: decodeTimestamp(a['lastScrape'], `${aw}.lastScrape`) ?? ZERO_TIME,
          lastScrapeDuration: typeof a['lastScrapeDuration'] === 'number' ? a['lastScrapeDuration'] : 0,
          health: enumName(a['health'], TARGET_HEALTHS, `${aw}.health`),
        };
      }),
      droppedTargets: list(t['droppedTargets'], `${w}.droppedTargets`).map((v, i): DroppedTarget => ({
        discoveredLabels: decodeLabelSet(obj(v, `${w}.droppedTargets[${i}]`)['discoveredLabels'], `${w}.droppedTargets[${i}].discoveredLabels`),
      })),
    },
  };
}
