import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_HASH_CONCURRENCY } from '../../src/accounts/password.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpUser, type SignedUp } from '../helpers/users.ts';

describe(`a storm of logins (${ENGINE})`, () => {
  let app: TestApp;
  let users: SignedUp[];
  beforeAll(async () => {
    app = await startTestApp();
    users = [];
    for (let i = 0; i < 16; i++) users.push(await signUpUser(app));
  });
  afterAll(() => app.close());

  it('hashes on fewer threads than the cores, yet at least one', () => {
    expect(PASSWORD_HASH_CONCURRENCY).toBeGreaterThanOrEqual(1);
    expect(PASSWORD_HASH_CONCURRENCY).toBeLessThanOrEqual(3);
  });

  it('answers 16 concurrent logins, right and wrong passwords alike, and a read sent meanwhile', async () => {
    const logins = users.map((user, i) => app.gql(LOGIN, { input: { email: user.email, password: i % 4 === 0 ? `${PASSWORD}!` : PASSWORD } }));
    const read = app.gql('{ viewer { credential user { id } } }', {}, { bearer: users[0]!.accessToken });
    const answers = await Promise.all(logins);
    answers.forEach(({ status, body }, i) => {
      expect(status).toBe(200);
      if (i % 4 === 0) expect(body.data.login).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
      else expect(body.data.login).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: users[i]!.userId } });
    });
    expect((await read).body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN', user: { id: users[0]!.userId } });
  });
});
