import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../src/accounts/bootstrap-admin.ts';
import { startTestApp, type GqlResponse, type RequestOptions, type TestApp } from './helpers/app.ts';
import { ENGINE } from './helpers/database.ts';
import { awayFromStepEdge, codeAt } from './helpers/totp.ts';
import { SoftAuthenticator } from './helpers/soft-authenticator.ts';
import { uniqueEmail } from './helpers/users.ts';

/**
 * Every example in README.md, run as written against the server (issue 22), so that none can drift: each
 * GraphQL operation by its name, in the order a newcomer would try them, the curl line, and the health
 * answers. A new operation in the README fails "has a step for every operation" until it gets one here.
 */
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const OPERATIONS = new Map([...README.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((match) => {
  const source = match[1]!;
  const name = /^(?:query|mutation)\s+(\w+)/m.exec(source)?.[1];
  if (name === undefined) throw new Error(`a README operation has no name:\n${source}`);
  return [name, source] as const;
}));

interface Context {
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  keyId: string;
  keySecret: string;
  adminToken: string;
  clientId: string;
  totpSecret: string;
  challenge: string;
  authenticator: SoftAuthenticator;
  /** The last WebAuthn options the API handed out. */
  passkeyOptions: string;
  passkeyId: string;
  userId: string;
  /** The token of the last email-change link, read from the outbox (the test app sends no mail). */
  emailChangeToken: string;
  /** A session of the account, from UserDetails. */
  sessionId: string;
}

interface Step {
  readonly operation: string;
  readonly variables: (context: Context) => Record<string, unknown>;
  readonly as?: (context: Context) => RequestOptions;
  /** Checks the answer and keeps what later steps need. */
  readonly then: (data: any, context: Context) => void | Promise<void>;
}

describe(`the README's examples, run against the server (${ENGINE})`, () => {
  let app: TestApp;
  const admin = { email: uniqueEmail('admin'), password: 'a long admin passphrase' };
  beforeAll(async () => {
    app = await startTestApp({ env: { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } });
  });
  afterAll(() => app?.close());

  const bearer = (token: string): RequestOptions => ({ bearer: token });
  const steps: Step[] = [
    { operation: 'Viewer', variables: () => ({}), then: (data) => expect(data.viewer.credential).toBe('ANONYMOUS') },
    {
      operation: 'SignUp',
      variables: (c) => ({ input: { email: c.email, password: c.password } }),
      then: (data, c) => {
        expect(data.signUp.__typename).toBe('TokenAuthPayload');
        expect(data.signUp.user.email).toBe(c.email);
      },
    },
    {
      operation: 'Login',
      variables: (c) => ({ input: { email: c.email, password: c.password } }),
      then: (data, c) => {
        expect(data.login.__typename).toBe('TokenAuthPayload');
        c.refreshToken = data.login.tokens.refreshToken;
      },
    },
    {
      operation: 'Refresh',
      variables: (c) => ({ refreshToken: c.refreshToken }),
      then: (data, c) => {
        expect(data.refresh.__typename).toBe('TokenAuthPayload');
        c.accessToken = data.refresh.tokens.accessToken;
      },
    },
    { operation: 'Sessions', variables: () => ({}), as: (c) => bearer(c.accessToken), then: (data) => expect(data.sessions.edges.length).toBeGreaterThan(0) },
    {
      operation: 'CreateApiKey',
      variables: () => ({ input: { name: 'billing job', scopes: ['apikeys:verify'], rateLimit: { limit: 100, windowSeconds: 60 } } }),
      as: (c) => bearer(c.accessToken),
      then: (data, c) => {
        expect(data.createApiKey.__typename).toBe('CreateApiKeyPayload');
        expect(data.createApiKey.secret).toMatch(/^sk_live_/);
        c.keyId = data.createApiKey.apiKey.id;
        c.keySecret = data.createApiKey.secret;
      },
    },
    { operation: 'Viewer', variables: () => ({}), as: (c) => ({ headers: { 'x-api-key': c.keySecret } }), then: (data) => expect(data.viewer.credential).toBe('API_KEY') },
    {
      operation: 'VerifyApiKey',
      variables: (c) => ({ key: c.keySecret }),
      as: (c) => ({ headers: { 'x-api-key': c.keySecret } }),
      then: (data, c) => {
        expect(data.verifyApiKey).toMatchObject({ valid: true, code: null, scopes: ['apikeys:verify'], apiKey: { id: c.keyId, name: 'billing job' } });
        expect(data.verifyApiKey.remaining).toBeLessThan(100);
      },
    },
    {
      operation: 'ApiKeyUsage',
      variables: (c) => ({ id: c.keyId, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() }),
      as: (c) => bearer(c.accessToken),
      then: (data) => {
        expect(data.apiKey.name).toBe('billing job');
        const requests = data.apiKey.usage.reduce((sum: number, bucket: { requests: number }) => sum + bucket.requests, 0);
        // The Viewer query and the VerifyApiKey call made with the key, and the use verifyApiKey counts.
        expect(requests).toBe(3);
      },
    },
    {
      operation: 'UpdateApiKey',
      variables: (c) => ({ input: { id: c.keyId, name: 'billing job (prod)', rateLimit: { limit: 500, windowSeconds: 60 } } }),
      as: (c) => bearer(c.accessToken),
      then: (data) => expect(data.updateApiKey).toMatchObject({ __typename: 'ApiKey', name: 'billing job (prod)', rateLimit: { limit: 500, windowSeconds: 60 } }),
    },
    {
      operation: 'Login',
      variables: () => ({ input: admin }),
      then: (data, c) => {
        expect(data.login.__typename).toBe('TokenAuthPayload');
        c.adminToken = data.login.tokens.accessToken;
      },
    },
    {
      operation: 'RegisterOAuthClient',
      variables: () => ({ input: { name: 'Photo Printer', public: false, redirectUris: ['https://printer.example/callback'], scopes: ['openid', 'email'] } }),
      as: (c) => bearer(c.adminToken),
      then: async (data, c) => {
        expect(data.registerOAuthClient.__typename).toBe('RegisterOAuthClientPayload');
        expect(data.registerOAuthClient.clientSecret).toEqual(expect.any(String));
        c.clientId = data.registerOAuthClient.client.clientId;
      },
    },
    {
      operation: 'UpdateOAuthClient',
      variables: (c) => ({ input: { clientId: c.clientId, name: 'Photo Printer 2' } }),
      as: (c) => bearer(c.adminToken),
      then: (data) => expect(data.updateOAuthClient).toMatchObject({ __typename: 'OAuthClient', name: 'Photo Printer 2' }),
    },
    {
      operation: 'RotateOAuthClientSecret',
      variables: (c) => ({ clientId: c.clientId }),
      as: (c) => bearer(c.adminToken),
      then: (data) => expect(data.rotateOAuthClientSecret.clientSecret).toEqual(expect.any(String)),
    },
    {
      operation: 'ClientGrants',
      variables: (c) => ({ clientId: c.clientId }),
      as: (c) => bearer(c.adminToken),
      // Nobody has let the new app in yet: its grants are an empty first page.
      then: (data) => expect(data.oauthClient).toEqual({ name: 'Photo Printer 2', grants: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } }),
    },
    {
      operation: 'EnrolTotp',
      variables: () => ({}),
      as: (c) => bearer(c.accessToken),
      then: async (data, c) => {
        expect(data.startTotpEnrolment).toMatchObject({ __typename: 'TotpEnrolment', uri: expect.stringMatching(/^otpauth:\/\/totp\//) });
        expect(data.startTotpEnrolment.qrCodeSvg).toMatch(/^<svg/);
        c.totpSecret = data.startTotpEnrolment.secret;
        // Confirm with the previous step's code, so that the current one is still unused for VerifySecondFactor.
        await awayFromStepEdge();
      },
    },
    {
      operation: 'ConfirmTotp',
      variables: (c) => ({ code: codeAt(c.totpSecret, -1) }),
      as: (c) => bearer(c.accessToken),
      then: (data) => {
        expect(data.confirmTotp.__typename).toBe('RecoveryCodes');
        expect(data.confirmTotp.codes).toHaveLength(10);
      },
    },
    {
      operation: 'LoginWithSecondFactor',
      variables: (c) => ({ input: { email: c.email, password: c.password } }),
      then: (data, c) => {
        expect(data.login).toMatchObject({ __typename: 'SecondFactorRequired', methods: ['TOTP', 'RECOVERY_CODE'] });
        c.challenge = data.login.challenge;
      },
    },
    {
      operation: 'VerifySecondFactor',
      variables: (c) => ({ input: { challenge: c.challenge, totp: codeAt(c.totpSecret) } }),
      then: (data) => {
        expect(data.verifySecondFactor.__typename).toBe('TokenAuthPayload');
        expect(data.verifySecondFactor.tokens.accessToken).toEqual(expect.any(String));
      },
    },
    {
      operation: 'Reauthenticate',
      variables: (c) => ({ input: { password: c.password } }),
      as: (c) => bearer(c.accessToken),
      then: (data) => expect(data.reauthenticate.__typename).toBe('Reauthenticated'),
    },
    {
      operation: 'DisableTotp',
      variables: () => ({}),
      as: (c) => bearer(c.accessToken),
      then: (data) => expect(data.disableTotp).toEqual({ __typename: 'SecondFactorDisabled', disabled: true }),
    },
    {
      operation: 'StartPasskeyRegistration',
      variables: () => ({}),
      as: (c) => bearer(c.accessToken),
      then: (data, c) => {
        expect(data.startPasskeyRegistration.__typename).toBe('PasskeyCreationOptions');
        c.passkeyOptions = data.startPasskeyRegistration.json;
        c.authenticator = new SoftAuthenticator(new URL(app.url).origin);
      },
    },
    {
      operation: 'FinishPasskeyRegistration',
      variables: (c) => ({ input: { response: c.authenticator.create(c.passkeyOptions), name: 'Laptop' } }),
      as: (c) => bearer(c.accessToken),
      then: (data, c) => {
        expect(data.finishPasskeyRegistration).toMatchObject({ __typename: 'PasskeyRegistered', passkey: { name: 'Laptop', synced: false } });
        expect(data.finishPasskeyRegistration.recoveryCodes).toHaveLength(10);
        c.passkeyId = data.finishPasskeyRegistration.passkey.id;
      },
    },
    {
      operation: 'MyPasskeys',
      variables: () => ({}),
      as: (c) => bearer(c.accessToken),
      then: (data, c) => expect(data.me.secondFactors).toMatchObject({ methods: ['PASSKEY', 'RECOVERY_CODE'], passkeys: [{ id: c.passkeyId, name: 'Laptop' }] }),
    },
    {
      operation: 'LoginWithSecondFactor',
      variables: (c) => ({ input: { email: c.email, password: c.password } }),
      then: (data, c) => {
        expect(data.login).toMatchObject({ __typename: 'SecondFactorRequired', methods: ['PASSKEY', 'RECOVERY_CODE'], passkeyOptions: expect.any(String) });
        c.challenge = data.login.challenge;
        c.passkeyOptions = data.login.passkeyOptions;
      },
    },
    {
      operation: 'VerifySecondFactor',
      variables: (c) => ({ input: { challenge: c.challenge, passkey: c.authenticator.get(c.passkeyOptions) } }),
      then: (data) => expect(data.verifySecondFactor.__typename).toBe('TokenAuthPayload'),
    },
    {
      operation: 'StartPasskeySignIn',
      variables: () => ({}),
      then: (data, c) => {
        c.passkeyOptions = data.startPasskeySignIn.json;
      },
    },
    {
      operation: 'FinishPasskeySignIn',
      variables: (c) => ({ input: { response: c.authenticator.get(c.passkeyOptions) } }),
      then: (data, c) => {
        expect(data.finishPasskeySignIn).toMatchObject({ __typename: 'TokenAuthPayload', user: { email: c.email } });
        c.accessToken = data.finishPasskeySignIn.tokens.accessToken;
      },
    },
    {
      operation: 'StartPasskeyReauthentication',
      variables: () => ({}),
      as: (c) => bearer(c.accessToken),
      then: (data, c) => {
        expect(data.startPasskeyReauthentication.__typename).toBe('PasskeyRequestOptions');
        c.passkeyOptions = data.startPasskeyReauthentication.json;
      },
    },
    {
      operation: 'Reauthenticate',
      variables: (c) => ({ input: { passkey: c.authenticator.get(c.passkeyOptions) } }),
      as: (c) => bearer(c.accessToken),
      then: (data) => expect(data.reauthenticate.__typename).toBe('Reauthenticated'),
    },
    {
      operation: 'RenamePasskey',
      variables: (c) => ({ input: { id: c.passkeyId, name: 'Work laptop' } }),
      as: (c) => bearer(c.accessToken),
      then: (data) => expect(data.renamePasskey).toMatchObject({ __typename: 'Passkey', name: 'Work laptop' }),
    },
    {
      operation: 'RemovePasskey',
      variables: (c) => ({ id: c.passkeyId }),
      as: (c) => bearer(c.accessToken),
      then: (data, c) => expect(data.removePasskey).toEqual({ __typename: 'PasskeyRemoved', passkey: { id: c.passkeyId, name: 'Work laptop' } }),
    },
    {
      operation: 'RequestEmailChange',
      variables: (c) => ({ input: { newEmail: `moved-${c.email}` } }),
      as: (c) => bearer(c.accessToken),
      then: async (data, c) => {
        expect(data.requestEmailChange).toMatchObject({ __typename: 'EmailChangeRequested', pendingEmail: `moved-${c.email}` });
        // The mail is queued, not awaited by the mutation: wait until it is in the outbox.
        await app.app.services.mail.settled();
        const [mail] = await app.database.rows<{ text: string }>(sql`select text from mail_outbox where "to" = ${`moved-${c.email}`}`);
        c.emailChangeToken = /confirm-email-change\?token=([\w-]+)/.exec(mail!.text)![1]!;
      },
    },
    {
      operation: 'ConfirmEmailChange',
      variables: (c) => ({ input: { token: c.emailChangeToken } }),
      as: (c) => bearer(c.accessToken),
      then: (data, c) => {
        expect(data.confirmEmailChange).toMatchObject({
          __typename: 'EmailChanged', user: { email: `moved-${c.email}`, emailVerified: true, pendingEmail: null },
        });
        c.email = `moved-${c.email}`;
      },
    },
    { operation: 'Logout', variables: () => ({ everywhere: true }), as: (c) => bearer(c.accessToken), then: (data) => expect(data.logout.revokedSessions).toBeGreaterThan(0) },
    ...adminSteps(),
  ];

  /** The Administration section, run by the admin on the account the steps above made. */
  function adminSteps(): Step[] {
    const asAdmin = (c: Context) => bearer(c.adminToken);
    const user = (c: Context) => ({ id: c.userId });
    return [
      {
        operation: 'DeploymentUsage',
        variables: () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() }),
        as: asAdmin,
        then: (data) => {
          const requests = data.apiKeyUsageSeries.buckets.reduce((sum: number, bucket: { requests: number }) => sum + bucket.requests, 0);
          expect(requests).toBeGreaterThanOrEqual(3);
        },
      },
      {
        operation: 'FindUsers',
        variables: (c) => ({ email: c.email.toUpperCase() }),
        as: asAdmin,
        then: async (data, c) => {
          expect(data.users.edges).toHaveLength(1);
          expect(data.users.edges[0].node).toMatchObject({ email: c.email, roles: [], disabledAt: null });
          c.userId = data.users.edges[0].node.id;
          // Logout above ended every session: one sign-in more, for RevokeUserSession to end.
          const login = await app.gql(OPERATIONS.get('Login')!, { input: { email: c.email, password: c.password } });
          expect(login.body.data.login.__typename).toBe('TokenAuthPayload');
        },
      },
      {
        operation: 'UserDetails',
        variables: user,
        as: asAdmin,
        then: (data, c) => {
          expect(data.user.email).toBe(c.email);
          expect(data.user.apiKeys.edges.map((edge: { node: { id: string; name: string } }) => edge.node)).toMatchObject([{ id: c.keyId, name: 'billing job (prod)' }]);
          expect(data.user.secondFactors).toEqual({ methods: [], recoveryCodesLeft: 0 });
          c.sessionId = data.user.sessions.edges[0].node.id;
        },
      },
      {
        operation: 'RevokeUserSession',
        variables: (c) => ({ userId: c.userId, sessionId: c.sessionId }),
        as: asAdmin,
        then: (data, c) => expect(data.revokeUserSession).toEqual({ __typename: 'Session', id: c.sessionId }),
      },
      {
        operation: 'SetUserRoles',
        variables: (c) => ({ input: { userId: c.userId, roles: ['admin'] } }),
        as: asAdmin,
        then: (data) => expect(data.setUserRoles).toMatchObject({ __typename: 'User', roles: ['admin'] }),
      },
      { operation: 'RevokeUserSessions', variables: user, as: asAdmin, then: (data) => expect(data.revokeUserSessions.__typename).toBe('RevokeUserSessionsPayload') },
      { operation: 'DisableUser', variables: user, as: asAdmin, then: (data) => expect(data.disableUser.disabledAt).toEqual(expect.any(String)) },
      {
        operation: 'AuditTrail',
        variables: (c) => ({ userId: c.userId, since: new Date(Date.now() - 3_600_000).toISOString() }),
        as: asAdmin,
        then: (data, c) => {
          const disabled = data.auditEvents.edges.find((edge: { node: { eventType: string } }) => edge.node.eventType === 'USER_DISABLED');
          expect(disabled.node.target).toEqual({ type: 'USER', id: c.userId });
        },
      },
      { operation: 'EnableUser', variables: user, as: asAdmin, then: (data) => expect(data.enableUser.disabledAt).toBeNull() },
      {
        operation: 'DeleteUser',
        variables: user,
        as: asAdmin,
        then: (data, c) => expect(data.deleteUser).toMatchObject({ __typename: 'DeleteUserPayload', deletedUserId: c.userId, deletedApiKeys: 1 }),
      },
    ];
  }

  it('has a step for every operation, and an operation for every step', () => {
    expect([...new Set(steps.map((step) => step.operation))].sort()).toEqual([...OPERATIONS.keys()].sort());
  });

  it('runs every GraphQL operation as written, in order, without an error', async () => {
    const outcome = await bootstrapAdmin(app.database, app.config.admin!);
    expect(outcome.outcome).toBe('created');
    const context = { email: uniqueEmail('ada'), password: 'correct horse battery staple' } as Context;
    for (const step of steps) {
      const response: GqlResponse = await app.gql(OPERATIONS.get(step.operation)!, step.variables(context), step.as?.(context));
      expect({ step: step.operation, status: response.status, errors: response.body.errors }).toEqual({ step: step.operation, status: 200, errors: undefined });
      await step.then(response.body.data, context);
      if (step.operation === 'VerifyApiKey') await app.app.services.usage.flush();
    }

    const authorize = new URL('/oauth/authorize', app.url);
    for (const [name, value] of Object.entries({
      response_type: 'code', client_id: context.clientId, redirect_uri: 'https://printer.example/callback', scope: 'openid email',
      state: 'xyz', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    })) authorize.searchParams.set(name, value);
    const page = await fetch(authorize, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Photo Printer 2');
  }, 120_000);

  it('answers the curl line as the README shows', async () => {
    const curl = /curl -s http:\/\/localhost:4000\/graphql -H 'content-type: application\/json' \\\n\s+-d '([^']+)'/.exec(README);
    expect(curl).not.toBeNull();
    const response = await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: curl![1] });
    expect(await response.json()).toEqual({ data: { viewer: { credential: 'ANONYMOUS' } } });
  });

  it('answers /healthz and /readyz as the README says', async () => {
    for (const [path, body] of [['/healthz', '{"status":"ok"}'], ['/readyz', '{"status":"ready"}']] as const) {
      expect(README).toContain(`\`GET ${path}\` answers \`${body}\``);
      const response = await app.fetch(path);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(body);
    }
  });
});
