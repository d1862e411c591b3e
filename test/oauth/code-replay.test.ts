import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, basic, postForm, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

/** Races of two copies (a double submit) and of ten, alternately; each timing differs a little. */
const ROUNDS = 50;
const VIEWER = '{ viewer { credential } }';

interface Redemption {
  readonly status: number;
  readonly body: { access_token?: string; refresh_token?: string; error?: string };
}

/** Sends `copies` redemptions of one fresh code at once, spread over `instances`. */
async function race(instances: readonly TestApp[], user: SignedUp, client: RegisteredClient, copies: number): Promise<Redemption[]> {
  const authorization = await authorize(instances[0]!, user.accessToken, client);
  const code = new URL(authorization.redirectTo).searchParams.get('code')!;
  const responses = await Promise.all(Array.from({ length: copies }, (_, i) => postForm(instances[i % instances.length]!, '/oauth/token', {
    grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: authorization.verifier,
  }, basic(client))));
  return Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as Redemption['body'] })));
}

/** What a holder of the winner's tokens gets from each instance: nothing issued from a replayed code may still work. */
async function expectNothingWorks(instances: readonly TestApp[], client: RegisteredClient, won: Redemption): Promise<void> {
  const accessToken = won.body.access_token!;
  for (const app of instances) {
    // Revocation reaches another instance through NOTIFY: give it a moment, no more.
    await expect.poll(async () => (await app.gql(VIEWER, {}, { bearer: accessToken })).status, { timeout: 2000, interval: 20 }).toBe(401);
    const userinfo = await app.fetch('/oauth/userinfo', { headers: { authorization: `Bearer ${accessToken}` } });
    expect(userinfo.status).toBe(401);
  }
  const refresh = await postForm(instances.at(-1)!, '/oauth/token', { grant_type: 'refresh_token', refresh_token: won.body.refresh_token! }, basic(client));
  expect(refresh.status).toBe(400);
  expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
}

/**
 * RFC 6749 §4.1.2 and RFC 9700 §4.5: a code presented twice revokes everything issued from it, whatever
 * the timing. Copies that arrive together must not leave the winner's tokens alive.
 */
async function raceManyTimes(instances: readonly TestApp[], user: SignedUp, client: RegisteredClient): Promise<void> {
  for (let round = 0; round < ROUNDS; round += 1) {
    const copies = round % 2 === 0 ? 2 : 10;
    const redemptions = await race(instances, user, client, copies);
    const won = redemptions.filter((r) => r.status === 200);
    expect(won.length, `round ${round}: at most one redemption wins`).toBeLessThanOrEqual(1);
    for (const lost of redemptions.filter((r) => r.status !== 200)) expect(lost).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    if (won[0] !== undefined) await expectNothingWorks(instances, client, won[0]);
  }
}

describe(`authorization codes redeemed by racing copies (${ENGINE})`, () => {
  let app: TestApp;
  let client: RegisteredClient;
  let user: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    client = await registerClient(app, (await signUpAdmin(app)).accessToken);
    user = await signUpUser(app);
  });
  afterAll(() => app?.close());

  it(`leaves nothing issued from the code alive, in ${ROUNDS} races of 2 and 10 copies`, async () => {
    await raceManyTimes([app], user, client);
  }, 120_000);
});

if (ENGINE === 'postgres') {
  describe('authorization codes raced across two instances on one PostgreSQL database', () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({}, (apps) => ({ one, two } = apps));

    it(`leaves nothing issued from the code alive on either instance, in ${ROUNDS} races`, async () => {
      const client = await registerClient(one, (await signUpAdmin(one)).accessToken);
      await raceManyTimes([one, two], await signUpUser(one), client);
    }, 120_000);
  });
}
