// Starts the OpenTelemetry SDK from a parsed --tracing.config: an OTLP exporter (gRPC or HTTP) behind a batch
// processor, upstream's samplers, and the W3C trace-context propagator. Loaded only when tracing is configured.
import { Metadata, credentials as grpcCredentials } from '@grpc/grpc-js';
import { diag, DiagLogLevel, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler,
  type Sampler, type SamplingResult, type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../logger.js';
import type { OtlpTracingConfig } from './config.js';
import { FORCE_TRACING_ATTRIBUTE } from './spans.js';

/** A started tracer: flushes and stops the exporter on shutdown (the mode calls it last). */
export interface RunningTracing {
  shutdown(): Promise<void>;
}

/** Upstream's SamplerWithOverride: a span carrying thanos.force_tracing (X-Thanos-Force-Tracing) is always sampled. */
class ForceTracingSampler implements Sampler {
  constructor(private readonly base: Sampler) {}

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (attributes[FORCE_TRACING_ATTRIBUTE] !== undefined) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return this.base.shouldSample(ctx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `ForceTracingSampler{${this.base.toString()}}`;
  }
}

function sampler(config: OtlpTracingConfig['sampler']): Sampler {
  switch (config.type) {
    case 'alwayssample': return new AlwaysOnSampler();
    case 'neversample': return new AlwaysOffSampler();
    case 'traceidratiobased': return new TraceIdRatioBasedSampler(config.ratio);
    case 'parentbasedalwayssample': return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbasedneversample': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbasedtraceidratiobased': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.ratio) });
  }
}

function exporter(config: OtlpTracingConfig): SpanExporter {
  const timeout = config.timeoutMs !== undefined ? { timeoutMillis: config.timeoutMs } : {};
  // The exporters take the compression's string value ('gzip' | 'none'), the same words as the YAML.
  const compression = config.compression as never;
  if (config.clientType === 'http') {
    // Go's otlptracehttp defaults: localhost:4318, https unless insecure.
    const url = `${config.insecure ? 'http' : 'https'}://${config.endpoint || 'localhost:4318'}${config.urlPath}`;
    return new HttpExporter({ url, headers: { ...config.headers }, compression, ...timeout });
  }
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(config.headers)) metadata.set(k, v);
  return new GrpcExporter({
    url: `${config.insecure ? 'http' : 'https'}://${config.endpoint || 'localhost:4317'}`,
    credentials: config.insecure ? grpcCredentials.createInsecure() : grpcCredentials.createSsl(),
    metadata, compression, ...timeout,
  });
}

/**
 * Registers the SDK as the process's tracer provider (OpenTelemetry's API is process-global by design: the spans
 * started in runtime/tracing/spans.ts find it there). Export failures are logged, never thrown at a request.
 */
export function startTracing(config: OtlpTracingConfig, component: string, logger: Logger): RunningTracing {
  const attributes: Record<string, string> = { ...config.resourceAttributes };
  attributes[ATTR_SERVICE_NAME] = config.serviceName ?? `thanos-${component}`;
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(attributes)),
    sampler: new ForceTracingSampler(sampler(config.sampler)),
    spanProcessors: [new BatchSpanProcessor(exporter(config))],
  });
  // The SDK reports export failures (collector down, refused) through diag: into our log, once per failure.
  const warn = (message: string, ...args: unknown[]): void => logger.warn(`tracing: ${message}`, args.length ? { details: args.map(String).join(' ') } : {});
  const quiet = (): void => {};
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  provider.register();
  logger.info('tracing enabled', {
    client_type: config.clientType, endpoint: config.endpoint || '(default)', sampler: config.sampler.type, service_name: attributes[ATTR_SERVICE_NAME],
  });
  return {
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch (err) {
        logger.warn('flushing traces at shutdown failed', { err: String(err) });
      }
    },
  };
}
