import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { TestApp } from './app.ts';

export const PASSWORD = 'correct horse battery staple';

export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on AuthPayload {
        user { id email }
        session { id }
      }
      ... on TokenAuthPayload {
        tokens { accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt tokenType }
      }
      ... on Error { code message }
      ... on ValidationError { field }
    }
  }`;

export const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on AuthPayload { user { id email } session { id } } ... on TokenAuthPayload { tokens { accessToken refreshToken } }
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
      ... on ValidationError { field }
    }
  }`;

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
}

export interface SignedUp {
  readonly email: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Signs a new user up with TOKENS delivery and returns their credentials. */
export async function signUpUser(app: TestApp, email = uniqueEmail()): Promise<SignedUp> {
  const { body } = await app.gql(SIGN_UP, { input: { email, password: PASSWORD } });
  const result = body.data?.signUp;
  if (result?.__typename !== 'TokenAuthPayload') throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return {
    email,
    userId: result.user.id,
    sessionId: result.session.id,
    accessToken: result.tokens.accessToken,
    refreshToken: result.tokens.refreshToken,
  };
}

/** Gives an account the role admin (and tells the user cache). */
export async function makeAdmin(app: TestApp, user: SignedUp): Promise<void> {
  await app.database.rows(sql`update users set roles = array['admin'] where id = ${user.userId}`);
  await app.app.services.users.changed(user.userId);
}

/** Signs a user up and gives them the role admin. */
export async function signUpAdmin(app: TestApp): Promise<SignedUp> {
  const admin = await signUpUser(app);
  await makeAdmin(app, admin);
  return admin;
}
