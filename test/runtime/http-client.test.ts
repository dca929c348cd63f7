// HttpClient.fetchText against a real HTTP server on loopback: the whole body with its status (an error status is
// an answer, not a failure), a body cut off by the server, an abort while the body arrives, and a refused connection.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, UnavailableError } from '../../src/runtime/errors.js';
import { HttpClient } from '../../src/runtime/http-client.js';

describe('HttpClient.fetchText', () => {
  let server: http.Server;
  let base = '';
  const client = new HttpClient();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/big') {
        res.setHeader('Content-Type', 'text/plain');
        // Several chunks, with a multi-byte character split between two of them.
        const text = 'é'.repeat(100_000);
        const bytes = Buffer.from(text);
        res.write(bytes.subarray(0, 1001));
        setTimeout(() => res.end(bytes.subarray(1001)), 5);
      } else if (req.url === '/cut') {
        res.setHeader('Content-Length', '1000');
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 5);
      } else if (req.url === '/slow') {
        res.setHeader('Content-Length', '1000');
        res.write('first');
      } else {
        let body = '';
        req.on('data', (b: Buffer) => { body += b.toString(); });
        req.on('end', () => {
          res.statusCode = 422;
          res.end(JSON.stringify({ method: req.method, body }));
        });
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('answers the status and the whole body', async () => {
    expect(await client.fetchText(`${base}/echo`, { method: 'POST', body: 'a=1' })).toEqual({ status: 422, text: '{"method":"POST","body":"a=1"}' });
    const big = await client.fetchText(`${base}/big`);
    expect(big.text).toBe('é'.repeat(100_000));
  });

  it('rejects a body the server cut off', async () => {
    await expect(client.fetchText(`${base}/cut`)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('rejects with AbortError when aborted while the body arrives', async () => {
    const ac = new AbortController();
    const got = client.fetchText(`${base}/slow`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(got).rejects.toBeInstanceOf(AbortError);
  });

  it('rejects a refused connection with UnavailableError', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(client.fetchText(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(UnavailableError);
  });
});
