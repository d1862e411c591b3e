import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_LIMITS } from '../../src/http/operation-limits.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser } from '../helpers/users.ts';

const OVER_LIMIT: [what: string, query: string, code: string][] = [
  ['13 levels deep', `{ ${deepViewer(13)} }`, 'DEPTH_LIMIT_EXCEEDED'],
  ['16 aliases', `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: viewer { credential }`).join(' ')} }`, 'ALIAS_LIMIT_EXCEEDED'],
  ['21 directives', `{ ${Array.from({ length: 21 }, () => 'viewer @include(if: true) { credential }').join(' ')} }`, 'DIRECTIVE_LIMIT_EXCEEDED'],
  ['2 001 tokens', `{ viewer { ${'credential '.repeat(1996)} } }`, 'TOKEN_LIMIT_EXCEEDED'],
  ['a cost over 5 000', `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: auditEvents(first: 100) { edges { node { id type at userId ip detail } } pageInfo { endCursor } }`).join(' ')} }`, 'COST_LIMIT_EXCEEDED'],
];

/** `viewer { credential }` inside inline fragments on Query, each a level, until `depth` levels deep. */
function deepViewer(depth: number): string {
  let selection = 'viewer { credential }';
  for (let level = 2; level < depth; level += 1) selection = `... on Query { ${selection} }`;
  return selection;
}

describe(`operation limits (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('holds the numbers of DESIGN §4', () => {
    expect(OPERATION_LIMITS).toMatchObject({ depth: 12, aliases: 15, directives: 20, tokens: 2000 });
  });

  it.each(OVER_LIMIT)('refuses an operation of %s with 400 and a stable code, whatever the client accepts', async (_what, query, code) => {
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*']) {
      const response = await post({ query }, { accept });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(body.errors.map((error) => error.extensions.code)).toContain(code);
    }
  });

  it('serves operations just within every limit', async () => {
    const user = await signUpUser(app);
    const within = [
      `{ ${deepViewer(12)} }`,
      `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: viewer { credential }`).join(' ')} }`,
      `{ ${Array.from({ length: 20 }, () => 'viewer @include(if: true) { credential }').join(' ')} }`,
      '{ auditEvents(first: 100) { edges { cursor node { id type at userId ip userAgent detail } } pageInfo { hasNextPage endCursor } } }',
    ];
    // 2 000 tokens exactly: 250 operations of 8 tokens, one of them run.
    const manyOperations = Array.from({ length: 250 }, (_, i) => `query Q${i} { viewer { credential } }`).join('\n');
    const bodies = [...within.map((query) => ({ query })), { query: manyOperations, operationName: 'Q7' }];
    for (const body of bodies) {
      const response = await post(body, { authorization: `Bearer ${user.accessToken}` });
      const { errors } = (await response.json()) as { errors?: unknown };
      expect({ status: response.status, errors }).toEqual({ status: 200, errors: undefined });
    }
  });

  it('answers an ordinary validation error as the GraphQL-over-HTTP spec says: 400, or 200 to an application/json client', async () => {
    const strict = await post({ query: '{ viewer { nope } }' }, { accept: 'application/graphql-response+json' });
    expect(strict.status).toBe(400);
    const legacy = await post({ query: '{ viewer { nope } }' }, { accept: 'application/json' });
    expect(legacy.status).toBe(200);
    expect(((await legacy.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a batch of more than 10 operations', async () => {
    const response = await post(Array.from({ length: 11 }, () => ({ query: '{ viewer { credential } }' })));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect((await post(Array.from({ length: 10 }, () => ({ query: '{ viewer { credential } }' })))).status).toBe(200);
  });
});

describe(`request bodies (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  /** POSTs `body` in 8 KB chunks with Transfer-Encoding: chunked, so no Content-Length tells its size. */
  const streamed = (body: string) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(`${app.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    for (let at = 0; at < body.length; at += 8192) request.write(body.slice(at, at + 8192));
    request.end();
  });
  const operation = (padding: number) => JSON.stringify({ query: `{ viewer { credential } } # ${'x'.repeat(padding)}` });

  it('refuses a streamed body over 100 KB with 413, though no Content-Length announced it', async () => {
    for (const padding of [110_000, 1_000_000]) {
      const { status, text } = await streamed(operation(padding));
      expect(status).toBe(413);
      expect(JSON.parse(text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('serves a streamed body within the limit', async () => {
    const { status, text } = await streamed(operation(90_000));
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { viewer: { credential: 'ANONYMOUS' } } });
  });

  it.each([
    ['application/xml', '<query/>'],
    ['text/csv', 'query'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ viewer { credential } }"}\r\n--x--\r\n'],
  ])('refuses a %s body with 415 and a GraphQL error', async (type, body) => {
    const response = await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': type, 'x-graphql-yoga-csrf': '1' }, body });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses malformed JSON with 400 and a GraphQL error that does not echo the body', async () => {
    for (const accept of ['application/json', '*/*']) {
      const response = await app.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', accept }, body: '{"query": "{ viewer { credential } }", "secret-ish": ',
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(text).not.toContain('secret-ish');
    }
  });

  it('refuses text holding NUL, in a variable or a string literal, with 400 before anything runs', async () => {
    const bodies = [
      { query: 'query($t: String) { auditEvents(type: $t) { edges { cursor } } }', variables: { t: 'login\u0000' } },
      { query: '{ auditEvents(type: "login\\u0000") { edges { cursor } } }' },
      { query: '{ auditEvents(type: "login\\u{0}") { edges { cursor } } }' },
    ];
    for (const body of bodies) {
      const response = await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses a mutation over GET with 405', async () => {
    const query = encodeURIComponent('mutation { logout { revokedSessions } }');
    const response = await app.fetch(`/graphql?query=${query}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(405);
  });
});

describe(`field suggestions (${ENGINE})`, () => {
  const TYPO = '{ viewr { credential } }';

  it('helps outside production', async () => {
    const app = await startTestApp();
    try {
      expect((await app.gql(TYPO)).body.errors?.[0]?.message).toMatch(/Did you mean "viewer"/);
    } finally {
      await app.close();
    }
  });

  it('are never given in production, neither for fields nor for enum values', async () => {
    const app = await startTestApp({ env: { NODE_ENV: 'production' } });
    try {
      const field = (await app.gql(TYPO)).body.errors?.[0]?.message;
      expect(field).toBe('Cannot query field "viewr" on type "Query".');
      const { body } = await app.gql('mutation($input: LoginInput!) { login(input: $input) { __typename } }', {
        input: { email: 'a@example.com', password: 'whatever!!', delivery: 'TOKEN' },
      });
      expect(body.errors?.[0]?.message).toMatch(/TokenDelivery/);
      expect(body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    } finally {
      await app.close();
    }
  });
});
