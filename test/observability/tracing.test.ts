import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { freePort, spawnServer } from '../helpers/server-process.ts';
import { LOGIN, PASSWORD, SIGN_UP, uniqueEmail } from '../helpers/users.ts';

const START_TIMEOUT_MS = 150_000;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
}

/** An OTLP/HTTP receiver on loopback (JSON, as @opentelemetry/exporter-trace-otlp-http sends), collecting spans. */
async function startReceiver(onFinished: (cleanup: () => Promise<void>) => void) {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    paths.push(request.url ?? '');
    const payload = JSON.parse(body.toString('utf8')) as { resourceSpans: { scopeSpans: { spans: any[] }[] }[] };
    for (const resource of payload.resourceSpans) {
      for (const scope of resource.scopeSpans) {
        for (const span of scope.spans) {
          const attributes = Object.fromEntries((span.attributes ?? []).map((a: any) => [a.key, Object.values(a.value)[0]]));
          spans.push({ traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, kind: span.kind, attributes });
        }
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onFinished(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, paths };
}

async function redisIsUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.connect(6379, '127.0.0.1');
  });
}

describe('tracing (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('exports spans for each request, its GraphQL operation, its database statements and Redis commands, continuing a traceparent', async ({ onTestFinished }) => {
    const receiver = await startReceiver(onTestFinished);
    const fresh = await freshDatabase();
    onTestFinished(() => fresh.drop());
    let storage: Record<string, string>;
    if (fresh.config.kind === 'postgres') {
      storage = { DATABASE_URL: fresh.config.url };
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-trace-'));
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      storage = { DATA_DIR: join(dir, 'data') };
    }
    const redis = await redisIsUp();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawnServer({
      ...storage, PORT: String(port), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...(redis ? { REDIS_URL: 'redis://127.0.0.1:6379' } : {}),
    });
    onTestFinished(() => server.kill());
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!server.out.stdout.includes('"msg":"serving"')) {
      if (!server.running() || Date.now() > deadline) throw new Error(`not serving:\n${server.out.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const post = (body: unknown, headers: Record<string, string> = {}) => fetch(`${url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<any>);
    const email = uniqueEmail('trace');
    expect((await post({ query: SIGN_UP, variables: { input: { email, password: PASSWORD } } })).data.signUp.__typename).toBe('AuthPayload');
    const failed = await post({ query: LOGIN, variables: { input: { email, password: 'not the password' } } }, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    expect(failed.data.login.__typename).toBe('InvalidCredentialsError');
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    expect(receiver.paths.every((path) => path === '/v1/traces')).toBe(true);
    const { spans } = receiver;
    const requestSpan = spans.find((s) => s.traceId === TRACE_ID && s.name === 'POST /graphql');
    expect(requestSpan).toMatchObject({ kind: 2, parentSpanId: '00f067aa0ba902b7', attributes: { 'http.route': '/graphql', 'http.response.status_code': 200 } });
    const operation = spans.find((s) => s.traceId === TRACE_ID && s.name === 'graphql Login');
    expect(operation?.parentSpanId).toBe(requestSpan!.spanId);
    expect(operation?.attributes['graphql.operation.type']).toBe('mutation');

    // Statements and Redis commands of the login, in its trace (under the operation or deeper).
    const inTrace = spans.filter((s) => s.traceId === TRACE_ID);
    const statements = inTrace.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((s) => s.kind === 3 && typeof s.attributes['db.query.text'] === 'string')).toBe(true);
    expect(JSON.stringify(spans)).not.toContain(PASSWORD);
    if (redis) {
      expect(inTrace.some((s) => s.attributes['db.system.name'] === 'redis' && s.name.startsWith('redis '))).toBe(true);
    } else {
      console.warn('Redis is not running on 127.0.0.1:6379: the Redis span was not checked');
    }
  }, 300_000);
});
