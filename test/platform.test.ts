import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { ENGINE } from './helpers/database.ts';

describe(`the platform (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('answers ANONYMOUS to a request without credentials', async () => {
    const { status, body } = await app.gql('{ viewer { credential scopes user { id } session { id } } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { viewer: { credential: 'ANONYMOUS', scopes: [], user: null, session: null } } });
  });

  it('serves /healthz and /readyz', async () => {
    expect((await app.fetch('/healthz')).status).toBe(200);
    const ready = await app.fetch('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('publishes the public signing keys, and never a private part', async () => {
    const response = await app.fetch('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys.length).toBeGreaterThan(0);
    expect(keys).toEqual(expect.arrayContaining([
      expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' }),
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig' }),
    ]));
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });

  it.each([
    ['an API key in X-API-Key', { 'x-api-key': 'sk_live_0000000000000000000000000000000000000000000' }],
    ['an API key as a bearer token', { authorization: 'Bearer sk_live_0000000000000000000000000000000000000000000' }],
    ['a Basic authorization', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an unknown cookie session', { cookie: '__Host-latchkey-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
  ])('refuses %s with 401 instead of serving it as anonymous', async (_what, headers) => {
    const { status, headers: responseHeaders, body } = await app.gql('{ viewer { credential } }', {}, { headers });
    expect(status).toBe(401);
    expect(responseHeaders.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'invalid' });
  });

  it('refuses a GET query without a CSRF-safe header, and serves one with it', async () => {
    const query = encodeURIComponent('{ viewer { credential } }');
    const refused = await app.fetch(`/graphql?query=${query}`);
    expect(refused.status).toBe(403);
    expect((await refused.json()).errors[0].extensions).toEqual({ code: 'CSRF_HEADER_REQUIRED' });
    const form = await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ viewer { credential } }' }) });
    expect(form.status).toBe(403);
    expect((await form.json()).errors[0].extensions).toEqual({ code: 'CSRF_HEADER_REQUIRED' });
    const allowed = await app.fetch(`/graphql?query=${query}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(allowed.status).toBe(200);
  });

  it('refuses a mutation over GET', async () => {
    const query = encodeURIComponent('mutation { logout { revokedSessions } }');
    const response = await app.fetch(`/graphql?query=${query}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(405);
  });

  it('refuses a body over 100 KB with 413', async () => {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ viewer { credential } } # ${'x'.repeat(110_000)}` }),
    });
    expect(response.status).toBe(413);
  });

  it('answers a syntax error with a GraphQL error, not a 500', async () => {
    const { status, body } = await app.gql('{ viewer { ');
    expect(status).toBeLessThan(500);
    expect(body.errors?.[0]?.message).toMatch(/Syntax Error/);
  });
});

describe(`CORS (${ENGINE})`, () => {
  const preflight = (app: TestApp, origin: string) =>
    app.fetch('/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

  it('grants no origin anything by default', async () => {
    const app = await startTestApp();
    try {
      expect((await preflight(app, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
      const post = await app.fetch('/graphql', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{"query":"{ viewer { credential } }"}' });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('grants ALLOWED_ORIGINS with credentials, and neither other origins nor null', async () => {
    const app = await startTestApp({ env: { ALLOWED_ORIGINS: 'https://a.example, https://b.example' } });
    try {
      const granted = await preflight(app, 'https://b.example');
      expect(granted.headers.get('access-control-allow-origin')).toBe('https://b.example');
      expect(granted.headers.get('access-control-allow-credentials')).toBe('true');
      for (const origin of ['https://evil.example', 'null']) {
        expect((await preflight(app, origin)).headers.get('access-control-allow-origin')).toBeNull();
      }
    } finally {
      await app.close();
    }
  });

  it('opens the OAuth endpoints browser apps call to every origin, without credentials', async () => {
    const app = await startTestApp();
    try {
      for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/userinfo', '/.well-known/openid-configuration', '/.well-known/jwks.json']) {
        const granted = await app.fetch(path, {
          method: 'OPTIONS', headers: { origin: 'https://spa.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
        });
        expect(granted.status).toBe(204);
        expect(granted.headers.get('access-control-allow-origin')).toBe('https://spa.example');
        expect(granted.headers.get('access-control-allow-headers')).toBe('authorization, content-type, dpop');
        expect(granted.headers.get('access-control-allow-credentials')).toBeNull();
      }
      const token = await app.fetch('/oauth/token', {
        method: 'POST', headers: { origin: 'https://spa.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=nonsense',
      });
      expect(token.status).toBe(401);
      expect(token.headers.get('access-control-allow-origin')).toBe('https://spa.example');
      for (const path of ['/oauth/introspect', '/oauth/authorize', '/graphql']) {
        const refused = await app.fetch(path, { method: 'OPTIONS', headers: { origin: 'https://spa.example', 'access-control-request-method': 'POST' } });
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      }
    } finally {
      await app.close();
    }
  });
});

describe(`production mode (${ENGINE})`, () => {
  const INTROSPECTION = '{ __schema { queryType { name } } }';

  it('serves GraphiQL and introspection outside production', async () => {
    const app = await startTestApp();
    try {
      const page = await app.fetch('/graphql', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/graphiql/i);
      expect((await app.gql(INTROSPECTION)).body.data.__schema.queryType.name).toBe('Query');
    } finally {
      await app.close();
    }
  });

  it('turns both off when NODE_ENV is production', async () => {
    const app = await startTestApp({ env: { NODE_ENV: 'production' } });
    try {
      const page = await app.fetch('/graphql', { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/graphiql/i);
      const { body } = await app.gql(INTROSPECTION);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/introspection/i);
      expect((await app.gql('{ viewer { credential } }')).body.data.viewer.credential).toBe('ANONYMOUS');
    } finally {
      await app.close();
    }
  });
});
