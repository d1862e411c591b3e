import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.ts';

export const PASSWORD = 'correct horse battery staple';

export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on AuthPayload {
        user { id email }
        session { id }
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
      ... on AuthPayload { user { id email } session { id } tokens { accessToken refreshToken } }
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
  if (result?.__typename !== 'AuthPayload') throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return {
    email,
    userId: result.user.id,
    sessionId: result.session.id,
    accessToken: result.tokens.accessToken,
    refreshToken: result.tokens.refreshToken,
  };
}
