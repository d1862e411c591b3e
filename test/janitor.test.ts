import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/lib/secrets.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { ENGINE } from './helpers/database.ts';
import { authorize, registerClient } from './helpers/oauth.ts';
import { MAIL_OUTBOX, NEW_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from './helpers/recovery.ts';
import { LOGIN, signUpAdmin, signUpUser, type SignedUp } from './helpers/users.ts';

const REFRESH = 'mutation R($token: String!) { refresh(input: { refreshToken: $token }) { __typename } }';
const LOGOUT = 'mutation { logout { revokedSessions } }';

describe(`the hourly purge of expired rows (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(() => app?.close());

  const count = async (query: ReturnType<typeof sql>) => (await app.database.rows<{ n: number }>(query))[0]!.n;
  const purge = () => app.app.services.janitor.purge();
  /** Asks for a reset link of `email` and returns the token in the outbox mail. */
  async function resetLink(email: string): Promise<string> {
    await app.gql(REQUEST_PASSWORD_RESET, { email });
    await app.app.services.mail.settled(); // queued, not awaited by the mutation
    const { body } = await app.gql(MAIL_OUTBOX, { first: 100 }, { bearer: admin.accessToken });
    const mails = (body.data.mailOutbox.edges as { node: { to: string; text: string; createdAt: string } }[])
      .map((edge) => edge.node).filter((m) => m.to === email);
    const newest = mails.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
    return /token=([\w-]+)/.exec(newest.text)![1]!;
  }

  it('deletes sessions ended over a week ago with their refresh tokens, and keeps the rest working', async () => {
    const live = await signUpUser(app);
    const revokedLongAgo = await signUpUser(app);
    const revokedLately = await signUpUser(app);
    const expiredLongAgo = await signUpUser(app);
    for (const user of [revokedLongAgo, revokedLately]) await app.gql(LOGOUT, {}, { bearer: user.accessToken });
    await app.database.rows(sql`update sessions set revoked_at = now() - interval '8 days' where id = ${revokedLongAgo.sessionId}`);
    await app.database.rows(sql`update sessions set revoked_at = now() - interval '6 days' where id = ${revokedLately.sessionId}`);
    await app.database.rows(sql`update sessions set expires_at = now() - interval '8 days', idle_expires_at = now() - interval '8 days'
      where id = ${expiredLongAgo.sessionId}`);
    await purge();

    const left = async (user: SignedUp) => count(sql`select count(*)::int as n from sessions where id = ${user.sessionId}`);
    const tokensOf = async (user: SignedUp) => count(sql`select count(*)::int as n from refresh_tokens where session_id = ${user.sessionId}`);
    expect([await left(live), await left(revokedLongAgo), await left(revokedLately), await left(expiredLongAgo)]).toEqual([1, 0, 1, 0]);
    expect([await tokensOf(revokedLongAgo), await tokensOf(expiredLongAgo)]).toEqual([0, 0]);
    expect((await app.gql(REFRESH, { token: live.refreshToken })).body.data.refresh.__typename).toBe('TokenAuthPayload');
    expect((await app.gql(REFRESH, { token: expiredLongAgo.refreshToken })).body.data.refresh.__typename).toBe('InvalidTokenError');
  });

  it('deletes reset links a day past their expiry and mail a week old, and keeps a live link usable', async () => {
    const user = await signUpUser(app);
    const stale = await resetLink(user.email);
    await app.database.rows(sql`update email_tokens set expires_at = now() - interval '25 hours' where hash = ${hashSecret(stale)}`);
    await app.database.rows(sql`update mail_outbox set created_at = now() - interval '8 days' where "to" = ${user.email}`);
    const fresh = await resetLink(user.email);
    const counts = await purge();

    expect(counts.emailTokens).toBe(1);
    expect(counts.outbox).toBe(1);
    expect(await count(sql`select count(*)::int as n from email_tokens where hash = ${hashSecret(stale)}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from mail_outbox where "to" = ${user.email}`)).toBe(1);
    expect((await app.gql(RESET_PASSWORD, { token: fresh, newPassword: NEW_PASSWORD })).body.data.resetPassword.__typename).toBe('ResetPasswordPayload');
    const login = await app.gql(LOGIN, { input: { email: user.email, password: NEW_PASSWORD } });
    expect(login.body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('deletes authorization codes a day past their expiry and sign-in states past their ten minutes', async () => {
    const user = await signUpUser(app);
    const client = await registerClient(app, admin.accessToken);
    const old = new URL((await authorize(app, user.accessToken, client)).redirectTo).searchParams.get('code')!;
    const recent = new URL((await authorize(app, user.accessToken, client)).redirectTo).searchParams.get('code')!;
    await app.database.rows(sql`update oauth_codes set expires_at = now() - interval '25 hours' where hash = ${hashSecret(old)}`);
    await app.database.rows(sql`update oauth_codes set expires_at = now() - interval '23 hours' where hash = ${hashSecret(recent)}`);
    await app.database.rows(sql`insert into login_states (state_hash, provider, redirect_uri, nonce, code_verifier, expires_at)
      values ('stale-state', 'acme', 'https://app.example/cb', 'n', 'v', now() - interval '1 minute'),
             ('live-state', 'acme', 'https://app.example/cb', 'n', 'v', now() + interval '9 minutes')`);
    await app.database.rows(sql`insert into second_factor_challenges (hash, user_id, delivery, first_factor, expires_at)
      values ('old-challenge', gen_random_uuid(), 'TOKENS', 'pwd', now() - interval '61 minutes'),
             ('recent-challenge', gen_random_uuid(), 'TOKENS', 'pwd', now() - interval '59 minutes')`);
    const counts = await purge();

    expect(counts).toMatchObject({ oauthCodes: 1, loginStates: 1, secondFactorChallenges: 1 });
    expect(await count(sql`select count(*)::int as n from second_factor_challenges where hash = 'recent-challenge'`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from oauth_codes where hash = ${hashSecret(recent)}`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from login_states where state_hash = 'live-state'`)).toBe(1);
  });

  it('deletes DPoP proofs seen once their iat window has passed, and keeps those still in it', async () => {
    await app.database.rows(sql`insert into oauth_dpop_proofs (hash, expires_at)
      values ('spent-proof', now() - interval '1 second'), ('live-proof', now() + interval '50 seconds')`);
    expect((await purge()).dpopProofs).toBe(1);
    expect(await count(sql`select count(*)::int as n from oauth_dpop_proofs where hash = 'live-proof'`)).toBe(1);
    await app.database.rows(sql`delete from oauth_dpop_proofs`);
  });

  it('finds nothing to delete the second time', async () => {
    await purge();
    expect(await purge()).toEqual({ sessions: 0, emailTokens: 0, oauthCodes: 0, loginStates: 0, outbox: 0, secondFactorChallenges: 0, dpopProofs: 0 });
  });
});
