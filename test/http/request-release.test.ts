import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekRequestState } from '../../src/http/request-state.ts';
import { createKey } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser } from '../helpers/users.ts';

/**
 * What a request kept (its state, its id) is forgotten once the response is complete, after every other
 * hook has used it: a request left in a WeakMap makes each young-generation collection copy it.
 */
describe(`per-request state ends with the response (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it('is gone after the response, which still carries the request id and the rate-limit headers', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken, { scopes: ['apikeys:verify'], rateLimit: { limit: 10, windowSeconds: 60 } });
    const { Request } = app.app.yoga.fetchAPI;
    const request = new Request('http://127.0.0.1/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.secret, 'x-request-id': 'release-1' },
      body: JSON.stringify({ query: 'mutation { verifyApiKey(key: "sk_live_not-a-key") { valid code } }' }),
    });
    const response = await app.app.yoga.fetch(request);
    expect(await response.json()).toEqual({ data: { verifyApiKey: { valid: false, code: 'MALFORMED' } } });
    expect(response.headers.get('x-request-id')).toBe('release-1');
    expect(response.headers.get('ratelimit')).toMatch(/^"key";r=9;t=\d+$/);
    expect(peekRequestState(request)).toBeUndefined();
  });

  it('is gone after a sign-in whose response sets no-store', async () => {
    const { Request } = app.app.yoga.fetchAPI;
    const request = new Request('http://127.0.0.1/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { signUp(input: { email: "release@example.com", password: "correct horse battery staple 9" }) { __typename } }' }),
    });
    const response = await app.app.yoga.fetch(request);
    expect(await response.json()).toEqual({ data: { signUp: { __typename: 'TokenAuthPayload' } } });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(peekRequestState(request)).toBeUndefined();
  });
});
