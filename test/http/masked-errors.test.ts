import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser, type SignedUp } from '../helpers/users.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What must never reach a client: SQL, a driver's words, a stack frame, a file path. */
const INTERNALS = /select |insert |update |from "|Failed query|PGlite|CONNECTION_|ECONNREFUSED|\bat .*:\d+:\d+|\/src\/|node_modules/i;

/** A logger whose lines the test can read. */
function capturedLogger() {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

describe(`request ids (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('are on every response: answers, refusals and routes', async () => {
    const responses = [
      await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ viewer { credential } }"}' }),
      await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"query":"${'x'.repeat(200_000)}"}` }),
      await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/xml', 'x-graphql-yoga-csrf': '1' }, body: '<q/>' }),
      await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: '{"query":"{ viewer { credential } }"}' }),
      await app.fetch('/healthz'),
      await app.fetch('/nowhere'),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 413, 415, 401, 200, 404]);
    const ids = responses.map((response) => response.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keep a well-formed incoming X-Request-Id, and replace one that is too long or unsafe', async () => {
    const sent = async (id: string) => (await app.fetch('/healthz', { headers: { 'x-request-id': id } })).headers.get('x-request-id');
    expect(await sent('edge-7f3a:42')).toBe('edge-7f3a:42');
    expect(await sent('a'.repeat(64))).toBe('a'.repeat(64));
    expect(await sent('a'.repeat(65))).toMatch(UUID);
    expect(await sent('<script>')).toMatch(UUID);
    expect(await sent('two words')).toMatch(UUID);
  });
});

describe(`a failing query (${ENGINE})`, () => {
  it('is masked as INTERNAL_SERVER_ERROR with the request id, its SQL error only in the log', async () => {
    const log = capturedLogger();
    const app = await startTestApp({ logger: log.logger });
    try {
      const user = await signUpUser(app);
      await app.database.rows(sql`drop table audit_events`);
      const { status, headers, body } = await app.gql('{ auditEvents { edges { node { id } } } }', {}, { bearer: user.accessToken });
      expect(status).toBe(200);
      expect(body).toEqual({
        data: null,
        errors: [{
          message: 'Unexpected error.', path: ['auditEvents'], locations: [{ line: 1, column: 3 }],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: headers.get('x-request-id') },
        }],
      });
      const line = log.lines.find((entry) => entry.requestId === headers.get('x-request-id') && entry.msg === 'unexpected error');
      expect(JSON.stringify(line?.err)).toMatch(/audit_events/);
    } finally {
      await app.close();
    }
  });
});

describe(`the database going away (${ENGINE})`, () => {
  let app: TestApp;
  let user: SignedUp;
  let log: ReturnType<typeof capturedLogger>;
  beforeAll(async () => {
    log = capturedLogger();
    app = await startTestApp({ logger: log.logger });
    user = await signUpUser(app);
    await app.database.close(); // the database goes away under the running app
  });
  afterAll(() => app.close());

  it('is masked: a code and the request id, and no SQL, stack or driver message', async () => {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}`, 'x-request-id': 'trace-db-down-1' },
      body: JSON.stringify({ query: '{ sessions { edges { node { id } } } }' }),
    });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(text).not.toMatch(INTERNALS);
    const { errors } = JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', requestId: 'trace-db-down-1' });
    expect(response.headers.get('x-request-id')).toBe('trace-db-down-1');
  });

  it('is logged in full under the same request id', async () => {
    const response = await app.gql('{ sessions { edges { node { id } } } }', {}, { bearer: user.accessToken });
    const requestId = response.body.errors?.[0]?.extensions?.requestId;
    expect(requestId).toMatch(UUID);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const line = log.lines.find((entry) => entry.requestId === requestId && entry.msg === 'unexpected error');
    expect(line?.err?.message).toMatch(/Failed query: select/);
    expect(line?.path).toBe('sessions');
  });

  it('refuses a session cookie with 503, never serving the request as anonymous', async () => {
    const response = await app.gql('{ viewer { credential } }', {}, { cookie: `__Host-latchkey-session=${'A'.repeat(43)}` });
    expect(response.status).toBe(503);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', requestId: response.headers.get('x-request-id') });
    expect(JSON.stringify(response.body)).not.toMatch(INTERNALS);
    expect(log.lines.some((entry) => entry.requestId === response.headers.get('x-request-id') && /cookie/.test(entry.msg))).toBe(true);
  });

  it('leaves what needs no database to serve: a verified access token still says who is calling', async () => {
    const { status, body } = await app.gql('{ viewer { credential } }', {}, { bearer: user.accessToken });
    expect({ status, body }).toEqual({ status: 200, body: { data: { viewer: { credential: 'ACCESS_TOKEN' } } } });
  });
});
