import type { RequestOptions, TestApp } from './app.ts';
import { codeAt } from './totp.ts';
import { LOGIN, PASSWORD, type SignedUp } from './users.ts';

export const START_TOTP = /* GraphQL */ `
  mutation { startTotpEnrolment { __typename ... on TotpEnrolment { secret uri qrCodeSvg } ... on Error { code } } }`;

export const CONFIRM_TOTP = /* GraphQL */ `
  mutation Confirm($code: String!) {
    confirmTotp(code: $code) { __typename ... on RecoveryCodes { codes } ... on Error { code message } }
  }`;

export const LOGIN_2FA = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on AuthPayload { user { id } session { id } }
      ... on TokenAuthPayload { tokens { accessToken refreshToken } }
      ... on SecondFactorRequired { challenge methods expiresAt code message }
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }`;

export const VERIFY = /* GraphQL */ `
  mutation Verify($input: VerifySecondFactorInput!) {
    verifySecondFactor(input: $input) {
      __typename
      ... on AuthPayload { user { id } session { id } }
      ... on TokenAuthPayload { tokens { accessToken refreshToken } }
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }`;

export const REAUTHENTICATE = /* GraphQL */ `
  mutation Reauthenticate($input: ReauthenticateInput!) {
    reauthenticate(input: $input) { __typename ... on Reauthenticated { verifiedAt } ... on Error { code message } }
  }`;

/** Enrols and confirms an authenticator app for a signed-in user (confirmed with the previous step's code). */
export async function enrolTotp(app: TestApp, user: SignedUp, options: RequestOptions = {}): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = (await app.gql(START_TOTP, {}, { bearer: user.accessToken, ...options })).body.data?.startTotpEnrolment;
  if (started?.__typename !== 'TotpEnrolment') throw new Error(`enrolment failed: ${JSON.stringify(started)}`);
  const confirmed = (await app.gql(CONFIRM_TOTP, { code: codeAt(started.secret, -1) }, { bearer: user.accessToken, ...options })).body.data?.confirmTotp;
  if (confirmed?.__typename !== 'RecoveryCodes') throw new Error(`confirmation failed: ${JSON.stringify(confirmed)}`);
  return { secret: started.secret, recoveryCodes: confirmed.codes };
}

/** The first step of a sign-in of a user with a second factor: the challenge. */
export async function passwordStep(app: TestApp, email: string, options: RequestOptions = {}, delivery = 'TOKENS'): Promise<string> {
  const result = (await app.gql(LOGIN_2FA, { input: { email, password: PASSWORD, delivery } }, options)).body.data?.login;
  if (result?.__typename !== 'SecondFactorRequired') throw new Error(`expected SecondFactorRequired: ${JSON.stringify(result)}`);
  return result.challenge;
}

/** The payload of a JWT, unverified (the tests verify signatures where that is the point). */
export function jwtClaims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

export { LOGIN };
