// The thanos.Rules, thanos.Targets, thanos.Metadata and thanos.Exemplars gRPC services: definitions, the server side
// over ComponentApis (each answer streamed as upstream frames it: a group / a discovery / a metadata map / a
// series per message, warnings as their own messages), and the client side over a StoreAPI connection.

import type { ServerWritableStream } from '@grpc/grpc-js';
import type { GrpcService } from '../../runtime/grpc-server.js';
import { nopLogger, type Logger } from '../../runtime/logger.js';
import { once } from 'node:events';
import type { ExtraApis } from '../info.js';
import { statusError } from '../grpc-status.js';
import { callSignal, logFailure } from '../grpc-server.js';
import { asBuffer } from '../grpc-services.js';
import type { ComponentApis, ExemplarsApi, MetadataApi, RulesApi, TargetsApi } from './component-apis.js';
import { decodeExemplarsFrame, decodeExemplarsRequest, encodeExemplarsFrame, encodeExemplarsRequest, type ExemplarData, type ExemplarsRequest } from './exemplars.js';
import { decodeMetadataFrame, decodeMetadataRequest, encodeMetadataFrame, encodeMetadataRequest, type MetricMeta, type MetricMetadataRequest } from './metadata.js';
import { decodeRulesFrame, decodeRulesRequest, encodeRulesFrame, encodeRulesRequest, type RuleGroup, type RulesRequest } from './rules.js';
import { decodeTargetsFrame, decodeTargetsRequest, encodeTargetsFrame, encodeTargetsRequest, type ActiveTarget, type DroppedTarget, type TargetsRequest } from './targets.js';
import type { WarningFrame } from './messages.js';

const passthrough = (b: Buffer): Buffer => b;

function streamMethod(path: string) {
  return {
    path, requestStream: false, responseStream: true,
    requestSerialize: passthrough, requestDeserialize: passthrough, responseSerialize: passthrough, responseDeserialize: passthrough,
  } as const;
}

export const RULES_SERVICE = { Rules: streamMethod('/thanos.Rules/Rules') };
export const TARGETS_SERVICE = { Targets: streamMethod('/thanos.Targets/Targets') };
export const METADATA_SERVICE = { MetricMetadata: streamMethod('/thanos.Metadata/MetricMetadata') };
export const EXEMPLARS_SERVICE = { Exemplars: streamMethod('/thanos.Exemplars/Exemplars') };

/** What Info advertises for `apis`, as upstream's components do (ExemplarsInfo left at zero, as upstream's sidecar). */
export function advertisedApis(apis: ComponentApis): ExtraApis {
  return {
    rules: apis.rules !== undefined, targets: apis.targets !== undefined, metricMetadata: apis.metadata !== undefined,
    ...(apis.exemplars ? { exemplars: { minTime: 0, maxTime: 0 } } : {}),
  };
}

/** Runs `answer` and writes its frames with backpressure; failures become the call's status. */
function streaming<Req>(logger: Logger, method: string, decode: (b: Buffer) => Req, answer: (req: Req, signal: AbortSignal) => Promise<Uint8Array[]>) {
  return (call: ServerWritableStream<Buffer, Buffer>): void => {
    const { signal, dispose } = callSignal(call);
    const run = async (): Promise<void> => {
      try {
        for (const frame of await answer(decode(call.request), signal)) {
          if (signal.aborted) return;
          if (!call.write(asBuffer(frame))) await once(call, 'drain', { signal });
        }
        call.end();
      } catch (err) {
        if (signal.aborted) return;
        logFailure(logger, method, err);
        call.emit('error', statusError(err));
      }
    };
    run().catch((err: unknown) => logger.error('component API handler crashed', { method, err: String(err) })).finally(dispose);
  };
}

const warningFrames = <F>(warnings: readonly string[], make: (w: string) => F): F[] => warnings.map(make);

/** The gRPC services for the APIs `apis` holds. */
export function componentApiGrpcServices(apis: ComponentApis, options: { readonly logger?: Logger } = {}): GrpcService[] {
  const logger = options.logger ?? nopLogger;
  const out: GrpcService[] = [];
  const { rules, targets, metadata, exemplars } = apis;
  if (rules) {
    out.push({ definition: RULES_SERVICE, implementation: { Rules: streaming(logger, 'Rules', decodeRulesRequest, async (req, signal) => {
      const r = await rules.rules(req, signal);
      return [...r.groups.map((group) => encodeRulesFrame({ type: 'group', group })), ...warningFrames(r.warnings, (warning) => encodeRulesFrame({ type: 'warning', warning }))];
    }) } });
  }
  if (targets) {
    out.push({ definition: TARGETS_SERVICE, implementation: { Targets: streaming(logger, 'Targets', decodeTargetsRequest, async (req, signal) => {
      const r = await targets.targets(req, signal);
      return [encodeTargetsFrame({ type: 'targets', targets: r.targets }), ...warningFrames(r.warnings, (warning) => encodeTargetsFrame({ type: 'warning', warning }))];
    }) } });
  }
  if (metadata) {
    out.push({ definition: METADATA_SERVICE, implementation: { MetricMetadata: streaming(logger, 'MetricMetadata', decodeMetadataRequest, async (req, signal) => {
      const r = await metadata.metricMetadata(req, signal);
      return [encodeMetadataFrame({ type: 'metadata', metadata: r.metadata }), ...warningFrames(r.warnings, (warning) => encodeMetadataFrame({ type: 'warning', warning }))];
    }) } });
  }
  if (exemplars) {
    out.push({ definition: EXEMPLARS_SERVICE, implementation: { Exemplars: streaming(logger, 'Exemplars', decodeExemplarsRequest, async (req, signal) => {
      const r = await exemplars.exemplars(req, signal);
      return [...r.data.map((data) => encodeExemplarsFrame({ type: 'data', data })), ...warningFrames(r.warnings, (warning) => encodeExemplarsFrame({ type: 'warning', warning }))];
    }) } });
  }
  return out;
}

/** A connection that can run a server-streaming call (GrpcStoreClient). */
export interface StreamingConnection {
  serverStream(path: string, body: Uint8Array, signal?: AbortSignal): AsyncIterable<Buffer>;
}

/** The four APIs of a remote component, each answer collected from its stream. */
export class ComponentApisClient implements RulesApi, TargetsApi, MetadataApi, ExemplarsApi {
  constructor(private readonly conn: StreamingConnection) {}

  async rules(req: RulesRequest, signal?: AbortSignal): Promise<{ groups: RuleGroup[]; warnings: string[] }> {
    const groups: RuleGroup[] = [];
    const warnings = await this.collect(RULES_SERVICE.Rules.path, encodeRulesRequest(req), decodeRulesFrame, (f) => groups.push(f.group), signal);
    return { groups, warnings };
  }

  async targets(req: TargetsRequest, signal?: AbortSignal): Promise<{ targets: { activeTargets: ActiveTarget[]; droppedTargets: DroppedTarget[] }; warnings: string[] }> {
    const activeTargets: ActiveTarget[] = [];
    const droppedTargets: DroppedTarget[] = [];
    const warnings = await this.collect(TARGETS_SERVICE.Targets.path, encodeTargetsRequest(req), decodeTargetsFrame, (f) => {
      activeTargets.push(...f.targets.activeTargets);
      droppedTargets.push(...f.targets.droppedTargets);
    }, signal);
    return { targets: { activeTargets, droppedTargets }, warnings };
  }

  async metricMetadata(req: MetricMetadataRequest, signal?: AbortSignal): Promise<{ metadata: Map<string, MetricMeta[]>; warnings: string[] }> {
    const metadata = new Map<string, MetricMeta[]>();
    const warnings = await this.collect(METADATA_SERVICE.MetricMetadata.path, encodeMetadataRequest(req), decodeMetadataFrame, (f) => {
      for (const [name, metas] of f.metadata) metadata.set(name, [...(metadata.get(name) ?? []), ...metas]);
    }, signal);
    return { metadata, warnings };
  }

  async exemplars(req: ExemplarsRequest, signal?: AbortSignal): Promise<{ data: ExemplarData[]; warnings: string[] }> {
    const data: ExemplarData[] = [];
    const warnings = await this.collect(EXEMPLARS_SERVICE.Exemplars.path, encodeExemplarsRequest(req), decodeExemplarsFrame, (f) => data.push(f.data), signal);
    return { data, warnings };
  }

  /** Runs one server-streaming call: each frame that is not a warning goes to `onData`; returns the warnings. */
  private async collect<F extends { readonly type: string }>(
    path: string, body: Uint8Array, decode: (buf: Uint8Array) => F | WarningFrame, onData: (f: Exclude<F, WarningFrame>) => void, signal?: AbortSignal,
  ): Promise<string[]> {
    const warnings: string[] = [];
    for await (const buf of this.conn.serverStream(path, body, signal)) {
      const f = decode(buf);
      if (isWarning(f)) warnings.push(f.warning);
      else onData(f as Exclude<F, WarningFrame>);
    }
    return warnings;
  }
}

function isWarning(f: { readonly type: string }): f is WarningFrame {
  return f.type === 'warning';
}
