import { hash } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressGroup } from '../../src/accounts/sign-in-budget.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpUser, uniqueEmail } from '../helpers/users.ts';

describe(`login (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => app.close());

  let address = 0;
  /** Each test speaks from its own client address, so per-address budgets do not leak between tests. */
  const newAddress = () => `198.51.100.${++address}`;
  const login = (email: string, password: string, ip: string) =>
    app.gql(LOGIN, { input: { email, password } }, { headers: { 'x-forwarded-for': ip } });
  const failedLogins = async (email: string) =>
    (await app.database.rows<{ n: number }>(sql`select failed_logins as n from users where email = ${email}`))[0]!.n;

  it('signs in with the right password', async () => {
    const user = await signUpUser(app);
    const { headers, body } = await login(user.email, PASSWORD, newAddress());
    expect(body.data.login).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: user.userId } });
    expect(body.data.login.session.id).not.toBe(user.sessionId);
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const user = await signUpUser(app);
    const ip = newAddress();
    const wrong = (await login(user.email, 'wrong password!', ip)).body;
    const unknown = (await login(uniqueEmail('nobody'), 'wrong password!', ip)).body;
    expect(wrong).toEqual(unknown);
    expect(wrong.data.login).toEqual({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS', message: 'Wrong email or password.' });
  });

  it('spends a password hash on an unknown email, as on a known one', async () => {
    const user = await signUpUser(app);
    const ip = newAddress();
    const median = async (email: string) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const start = performance.now();
        await login(email, 'wrong password!', ip);
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[2]!;
    };
    const known = await median(user.email);
    const unknown = await median(uniqueEmail('nobody'));
    // Not a speed check: both paths must run argon2, so neither can be a small fraction of the other.
    expect(unknown).toBeGreaterThan(known * 0.5);
    expect(known).toBeGreaterThan(unknown * 0.5);
  });

  it('rehashes a password stored with outdated parameters on the next login', async () => {
    const email = uniqueEmail();
    const weak = await hash(PASSWORD, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await app.database.rows(sql`insert into users (email, password_hash) values (${email}, ${weak})`);
    expect((await login(email, PASSWORD, newAddress())).body.data.login.__typename).toBe('TokenAuthPayload');
    const [row] = await app.database.rows<{ password_hash: string }>(sql`select password_hash from users where email = ${email}`);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await login(email, PASSWORD, newAddress())).body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('makes an account wait after 10 consecutive failures, even for the right password', async () => {
    const user = await signUpUser(app);
    const ip = newAddress();
    for (let i = 0; i < 10; i += 1) {
      expect((await login(user.email, `wrong ${i}!!`, ip)).body.data.login.__typename).toBe('InvalidCredentialsError');
    }
    const refused = (await login(user.email, PASSWORD, newAddress())).body.data.login;
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(refused.retryAfterSeconds).toBeGreaterThan(20);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
    expect(await failedLogins(user.email)).toBe(10);
  });

  it('resets the count of failures after a success', async () => {
    const user = await signUpUser(app);
    const ip = newAddress();
    for (let i = 0; i < 9; i += 1) await login(user.email, `wrong ${i}!!`, ip);
    expect((await login(user.email, PASSWORD, ip)).body.data.login.__typename).toBe('TokenAuthPayload');
    expect(await failedLogins(user.email)).toBe(0);
    for (let i = 0; i < 9; i += 1) await login(user.email, `wrong ${i}!!`, ip);
    expect((await login(user.email, PASSWORD, ip)).body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('counts attempts before checking the hash: of 50 concurrent guesses at most 10 are checked', async () => {
    const user = await signUpUser(app);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => login(user.email, `guess ${i}!!`, `203.0.113.${i + 1}`)));
    const kinds = results.map((r) => r.body.data.login.__typename);
    expect(kinds.filter((k) => k === 'InvalidCredentialsError').length).toBeLessThanOrEqual(10);
    expect(kinds.filter((k) => k === 'RateLimitedError').length).toBeGreaterThanOrEqual(40);
  });

  it('checks one password per request: 50 aliased logins are refused before any runs', async () => {
    const user = await signUpUser(app);
    const fields = Array.from({ length: 50 }, (_, i) => `l${i}: login(input: { email: $email, password: "guess ${i}!!" }) { __typename }`).join('\n');
    const { body } = await app.gql(`mutation Guess($email: String!) { ${fields} }`, { email: user.email }, { headers: { 'x-forwarded-for': newAddress() } });
    expect(body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_CHECKS');
    expect(await failedLogins(user.email)).toBe(0);
  });

  it('checks one password per request across a batch of operations', async () => {
    const user = await signUpUser(app);
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': newAddress() },
      body: JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ query: LOGIN, variables: { input: { email: user.email, password: `guess ${i}!!` } } }))),
    });
    const results = (await response.json()) as { data?: { login: { __typename: string } } }[];
    expect(results.filter((r) => r.data?.login?.__typename === 'InvalidCredentialsError')).toHaveLength(1);
    expect(await failedLogins(user.email)).toBe(1);
  });

  it('limits failures per client address: the 101st in 15 minutes is refused', async () => {
    const ip = newAddress();
    for (let i = 0; i < 100; i += 1) {
      expect((await login(uniqueEmail('nobody'), 'wrong password!', ip)).body.data.login.__typename).toBe('InvalidCredentialsError');
    }
    const refused = (await login(uniqueEmail('nobody'), 'wrong password!', ip)).body.data.login;
    expect(refused).toMatchObject({ __typename: 'RateLimitedError' });
    expect(refused.retryAfterSeconds).toBeGreaterThan(800);
    expect((await login(uniqueEmail('nobody'), 'wrong password!', newAddress())).body.data.login.__typename).toBe('InvalidCredentialsError');
  }, 60_000);

  it('groups IPv6 clients by /64 and reads X-Forwarded-For only behind a trusted proxy', () => {
    expect(addressGroup('2001:db8:1:2:aaaa::1')).toBe(addressGroup('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressGroup('2001:db8:1:2::1')).not.toBe(addressGroup('2001:db8:1:3::1'));
    expect(addressGroup('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });

  it('refuses a malformed email with a ValidationError and counts nothing', async () => {
    const { body } = await login('no-at-sign', PASSWORD, newAddress());
    expect(body.data.login).toMatchObject({ __typename: 'ValidationError', field: 'email' });
  });
});

describe(`client addresses without a trusted proxy (${ENGINE})`, () => {
  it('ignores X-Forwarded-For, so a client cannot pick a fresh address per guess', async () => {
    const app = await startTestApp();
    try {
      for (let i = 0; i < 100; i += 1) {
        await app.gql(LOGIN, { input: { email: uniqueEmail('nobody'), password: 'wrong password!' } }, { headers: { 'x-forwarded-for': `192.0.2.${i}` } });
      }
      const { body } = await app.gql(LOGIN, { input: { email: uniqueEmail('nobody'), password: 'wrong password!' } }, { headers: { 'x-forwarded-for': '192.0.2.250' } });
      expect(body.data.login.__typename).toBe('RateLimitedError');
    } finally {
      await app.close();
    }
  }, 60_000);
});
