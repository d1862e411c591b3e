import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp } from '../../src/accounts/sign-up.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { freePort } from '../helpers/server-process.ts';
import { FRONT_END, REDIRECT_URI, signInAtProvider, startUpstream, type Upstream, type UpstreamAccount } from '../helpers/upstream.ts';
import { LOGIN, PASSWORD, uniqueEmail } from '../helpers/users.ts';

const START = /* GraphQL */ `
  mutation Start($input: StartSocialLoginInput!) {
    startSocialLogin(input: $input) {
      __typename
      ... on SocialLoginStart { authorizationUrl state }
      ... on Error { code message }
      ... on ValidationError { field }
      ... on OAuthError { error }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }`;

const COMPLETE = /* GraphQL */ `
  mutation Complete($input: CompleteSocialLoginInput!) {
    completeSocialLogin(input: $input) {
      __typename
      ... on AuthPayload { user { id email emailVerified name identities { provider subject email } } session { id } } ... on TokenAuthPayload { tokens { accessToken } }
      ... on Error { code message }
      ... on OAuthError { error }
    }
  }`;

const PROVIDERS = /* GraphQL */ `{ identityProviders { id name available } }`;

const login = () => `u-${randomBytes(5).toString('hex')}`;

describe(`sign-in through an upstream OpenID Connect provider (${ENGINE})`, () => {
  let trusted: Upstream;
  let untrusted: Upstream;
  let laterPort: number;
  let app: TestApp;

  beforeAll(async () => {
    // "acme" puts the email in the ID token and is trusted; "globex" gives it only at userinfo and is not.
    trusted = await startUpstream({ claimsOnlyAtUserinfo: false });
    untrusted = await startUpstream({ claimsOnlyAtUserinfo: true });
    laterPort = await freePort();
    const provider = (id: string, name: string, upstream: Pick<Upstream, 'issuer' | 'clientId' | 'clientSecret'>, isTrusted: boolean) =>
      ({ id, name, issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, trusted: isTrusted });
    app = await startTestApp({
      env: {
        ALLOWED_ORIGINS: FRONT_END,
        TRUST_PROXY: 'true',
        OIDC_PROVIDERS: JSON.stringify([
          provider('acme', 'Acme', trusted, true),
          provider('globex', 'Globex', untrusted, false),
          provider('later', 'Later', { issuer: `http://127.0.0.1:${laterPort}`, clientId: 'latchkey', clientSecret: trusted.clientSecret }, true),
        ]),
      },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await trusted?.close();
    await untrusted?.close();
  });

  const start = (provider: string, redirectUri = REDIRECT_URI, bearer?: string) =>
    app.gql(START, { input: { provider, redirectUri } }, bearer === undefined ? {} : { bearer });
  const complete = (input: Record<string, unknown>) => app.gql(COMPLETE, { input });

  /** Starts at Latchkey, signs in at the provider as `as`, and returns what it sent back. */
  async function throughProvider(provider: string, upstream: Upstream, as: string, account: UpstreamAccount) {
    upstream.addAccount(as, account);
    const { body } = await start(provider);
    expect(body.data.startSocialLogin.__typename).toBe('SocialLoginStart');
    const { authorizationUrl, state } = body.data.startSocialLogin;
    const answer = await signInAtProvider(authorizationUrl, as);
    expect(answer.state).toBe(state);
    return { code: answer.code!, state };
  }

  async function signInWith(provider: string, upstream: Upstream, as: string, account: UpstreamAccount, delivery = 'TOKENS') {
    const { code, state } = await throughProvider(provider, upstream, as, account);
    return (await complete({ provider, code, state, delivery })).body.data.completeSocialLogin;
  }

  const auditTypes = async (userId: string) => (await app.database.rows<{ type: string; detail: string }>(
    sql`select type, detail from audit_events where user_id = ${userId} order by id`));

  it('lists the configured providers, and reports one that could not be reached at start-up', async () => {
    const { body } = await app.gql(PROVIDERS);
    expect(body.data.identityProviders).toEqual([
      { id: 'acme', name: 'Acme', available: true },
      { id: 'globex', name: 'Globex', available: true },
      { id: 'later', name: 'Later', available: false },
    ]);
  });

  it('starts with PKCE S256, a state and a nonce, for an allowed redirect URI only', async () => {
    const { body } = await start('acme');
    const url = new URL(body.data.startSocialLogin.authorizationUrl);
    expect(url.origin).toBe(trusted.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'latchkey', redirect_uri: REDIRECT_URI, response_type: 'code', code_challenge_method: 'S256',
      state: body.data.startSocialLogin.state,
    });
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const stored = await app.database.rows<{ n: number }>(sql`select count(*)::int as n from login_states where state_hash = ${body.data.startSocialLogin.state}`);
    expect(stored[0]!.n).toBe(0);

    expect((await start('acme', 'https://evil.example/auth/done')).body.data.startSocialLogin)
      .toMatchObject({ __typename: 'ValidationError', field: 'redirectUri' });
    expect((await start('acme', 'not a url')).body.data.startSocialLogin).toMatchObject({ __typename: 'ValidationError', field: 'redirectUri' });
    expect((await start('nobody')).body.data.startSocialLogin.__typename).toBe('NotFoundError');
  });

  it('takes at most 100 starts in ten minutes from one client address, and stores no state past that', async () => {
    const ip = '203.0.113.77';
    const startFrom = () => app.gql(START, { input: { provider: 'acme', redirectUri: REDIRECT_URI } }, { headers: { 'x-forwarded-for': ip } });
    const states = async () => (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from login_states`))[0]!.n;
    for (let i = 0; i < 100; i += 1) expect((await startFrom()).body.data.startSocialLogin.__typename).toBe('SocialLoginStart');
    const before = await states();
    const refused = (await startFrom()).body.data.startSocialLogin;
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(await states()).toBe(before);
    expect((await start('acme')).body.data.startSocialLogin.__typename).toBe('SocialLoginStart');
  }, 120_000);

  it('makes an account for a new provider identity, with the email in the ID token, and signs it in', async () => {
    const as = login();
    const email = uniqueEmail('acme');
    const result = await signInWith('acme', trusted, as, { email, emailVerified: true, name: 'Ada Acme' });
    expect(result).toMatchObject({
      __typename: 'TokenAuthPayload',
      user: { email, emailVerified: true, name: 'Ada Acme', identities: [{ provider: 'acme', subject: as, email }] },
    });
    expect(result.tokens.accessToken).toEqual(expect.any(String));
    const me = await app.gql('{ me { id } }', {}, { bearer: result.tokens.accessToken });
    expect(me.body.data.me.id).toBe(result.user.id);
    expect((await auditTypes(result.user.id)).map((e) => e.type)).toContain('social.signed_in');
    // No password: the account signs in only through the provider.
    expect((await app.gql(LOGIN, { input: { email, password: PASSWORD } })).body.data.login.__typename).toBe('InvalidCredentialsError');
  });

  it('reads the email at userinfo when the provider keeps it out of the ID token, and keeps an unverified one unverified', async () => {
    const email = uniqueEmail('globex');
    const result = await signInWith('globex', untrusted, login(), { email, emailVerified: false });
    expect(result).toMatchObject({ __typename: 'TokenAuthPayload', user: { email, emailVerified: false } });
  });

  it('brings the same provider identity back to the same account, with a cookie when asked', async () => {
    const as = login();
    const first = await signInWith('acme', trusted, as, { email: uniqueEmail(), emailVerified: true });
    const { code, state } = await throughProvider('acme', trusted, as, { email: uniqueEmail('changed'), emailVerified: true });
    const again = await complete({ provider: 'acme', code, state, delivery: 'COOKIE' });
    expect(again.body.data.completeSocialLogin).toMatchObject({ __typename: 'CookieAuthPayload', user: { id: first.user.id } });
    expect(again.body.data.completeSocialLogin).not.toHaveProperty('tokens');
    expect(again.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  });

  it('refuses a replayed state, a forged one and one of another provider, and changes nothing', async () => {
    const { code, state } = await throughProvider('acme', trusted, login(), { email: uniqueEmail(), emailVerified: true });
    const users = async () => (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from users`))[0]!.n;
    const before = await users();
    expect((await complete({ provider: 'globex', code, state })).body.data.completeSocialLogin.__typename).toBe('InvalidTokenError');
    expect((await complete({ provider: 'acme', code, state: randomBytes(32).toString('base64url') })).body.data.completeSocialLogin.__typename)
      .toBe('InvalidTokenError');
    expect(await users()).toBe(before);
    // The state was spent by nobody so far: it still works once, then never again.
    expect((await complete({ provider: 'acme', code, state })).body.data.completeSocialLogin.__typename).toBe('TokenAuthPayload');
    expect((await complete({ provider: 'acme', code, state })).body.data.completeSocialLogin.__typename).toBe('InvalidTokenError');
    expect(await users()).toBe(before + 1);
  });

  it('lets only one of two concurrent completions with the same state through', async () => {
    const { code, state } = await throughProvider('acme', trusted, login(), { email: uniqueEmail(), emailVerified: true });
    const answers = await Promise.all([complete({ provider: 'acme', code, state }), complete({ provider: 'acme', code, state })]);
    expect(answers.map((a) => a.body.data.completeSocialLogin.__typename).sort()).toEqual(['InvalidTokenError', 'TokenAuthPayload']);
  });

  it('counts completeSocialLogin as a credential check: one per operation', async () => {
    const { body } = await app.gql(/* GraphQL */ `mutation {
      a: completeSocialLogin(input: { provider: "acme", code: "x", state: "y" }) { __typename }
      b: completeSocialLogin(input: { provider: "acme", code: "x", state: "z" }) { __typename }
    }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_CHECKS');
  });

  it('answers a code the provider does not know with OAuthError invalid_grant, and spends the state', async () => {
    const { state } = await throughProvider('acme', trusted, login(), { email: uniqueEmail(), emailVerified: true });
    const { body } = await complete({ provider: 'acme', code: 'made-up-code', state });
    expect(body.data.completeSocialLogin).toMatchObject({ __typename: 'OAuthError', code: 'OAUTH_ERROR', error: 'invalid_grant' });
    expect((await complete({ provider: 'acme', code: 'made-up-code', state })).body.data.completeSocialLogin.__typename).toBe('InvalidTokenError');
  });

  it('refuses a state past its ten minutes', async () => {
    const { code, state } = await throughProvider('acme', trusted, login(), { email: uniqueEmail(), emailVerified: true });
    await app.database.rows(sql`update login_states set expires_at = now() - interval '1 second' where used_at is null`);
    expect((await complete({ provider: 'acme', code, state })).body.data.completeSocialLogin.__typename).toBe('InvalidTokenError');
  });

  describe('an email that already belongs to an account', () => {
    const existing = async (emailVerified: boolean) => {
      const email = uniqueEmail('existing');
      const user = await signUp(app.database, { email, password: PASSWORD, emailVerified });
      return { email, userId: user.id };
    };

    it('is linked when the provider is trusted and says the address is verified', async () => {
      const { email, userId } = await existing(true);
      const result = await signInWith('acme', trusted, login(), { email: email.toUpperCase(), emailVerified: true });
      expect(result).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: userId, identities: [{ provider: 'acme' }] } });
      expect((await auditTypes(userId)).map((e) => e.type)).toEqual(expect.arrayContaining(['social.linked', 'social.signed_in']));
    });

    it('is never taken over by a trusted provider that does not say the address is verified', async () => {
      const { email } = await existing(true);
      const result = await signInWith('acme', trusted, login(), { email, emailVerified: false });
      expect(result).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN' });
    });

    it('is never taken over by an untrusted provider, even with a verified address', async () => {
      const { email } = await existing(true);
      const as = login();
      const result = await signInWith('globex', untrusted, as, { email, emailVerified: true });
      expect(result.__typename).toBe('EmailTakenError');
      const refusals = await app.database.rows<{ detail: string }>(
        sql`select detail from audit_events where type = 'social.refused' and detail like ${`%subject: ${as}`}`);
      expect(refusals).toEqual([{ detail: `provider: globex, reason: provider_not_trusted, subject: ${as}` }]);
    });

    it('is not linked while the account\'s own address is unverified (whoever registered it may not own it)', async () => {
      const { email } = await existing(false);
      expect((await signInWith('acme', trusted, login(), { email, emailVerified: true })).__typename).toBe('EmailTakenError');
    });
  });

  describe('linking and unlinking', () => {
    const LINK = /* GraphQL */ `
      mutation Link($input: StartSocialLoginInput!) {
        linkSocialLogin(input: $input) { __typename ... on SocialLoginStart { authorizationUrl state } ... on Error { code } }
      }`;
    const COMPLETE_LINK = /* GraphQL */ `
      mutation CompleteLink($input: CompleteSocialLinkInput!) {
        completeSocialLink(input: $input) { __typename ... on LinkedIdentity { provider subject } ... on Error { code message } }
      }`;
    const UNLINK = /* GraphQL */ `
      mutation Unlink($provider: String!) {
        unlinkIdentity(provider: $provider) { __typename ... on LinkedIdentity { provider } ... on Error { code message } }
      }`;

    async function link(bearer: string, provider: string, upstream: Upstream, as: string) {
      upstream.addAccount(as, { email: uniqueEmail('linked'), emailVerified: false });
      const started = (await app.gql(LINK, { input: { provider, redirectUri: REDIRECT_URI } }, { bearer })).body.data.linkSocialLogin;
      const answer = await signInAtProvider(started.authorizationUrl, as);
      return { code: answer.code!, state: started.state };
    }

    it('links a provider to the signed-in account (not to whoever completes it), then signs in through it', async () => {
      const password = await app.gql(LOGIN, { input: { email: (await existingWithPassword()).email, password: PASSWORD } });
      const { accessToken } = password.body.data.login.tokens;
      const as = login();
      const { code, state } = await link(accessToken, 'globex', untrusted, as);
      // Someone else holding the state cannot finish the link, nor sign in with it.
      const other = await signInWith('acme', trusted, login(), { email: uniqueEmail(), emailVerified: true });
      expect((await app.gql(COMPLETE_LINK, { input: { provider: 'globex', code, state } }, { bearer: other.tokens.accessToken }))
        .body.data.completeSocialLink.__typename).toBe('InvalidTokenError');
      expect((await complete({ provider: 'globex', code, state })).body.data.completeSocialLogin.__typename).toBe('InvalidTokenError');

      const linked = await app.gql(COMPLETE_LINK, { input: { provider: 'globex', code, state } }, { bearer: accessToken });
      expect(linked.body.data.completeSocialLink).toEqual({ __typename: 'LinkedIdentity', provider: 'globex', subject: as });
      const back = await signInWith('globex', untrusted, as, { email: uniqueEmail(), emailVerified: false });
      expect(back.user.id).toBe(password.body.data.login.user.id);
    });

    it('refuses to link an identity that belongs to another account', async () => {
      const as = login();
      await signInWith('acme', trusted, as, { email: uniqueEmail(), emailVerified: true });
      const { accessToken } = (await app.gql(LOGIN, { input: { email: (await existingWithPassword()).email, password: PASSWORD } })).body.data.login.tokens;
      const { code, state } = await link(accessToken, 'acme', trusted, as);
      expect((await app.gql(COMPLETE_LINK, { input: { provider: 'acme', code, state } }, { bearer: accessToken })).body.data.completeSocialLink)
        .toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    });

    it('unlinks an identity only while another way to sign in remains', async () => {
      const result = await signInWith('acme', trusted, login(), { email: uniqueEmail(), emailVerified: true });
      const bearer = result.tokens.accessToken;
      expect((await app.gql(UNLINK, { provider: 'acme' }, { bearer })).body.data.unlinkIdentity)
        .toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
      const { code, state } = await link(bearer, 'globex', untrusted, login());
      expect((await app.gql(COMPLETE_LINK, { input: { provider: 'globex', code, state } }, { bearer })).body.data.completeSocialLink.__typename)
        .toBe('LinkedIdentity');
      expect((await app.gql(UNLINK, { provider: 'acme' }, { bearer })).body.data.unlinkIdentity).toEqual({ __typename: 'LinkedIdentity', provider: 'acme' });
      expect((await app.gql(UNLINK, { provider: 'acme' }, { bearer })).body.data.unlinkIdentity.__typename).toBe('NotFoundError');
      expect((await app.gql(UNLINK, { provider: 'globex' }, { bearer })).body.data.unlinkIdentity.__typename).toBe('ValidationError');
      expect((await app.gql('{ me { identities { provider } } }', {}, { bearer })).body.data.me.identities).toEqual([{ provider: 'globex' }]);
      expect((await auditTypes(result.user.id)).map((e) => e.type)).toContain('social.unlinked');
    });

    it('lets an account with a password unlink its only identity', async () => {
      const { email } = await existingWithPassword();
      const { accessToken } = (await app.gql(LOGIN, { input: { email, password: PASSWORD } })).body.data.login.tokens;
      const { code, state } = await link(accessToken, 'acme', trusted, login());
      await app.gql(COMPLETE_LINK, { input: { provider: 'acme', code, state } }, { bearer: accessToken });
      expect((await app.gql(UNLINK, { provider: 'acme' }, { bearer: accessToken })).body.data.unlinkIdentity.__typename).toBe('LinkedIdentity');
    });

    async function existingWithPassword() {
      const email = uniqueEmail('password');
      await signUp(app.database, { email, password: PASSWORD });
      return { email };
    }
  });

  it('with REQUIRE_VERIFIED_EMAIL, signs in only accounts whose address the provider verified', async () => {
    const strict = await startTestApp({
      env: {
        ALLOWED_ORIGINS: FRONT_END,
        REQUIRE_VERIFIED_EMAIL: 'true',
        OIDC_PROVIDERS: JSON.stringify([{ id: 'acme', name: 'Acme', issuer: trusted.issuer, clientId: trusted.clientId, clientSecret: trusted.clientSecret }]),
      },
    });
    try {
      const through = async (email: string, emailVerified: boolean) => {
        const as = login();
        trusted.addAccount(as, { email, emailVerified });
        const started = await startOnceDiscovered(strict);
        const { code, state } = await signInAtProvider(started.authorizationUrl, as);
        return (await strict.gql(COMPLETE, { input: { provider: 'acme', code, state } })).body.data.completeSocialLogin;
      };
      expect((await through(uniqueEmail(), false)).__typename).toBe('EmailNotVerifiedError');
      expect((await through(uniqueEmail(), true)).__typename).toBe('TokenAuthPayload');
    } finally {
      await strict.close();
    }
  });

  it('discovers a provider that was down at start-up once it is up, on use', async () => {
    expect((await start('later')).body.data.startSocialLogin).toMatchObject({ __typename: 'OAuthError', error: 'temporarily_unavailable' });
    const later = await startUpstream({ claimsOnlyAtUserinfo: false, port: laterPort });
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const email = uniqueEmail('later');
      const result = await signInWith('later', later, login(), { email, emailVerified: true });
      expect(result).toMatchObject({ __typename: 'TokenAuthPayload', user: { email } });
      expect((await app.gql(PROVIDERS)).body.data.identityProviders.map((p: { available: boolean }) => p.available)).toEqual([true, true, true]);
    } finally {
      await later.close();
    }
  });
});

/**
 * startSocialLogin on an app started during the run: on a loaded machine its discovery at start-up can time
 * out (the provider answers from this same process), and the app then discovers again on use, 2 s after the
 * failure (providers.ts, RETRY_INTERVAL_MS). Anything but that refusal is returned at once.
 */
async function startOnceDiscovered(app: TestApp) {
  for (let attempt = 1; ; attempt += 1) {
    const started = (await app.gql(START, { input: { provider: 'acme', redirectUri: REDIRECT_URI } })).body.data.startSocialLogin;
    if (started.__typename !== 'OAuthError' || attempt === 10) return started;
    await new Promise((resolve) => setTimeout(resolve, 2_100));
  }
}
