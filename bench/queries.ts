/** The operations the benchmark sends, and the constant user the bare Yoga baseline answers with. */

export const BARE_USER = Object.freeze({ id: '00000000-0000-4000-8000-000000000001', email: 'bare-0000000000@bench.example.com' });

export const USER_QUERY = '{ viewer { user { id email } } }';
export const CREDENTIAL_QUERY = '{ viewer { credential } }';
/** Sent once per case before the load, to check which credential Latchkey saw. */
export const CHECK_QUERY = '{ viewer { credential user { id email } } }';

export const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String!) {
    refresh(input: { refreshToken: $token }) {
      __typename
      ... on TokenAuthPayload { tokens { accessToken refreshToken } }
      ... on Error { code message }
    }
  }`;

export { LOGIN, PASSWORD, SIGN_UP } from '../test/helpers/users.ts';

export const CREATE_KEY = 'mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { secret } } }';

export const TOP_KEYS = 'query T($from: DateTime!, $to: DateTime!) { topApiKeys(from: $from, to: $to, limit: 10) { apiKey { id } requests } }';
