// Pre-framed server-streamed messages: with the grpc-js hook installed they go out as they are (no copy), and the
// bytes a real client receives are the payloads; without the hook the method's serializer unwraps them.
import { Client, Server, ServerCredentials, credentials, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { BaseServerInterceptingCall } from '@grpc/grpc-js/build/src/server-interceptors.js';
import { FramedMessage, GRPC_FRAME_HEADROOM, frameInPlace, framedAware, installFramedMessages } from '../../src/runtime/grpc-framed.js';

const passthrough = (b: Buffer): Buffer => b;
const SERVICE = {
  Stream: {
    path: '/test.Framed/Stream', requestStream: false, responseStream: true,
    requestSerialize: passthrough, requestDeserialize: passthrough,
    responseSerialize: framedAware(passthrough), responseDeserialize: passthrough,
  },
} satisfies ServiceDefinition;

/** Messages cut from one buffer with headroom before each, as the sidecar's transcoder leaves it. */
function messagesWithHeadroom(sizes: readonly number[]): Buffer[] {
  const total = sizes.reduce((a, n) => a + n + GRPC_FRAME_HEADROOM, 0);
  const mem = Buffer.alloc(total);
  const out: Buffer[] = [];
  let at = 0;
  for (const [i, n] of sizes.entries()) {
    at += GRPC_FRAME_HEADROOM;
    const m = mem.subarray(at, at + n);
    for (let k = 0; k < n; k++) m[k] = (i * 13 + k) & 0xff;
    out.push(m);
    at += n;
  }
  return out;
}

let server: Server | undefined;
let client: Client | undefined;
afterEach(() => {
  client?.close();
  server?.forceShutdown();
  client = undefined;
  server = undefined;
});

async function roundTrip(send: (call: ServerWritableStream<Buffer, Buffer>) => void): Promise<Buffer[]> {
  server = new Server();
  server.addService(SERVICE, { Stream: send });
  const port = await new Promise<number>((resolve, reject) => server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = client.makeServerStreamRequest('/test.Framed/Stream', passthrough, passthrough, Buffer.alloc(0));
  const got: Buffer[] = [];
  for await (const m of call) got.push(Buffer.from(m as Buffer));
  return got;
}

describe('grpc-framed', () => {
  it('sends framed messages through grpc-js as they are, and a client reads the payloads', async () => {
    expect(installFramedMessages()).toBe(true);
    const msgs = messagesWithHeadroom([0, 1, 300, 70_000, 5]);
    const want = msgs.map((m) => Buffer.from(m));
    let hooked = 0;
    const proto = (BaseServerInterceptingCall as unknown as { prototype: { serializeMessage(v: unknown): Buffer } }).prototype;
    const hook = proto.serializeMessage;
    proto.serializeMessage = function (v: unknown): Buffer {
      const out = hook.call(this, v);
      // The fast path hands grpc-js the caller's memory: prefix + payload, no copy.
      if (v instanceof FramedMessage && out === v.framed) hooked++;
      return out;
    };
    try {
      const got = await roundTrip((call) => {
        for (const m of msgs) call.write(frameInPlace(m) as unknown as Buffer);
        call.end();
      });
      expect(got).toEqual(want);
      expect(hooked).toBe(msgs.length);
    } finally {
      proto.serializeMessage = hook;
    }
  });

  // installFramedMessages patches a private grpc-js method; this pins what the patch relies on, so a grpc-js upgrade
  // that changes it fails here (fix grpc-framed.ts, or drop the fast path) rather than corrupting Series answers.
  it('pins grpc-js: BaseServerInterceptingCall.prototype.serializeMessage frames each written message whole', async () => {
    const proto = (BaseServerInterceptingCall as unknown as { prototype: { serializeMessage?: (v: unknown) => Buffer } }).prototype;
    expect(typeof proto.serializeMessage, 'grpc-js no longer has the private method grpc-framed.ts patches').toBe('function');
    const hook = proto.serializeMessage!;
    const seen: Array<{ value: unknown; out: Buffer }> = [];
    proto.serializeMessage = function (v: unknown): Buffer {
      const out = hook.call(this, v);
      seen.push({ value: v, out: Buffer.from(out) });
      return out;
    };
    const msgs = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 7)];
    try {
      const got = await roundTrip((call) => {
        for (const m of msgs) call.write(m);
        call.end();
      });
      expect(got).toEqual(msgs);
    } finally {
      proto.serializeMessage = hook;
    }
    // Called once per message with the value written, returning the whole frame: flag 0, BE32 length, payload.
    expect(seen).toHaveLength(msgs.length);
    for (const [i, m] of msgs.entries()) {
      expect(seen[i]!.value).toBe(m);
      const out = seen[i]!.out;
      expect(out[0]).toBe(0);
      expect(out.readUInt32BE(1)).toBe(m.length);
      expect(out.subarray(GRPC_FRAME_HEADROOM).equals(m)).toBe(true);
    }
  });

  it('patches grpc-js once, however often it is installed', () => {
    const proto = (BaseServerInterceptingCall as unknown as { prototype: { serializeMessage(v: unknown): Buffer } }).prototype;
    expect(installFramedMessages()).toBe(true);
    const patched = proto.serializeMessage;
    expect(installFramedMessages()).toBe(true);
    expect(proto.serializeMessage).toBe(patched);
  });

  it('writes the prefix into the headroom only, and refuses a message without headroom', () => {
    const msgs = messagesWithHeadroom([3, 4]);
    const before = msgs.map((m) => Buffer.from(m));
    const f = frameInPlace(msgs[1]!);
    expect([...f.framed.subarray(0, 5)]).toEqual([0, 0, 0, 0, 4]);
    expect(f.payload.equals(before[1]!)).toBe(true);
    expect(msgs[0]!.equals(before[0]!)).toBe(true);
    expect(() => frameInPlace(Buffer.alloc(3))).toThrow(/no headroom/);
  });

  it('falls back to the serializer when the hook is not there', () => {
    const serialize = framedAware(passthrough);
    const f = frameInPlace(messagesWithHeadroom([6])[0]!);
    expect(serialize(f as unknown as Buffer).equals(f.payload)).toBe(true);
    const plain = Buffer.from('plain');
    expect(serialize(plain)).toBe(plain);
  });
});
