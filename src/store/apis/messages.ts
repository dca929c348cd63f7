// What the four component APIs' codecs share: the protobuf types of an API's request and streamed response, and the
// warning frame every such stream may carry.
import { protoType } from '../proto.js';

/** A streamed warning (partial response): the other variant of every component API's response frame. */
export interface WarningFrame {
  readonly type: 'warning';
  readonly warning: string;
}

/** The protobuf types of an API's request and response messages, by full name (`thanos.RulesRequest`). */
export function apiMessages(request: string, response: string): { readonly request: ReturnType<typeof protoType>; readonly response: ReturnType<typeof protoType> } {
  return { request: protoType(request), response: protoType(response) };
}
