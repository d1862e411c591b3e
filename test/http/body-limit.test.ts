import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';

// Bodies over 100 KB are refused with 413 so that the client sees the 413 (issue 22): with
// `Expect: 100-continue` before any byte of the body is invited, without it after the upload.

interface Exchange {
  /** Everything the server sent, as text. */
  readonly received: string;
  /** A socket error the client saw (ECONNRESET, EPIPE), if any. */
  readonly error: string | null;
  /** Bytes of the body the client had written when the server answered with a final status. */
  readonly sentBeforeAnswer: number;
}

/** Sends a raw HTTP/1.1 request, writing the body only once invited when it expects 100-continue. */
function exchange(url: string, headers: Record<string, string>, body: Buffer, options: { chunked?: boolean; waitForContinue?: boolean } = {}): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port: Number(port) });
    let received = '';
    let error: string | null = null;
    let sent = 0;
    let sentBeforeAnswer = -1;
    let started = false;
    const head = [`POST /graphql HTTP/1.1`, `host: ${hostname}:${port}`, 'content-type: application/json',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
    const writeBody = async () => {
      if (started) return;
      started = true;
      const size = 256 * 1024;
      for (let offset = 0; offset < body.length && !socket.destroyed; offset += size) {
        const chunk = body.subarray(offset, offset + size);
        const framed = options.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
        if (!socket.write(framed)) await new Promise((drained) => socket.once('drain', drained));
        sent += chunk.length;
      }
      if (options.chunked && !socket.destroyed) socket.write('0\r\n\r\n');
    };
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (/^HTTP\/1\.1 [2-5]\d\d /m.test(received) && sentBeforeAnswer < 0) sentBeforeAnswer = sent;
      if (received.startsWith('HTTP/1.1 100 ')) void writeBody();
      // The answers are chunked: the last chunk ends the exchange, and the client hangs up (keep-alive).
      if (sentBeforeAnswer >= 0 && received.endsWith('\r\n0\r\n\r\n')) socket.end();
    });
    socket.on('error', (failure: NodeJS.ErrnoException) => { error = failure.code ?? failure.message; });
    socket.on('close', () => resolve({ received, error, sentBeforeAnswer }));
    socket.write(`${head}\r\n\r\n`);
    if (!options.waitForContinue) void writeBody();
  });
}

const bigBody = (bytes: number) => Buffer.from(JSON.stringify({ query: '{ viewer { credential } }', padding: 'x'.repeat(bytes) }));

describe(`request bodies over the limit (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('answers an Expect: 100-continue over the limit with 413 at once, inviting no byte of the body', async () => {
    const body = bigBody(2_000_000);
    const result = await exchange(app.url, { 'content-length': String(body.length), expect: '100-continue' }, body, { waitForContinue: true });
    expect(result.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(result.received).not.toContain('100 Continue');
    expect(result.received).toContain('"code":"PAYLOAD_TOO_LARGE"');
    expect(result.sentBeforeAnswer).toBe(0);
    expect(result.error).toBeNull();
  });

  it('invites the body of an Expect: 100-continue within the limit, and serves it', async () => {
    const body = Buffer.from(JSON.stringify({ query: '{ viewer { credential } }' }));
    const result = await exchange(app.url, { 'content-length': String(body.length), expect: '100-continue' }, body, { waitForContinue: true });
    expect(result.received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(result.received).toContain('"credential":"ANONYMOUS"');
  });

  for (const chunked of [false, true]) {
    it(`lets a client that uploads ${chunked ? 'a chunked body' : 'a body with Content-Length'} over the limit finish and read the 413, with no reset`, async () => {
      const body = bigBody(20_000_000);
      const headers: Record<string, string> = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) };
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const result = await exchange(app.url, headers, body, { chunked });
        expect(result.error).toBeNull();
        expect(result.received).toMatch(/^HTTP\/1\.1 413 /);
        expect(result.received).toContain('"code":"PAYLOAD_TOO_LARGE"');
      }
    }, 60_000);
  }
});
