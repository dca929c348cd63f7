// Exposes any StoreAPI as the thanos.Store and thanos.info.Info gRPC services. Series frames are written with
// backpressure (await 'drain'); a cancelled call aborts the store's signal; every failure becomes a status from
// the one mapping table, and no request can take the server down.

import { once } from 'node:events';
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { AbortError, isThanosError } from '../runtime/errors.js';
import type { GrpcService } from '../runtime/grpc-server.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { groupsOfOne } from '../runtime/async.js';
import {
  decodeLabelNamesRequest, decodeLabelValuesRequest, decodeSeriesRequest, encodeLabelNamesResponse, encodeLabelValuesResponse,
} from './codec.js';
import { errorToStatus, statusError } from './grpc-status.js';
import { asBuffer, INFO_SERVICE, STORE_SERVICE } from './grpc-services.js';
import { GRPC_FRAME_HEADROOM, frameInPlace } from '../runtime/grpc-framed.js';
import { decodeInfoRequest, encodeInfoResponse, encodeLegacyInfoResponse, infoResponseFor, type ExtraApis } from './info.js';
import { encodeSeriesStream } from './series-batcher.js';
import { isEncodedSeriesSource } from './series-encoder.js';
import type { StoreAPI } from './store-api.js';

export interface StoreServerOptions {
  readonly logger?: Logger;
  /** Other APIs this component serves, advertised in thanos.info.Info. */
  readonly extraApis?: ExtraApis;
}

/** An AbortController aborted when the client cancels the call (or its deadline passes). */
export function callSignal(call: ServerUnaryCall<Buffer, Buffer> | ServerWritableStream<Buffer, Buffer>): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onCancel = (): void => ac.abort(new AbortError('call cancelled by the client'));
  call.on('cancelled', onCancel);
  if (call.cancelled) onCancel();
  return { signal: ac.signal, dispose: () => call.off('cancelled', onCancel) };
}

export function logFailure(logger: Logger, method: string, err: unknown): void {
  const s = errorToStatus(err);
  // Bad requests and limits are the caller's business; anything else is ours to look at.
  if (isThanosError(err) && err.code !== 'THANOS_BUG') logger.debug('request failed', { method, err: s.details });
  else logger.warn('request failed', { method, err: s.details });
}

function unary<Req>(
  logger: Logger,
  method: string,
  decode: (b: Buffer) => Req,
  handle: (req: Req, signal: AbortSignal) => Promise<Uint8Array>,
) {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
    const { signal, dispose } = callSignal(call);
    const run = async (): Promise<Uint8Array> => handle(decode(call.request), signal);
    run().then(
      (out) => callback(null, asBuffer(out)),
      (err: unknown) => {
        logFailure(logger, method, err);
        callback(statusError(err));
      },
    ).finally(dispose);
  };
}

async function serveSeries(store: StoreAPI, logger: Logger, call: ServerWritableStream<Buffer, Buffer>): Promise<void> {
  const { signal, dispose } = callSignal(call);
  try {
    const req = decodeSeriesRequest(call.request);
    // A store that encodes its own answer (the sidecar's) skips building Series objects only to encode them here.
    // Groups of messages where the store offers them: one await per group rather than per (often tiny) message.
    const encoded = isEncodedSeriesSource(store);
    const groups = encoded
      ? (store.encodedSeriesGroups?.(req, signal) ?? groupsOfOne(store.encodedSeries(req, signal)))
      : groupsOfOne(encodeSeriesStream(store.series(req, signal), req));
    const release = encoded ? store.releaseMessage?.bind(store) : undefined;
    const inPlace = encoded && (store.messageHeadroom ?? 0) >= GRPC_FRAME_HEADROOM;
    for await (const group of groups) {
      for (const msg of group) {
        if (signal.aborted) return;
        // Framed in its own memory, the message goes out without grpc-js copying it (see runtime/grpc-framed).
        const out = inPlace ? (frameInPlace(msg) as unknown as Buffer) : asBuffer(msg);
        // grpc-js may hold a message until earlier ones are out: its memory goes back only in the write callback.
        const more = release === undefined ? call.write(out) : call.write(out, () => release(msg));
        if (!more) await once(call, 'drain', { signal });
      }
    }
    call.end();
  } catch (err) {
    if (signal.aborted) return; // the client is gone; nobody to tell
    logFailure(logger, 'Series', err);
    call.emit('error', statusError(err));
  } finally {
    dispose();
  }
}

/** The two services to hand to runtime/grpc-server.ts startGrpcServer. */
export function storeGrpcServices(store: StoreAPI, options: StoreServerOptions = {}): GrpcService[] {
  const logger = options.logger ?? nopLogger;
  const storeImpl = {
    Info: unary(logger, 'Store.Info', decodeInfoRequest, async (_req, signal) => encodeLegacyInfoResponse(await store.info(signal))),
    Series: (call: ServerWritableStream<Buffer, Buffer>): void => {
      serveSeries(store, logger, call).catch((err: unknown) => logger.error('series handler crashed', { err: String(err) }));
    },
    LabelNames: unary(logger, 'LabelNames', decodeLabelNamesRequest, async (req, signal) => encodeLabelNamesResponse(await store.labelNames(req, signal))),
    LabelValues: unary(logger, 'LabelValues', decodeLabelValuesRequest, async (req, signal) => encodeLabelValuesResponse(await store.labelValues(req, signal))),
  };
  const infoImpl = {
    Info: unary(logger, 'Info', decodeInfoRequest, async (_req, signal) => encodeInfoResponse(infoResponseFor(await store.info(signal), options.extraApis))),
  };
  return [
    { definition: STORE_SERVICE, implementation: storeImpl },
    { definition: INFO_SERVICE, implementation: infoImpl },
  ];
}
