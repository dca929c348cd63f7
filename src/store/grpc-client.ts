// A StoreAPI that talks to a remote thanos.Store over gRPC (ours or upstream's). Per-call deadlines, TLS/mTLS from
// the --grpc-client-tls-* flags, optional keepalive, large messages; Series frames are read with backpressure.

import { Client, Metadata, status as Status, type CallOptions, type ChannelOptions, type Interceptor } from '@grpc/grpc-js';
import { AbortError } from '../runtime/errors.js';
import { clientCredentials, type ClientTlsOptions } from '../runtime/grpc-tls.js';
import {
  decodeLabelNamesResponse, decodeLabelValuesResponse, decodeSeriesResponse, encodeLabelNamesRequest,
  encodeLabelValuesRequest, encodeSeriesRequest,
} from './codec.js';
import { isServiceError, statusToError } from './grpc-status.js';
import { asBuffer, INFO_SERVICE, STORE_SERVICE } from './grpc-services.js';
import { decodeInfoResponse, decodeLegacyInfoResponse, storeInfoOf, type InfoResponse } from './info.js';
import type {
  LabelNamesRequest, LabelNamesResponse, LabelValuesRequest, LabelValuesResponse, SeriesRequest, SeriesResponse,
  StoreAPI, StoreInfo,
} from './store-api.js';
import { LabelCache } from './series-decoder.js';

export interface GrpcStoreClientOptions {
  readonly tls?: ClientTlsOptions;
  /** Deadline for every call, in ms; 0/absent = none (the caller's signal still applies). */
  readonly timeoutMs?: number;
  /** Ping interval on idle connections in ms; absent = no keepalive pings (Go servers reject pings < 5m by default). */
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
  /** Largest message accepted; upstream clients accept MaxInt32. */
  readonly maxMessageBytes?: number;
  /**
   * response_batch_size sent when a request leaves it at 0 (default 64): servers that support it (ours, upstream
   * v0.42+) pack that many series per message; older servers ignore it. 1 turns batching off.
   */
  readonly responseBatchSize?: number;
  /** Extra grpc-js channel options (tests, tuning). */
  readonly channelOptions?: ChannelOptions;
  /** Client interceptors, e.g. runtime/grpc-metrics.ts grpcClientMetrics. */
  readonly interceptors?: readonly Interceptor[];
  /** Where Series labels are looked up by their bytes (one per querier, shared by its clients); default: the client's own. */
  readonly labelCache?: LabelCache;
}

const MAX_INT32 = 2 ** 31 - 1;
const FLOW_CONTROL_WINDOW = 8 << 20;
const passthrough = (b: Buffer): Buffer => b;

export class GrpcStoreClient implements StoreAPI {
  private readonly client: Client;
  private readonly labels: LabelCache;

  constructor(readonly address: string, private readonly options: GrpcStoreClientOptions = {}) {
    this.labels = options.labelCache ?? new LabelCache();
    const { credentials, options: tlsOptions } = clientCredentials(options.tls);
    const max = options.maxMessageBytes ?? MAX_INT32;
    this.client = new Client(address, credentials, {
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
      // HTTP/2 flow-control window (stream and connection). Node's default of 64 KB stalls a big Series stream on
      // every WINDOW_UPDATE round trip while this side decodes; Go's gRPC grows its window up to 16 MB (BDP).
      'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
      ...(options.keepaliveTimeMs ? {
        'grpc.keepalive_time_ms': options.keepaliveTimeMs,
        'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 20_000,
        'grpc.keepalive_permit_without_calls': 1,
      } : {}),
      ...tlsOptions,
      ...options.channelOptions,
      ...(options.interceptors ? { interceptors: [...options.interceptors] } : {}),
    });
  }

  /** Full discovery answer (which APIs the component exposes); falls back to the legacy Store.Info. */
  async infoResponse(signal?: AbortSignal): Promise<InfoResponse> {
    try {
      const body = await this.unary(INFO_SERVICE.Info.path, Buffer.alloc(0), signal);
      return this.decodeReply('Info', () => decodeInfoResponse(body));
    } catch (err) {
      const cause = err instanceof Error ? err.cause : undefined;
      if (!(isServiceError(cause) && cause.code === Status.UNIMPLEMENTED)) throw err;
    }
    // Before v0.37 there was no Info service; Store.Info says the same about the StoreAPI.
    const body = await this.unary(STORE_SERVICE.Info.path, Buffer.alloc(0), signal);
    const legacy = this.decodeReply('Info', () => decodeLegacyInfoResponse(body));
    const { componentType, labelSets, ...store } = legacy;
    return { componentType, labelSets, store, rules: false, metricMetadata: false, targets: false, query: false, status: false };
  }

  async info(signal?: AbortSignal): Promise<StoreInfo> {
    const r = await this.infoResponse(signal);
    const info = storeInfoOf(r);
    if (!info) throw statusToError(new Error('component exposes no StoreAPI'), this.address, 'info');
    return info;
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    for await (const group of this.seriesGroups(req, signal)) yield* group;
  }

  /** series() a gRPC message at a time: the series of a batch message form one group. */
  async *seriesGroups(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<readonly SeriesResponse[]> {
    signal?.throwIfAborted();
    const call = this.client.makeServerStreamRequest(
      STORE_SERVICE.Series.path, passthrough, passthrough, asBuffer(encodeSeriesRequest(this.withBatching(req))), new Metadata(), this.callOptions(),
    );
    const onAbort = (): void => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // The grpc-js stream asks the server for more only as we consume (Readable backpressure).
      for await (const buf of call as AsyncIterable<Buffer>) {
        const frame = decodeSeriesResponse(buf, this.labels);
        if (frame.type !== 'batch') {
          yield [frame];
          continue;
        }
        const group: SeriesResponse[] = new Array<SeriesResponse>(frame.series.length);
        for (let i = 0; i < group.length; i++) group[i] = { type: 'series', series: frame.series[i]! };
        yield group;
      }
    } catch (err) {
      if (signal?.aborted) throw new AbortError(`series on ${this.address} aborted`, { cause: err });
      throw statusToError(err, this.address, 'series');
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel(); // no-op after a clean end; frees the server when the consumer stopped early
    }
  }

  /** A server-streaming call of another service on this connection (the Rules, Targets, … APIs): raw frames. */
  async *serverStream(path: string, body: Uint8Array, signal?: AbortSignal): AsyncGenerator<Buffer> {
    signal?.throwIfAborted();
    const op = path.slice(path.lastIndexOf('/') + 1);
    const call = this.client.makeServerStreamRequest(path, passthrough, passthrough, asBuffer(body), new Metadata(), this.callOptions());
    const onAbort = (): void => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const buf of call as AsyncIterable<Buffer>) yield buf;
    } catch (err) {
      if (signal?.aborted) throw new AbortError(`${op} on ${this.address} aborted`, { cause: err });
      throw statusToError(err, this.address, op);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  async labelNames(req: LabelNamesRequest, signal?: AbortSignal): Promise<LabelNamesResponse> {
    const body = await this.unary(STORE_SERVICE.LabelNames.path, asBuffer(encodeLabelNamesRequest(req)), signal);
    return this.decodeReply('LabelNames', () => decodeLabelNamesResponse(body));
  }

  async labelValues(req: LabelValuesRequest, signal?: AbortSignal): Promise<LabelValuesResponse> {
    const body = await this.unary(STORE_SERVICE.LabelValues.path, asBuffer(encodeLabelValuesRequest(req)), signal);
    return this.decodeReply('LabelValues', () => decodeLabelValuesResponse(body));
  }

  /** A reply that does not decode is the remote's fault, not the caller's: report the store as unavailable. */
  private decodeReply<T>(op: string, decode: () => T): T {
    try {
      return decode();
    } catch (err) {
      throw statusToError(new Error(`bad reply: ${(err as Error).message}`), this.address, op);
    }
  }

  close(): void {
    this.client.close();
  }

  private withBatching(req: SeriesRequest): SeriesRequest {
    const size = this.options.responseBatchSize ?? 64;
    return req.responseBatchSize === 0 && size > 1 ? { ...req, responseBatchSize: size } : req;
  }

  private callOptions(): CallOptions {
    return this.options.timeoutMs ? { deadline: Date.now() + this.options.timeoutMs } : {};
  }

  private unary(path: string, body: Buffer, signal: AbortSignal | undefined): Promise<Buffer> {
    const op = path.slice(path.lastIndexOf('/') + 1);
    return new Promise<Buffer>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AbortError(`${op} on ${this.address} aborted`));
        return;
      }
      const onAbort = (): void => call.cancel();
      const call = this.client.makeUnaryRequest(path, passthrough, passthrough, body, new Metadata(), this.callOptions(), (err, value) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          reject(signal?.aborted ? new AbortError(`${op} on ${this.address} aborted`, { cause: err }) : statusToError(err, this.address, op));
        } else {
          resolve(value ?? Buffer.alloc(0));
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
