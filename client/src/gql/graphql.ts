/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Which kind of traffic a key is for; its secret starts with sk_live_ or sk_test_. */
export type ApiKeyEnvironment =
  /** Production traffic (sk_live_). */
  | 'LIVE'
  /** Tests and development (sk_test_). */
  | 'TEST';

/** Why a key may not be used now. */
export type ApiKeyVerificationCode =
  /** Past its expiresAt, or an old secret of a rolled key past its overlap. */
  | 'EXPIRED'
  /** Not a key: wrong prefix, length or checksum (no database was asked). */
  | 'MALFORMED'
  /** Well-formed, but no such key exists. */
  | 'NOT_FOUND'
  /** The account that owns the key is disabled (disableUser): its keys do not work until enableUser. */
  | 'OWNER_DISABLED'
  /** Good, but over its rate limit until resetAt. */
  | 'RATE_LIMITED'
  /** Revoked by its owner or an admin. */
  | 'REVOKED';

/** A new key. */
export type CreateApiKeyInput = {
  /** LIVE or TEST. */
  environment?: ApiKeyEnvironment | null | undefined;
  /** When it stops working; in the future, at most five years away. */
  expiresAt?: string | null | undefined;
  /** What to call it, 1 to 100 characters. */
  name: string;
  /** A budget per sliding window; omit for none. */
  rateLimit?: RateLimitInput | null | undefined;
  /** What it may do: a subset of what its owner may do (see README). */
  scopes?: Array<string> | null | undefined;
};

/** How the request proved who it is. */
export type CredentialKind =
  /** A JWT access token in the Authorization header. */
  | 'ACCESS_TOKEN'
  /** No credential. */
  | 'ANONYMOUS'
  /** An API key in the Authorization or X-API-Key header. */
  | 'API_KEY'
  /** The session cookie of a COOKIE sign-in. */
  | 'SESSION_COOKIE';

/** What went wrong, for programs: the `code` of every Error. Stable across releases; new codes may be added. */
export type ErrorCode =
  /** The password was right, but an admin disabled the account (AccountDisabledError). */
  | 'ACCOUNT_DISABLED'
  /** The account signs in only once its address is verified (EmailNotVerifiedError). */
  | 'EMAIL_NOT_VERIFIED'
  /** The email address already belongs to an account (EmailTakenError). */
  | 'EMAIL_TAKEN'
  /** Wrong email or password (InvalidCredentialsError). */
  | 'INVALID_CREDENTIALS'
  /** A second-factor code that is wrong, expired or already used (InvalidSecondFactorError). */
  | 'INVALID_SECOND_FACTOR'
  /** A refresh token, link token, code or state that is unknown, expired, revoked or spent (InvalidTokenError). */
  | 'INVALID_TOKEN'
  /** The thing asked for does not exist, or the caller may not see it (NotFoundError). */
  | 'NOT_FOUND'
  /** An OAuth 2.0 failure; `error` holds its RFC 6749 error code (OAuthError). */
  | 'OAUTH_ERROR'
  /** Too many attempts; try again after `retryAfterSeconds` (RateLimitedError). */
  | 'RATE_LIMITED'
  /** A sensitive operation needs a sign-in or re-verification within the last 10 minutes: call reauthenticate (ReauthenticationRequiredError). */
  | 'REAUTHENTICATION_REQUIRED'
  /** The password was right and the account has a second factor: finish with verifySecondFactor (SecondFactorRequired). */
  | 'SECOND_FACTOR_REQUIRED'
  /** An admin may not disable, delete or take the role admin from their own account (SelfAdministrationError). */
  | 'SELF_ADMINISTRATION'
  /** The account already has a confirmed authenticator app (TotpAlreadyEnabledError). */
  | 'TOTP_ALREADY_ENABLED'
  /** The input breaks a rule (ValidationError); `field` names the input field to blame. */
  | 'VALIDATION_FAILED';

/** An email and password. */
export type LoginInput = {
  /** How to hand over the credentials. */
  delivery?: TokenDelivery | null | undefined;
  /** The sign-in address. */
  email: string;
  /** The password. */
  password: string;
};

/** Which sessions to end. */
export type LogoutInput = {
  /** End every session of the account, not only this one. */
  everywhere?: boolean | null | undefined;
};

/** A budget of requests per sliding window. */
export type RateLimitInput = {
  /** Requests allowed per window, from 1 to 1,000,000. */
  limit: number;
  /** The window's length, from 1 to 86,400 seconds. */
  windowSeconds: number;
};

/** Which refresh token to exchange. */
export type RefreshInput = {
  /** Omit to use the refresh cookie. */
  refreshToken?: string | null | undefined;
};

/** A new account. */
export type SignUpInput = {
  /** How to hand over the credentials. */
  delivery?: TokenDelivery | null | undefined;
  /** The sign-in address; unique whatever its case. */
  email: string;
  /** What the user wants to be called. */
  name?: string | null | undefined;
  /** 8 to 128 characters; not one of the most common passwords. */
  password: string;
};

/** How a successful sign-in hands over its credentials. TOKENS: an access token and a refresh token in the response body, for mobile apps and single-page apps that keep tokens in memory. COOKIE: an HttpOnly, Secure, SameSite session cookie, and no secret in the body, for web apps. */
export type TokenDelivery =
  /** The session cookie; nothing secret in the body. */
  | 'COOKIE'
  /** An access token and a refresh token in the response body. */
  | 'TOKENS';

export type ApiKeyFieldsFragment = { id: string, name: string, start: string, environment: ApiKeyEnvironment, scopes: Array<string>, createdAt: string, expiresAt: string | null, lastUsedAt: string | null, revokedAt: string | null, rateLimit: { limit: number, windowSeconds: number } | null };

export type ApiKeysQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  includeRevoked?: boolean | null | undefined;
}>;


export type ApiKeysQuery = { apiKeys: { edges: Array<{ cursor: string, node: { id: string, name: string, start: string, environment: ApiKeyEnvironment, scopes: Array<string>, createdAt: string, expiresAt: string | null, lastUsedAt: string | null, revokedAt: string | null, rateLimit: { limit: number, windowSeconds: number } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { createApiKey:
    | { __typename: 'CreateApiKeyPayload', secret: string, apiKey: { id: string, name: string, start: string, environment: ApiKeyEnvironment, scopes: Array<string>, createdAt: string, expiresAt: string | null, lastUsedAt: string | null, revokedAt: string | null, rateLimit: { limit: number, windowSeconds: number } | null } }
    | { __typename: 'ReauthenticationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, field: string | null }
   };

export type RevokeApiKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeApiKeyMutation = { revokeApiKey:
    | { __typename: 'ApiKey', id: string, name: string, start: string, environment: ApiKeyEnvironment, scopes: Array<string>, createdAt: string, expiresAt: string | null, lastUsedAt: string | null, revokedAt: string | null, rateLimit: { limit: number, windowSeconds: number } | null }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
   };

export type VerifyApiKeyMutationVariables = Exact<{
  key: string;
}>;


export type VerifyApiKeyMutation = { verifyApiKey: { valid: boolean, code: ApiKeyVerificationCode | null, scopes: Array<string>, remaining: number | null, resetAt: string | null } };

type SignedIn_CookieAuthPayload_Fragment = { user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } };

type SignedIn_TokenAuthPayload_Fragment = { tokens: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string }, user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } };

export type SignedInFragment =
  | SignedIn_CookieAuthPayload_Fragment
  | SignedIn_TokenAuthPayload_Fragment
;

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp:
    | { __typename: 'CookieAuthPayload', user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } }
    | { __typename: 'EmailNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'EmailTakenError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string, retryAfterSeconds: number }
    | { __typename: 'TokenAuthPayload', tokens: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string }, user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, field: string | null }
   };

export type LoginMutationVariables = Exact<{
  input: LoginInput;
}>;


export type LoginMutation = { login:
    | { __typename: 'AccountDisabledError', code: ErrorCode, message: string }
    | { __typename: 'CookieAuthPayload', user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } }
    | { __typename: 'EmailNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string, retryAfterSeconds: number }
    | { __typename: 'SecondFactorRequired', code: ErrorCode, message: string }
    | { __typename: 'TokenAuthPayload', tokens: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string }, user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, field: string | null }
   };

export type RefreshMutationVariables = Exact<{
  input?: RefreshInput | null | undefined;
}>;


export type RefreshMutation = { refresh:
    | { __typename: 'CookieAuthPayload', user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } }
    | { __typename: 'InvalidTokenError', code: ErrorCode, message: string }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string, retryAfterSeconds: number }
    | { __typename: 'TokenAuthPayload', tokens: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, refreshTokenExpiresAt: string }, user: { id: string, email: string, name: string | null, emailVerified: boolean }, session: { id: string, expiresAt: string } }
   };

export type LogoutMutationVariables = Exact<{
  input?: LogoutInput | null | undefined;
}>;


export type LogoutMutation = { logout: { revokedSessions: number } };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { credential: CredentialKind, scopes: Array<string>, user: { id: string, email: string, name: string | null, emailVerified: boolean } | null, session: { id: string, expiresAt: string } | null, apiKey: { id: string, name: string } | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ApiKeyFieldsFragmentDoc = new TypedDocumentString(`
    fragment ApiKeyFields on ApiKey {
  id
  name
  start
  environment
  scopes
  createdAt
  expiresAt
  lastUsedAt
  revokedAt
  rateLimit {
    limit
    windowSeconds
  }
}
    `, {"fragmentName":"ApiKeyFields"}) as unknown as TypedDocumentString<ApiKeyFieldsFragment, unknown>;
export const SignedInFragmentDoc = new TypedDocumentString(`
    fragment SignedIn on AuthPayload {
  user {
    id
    email
    name
    emailVerified
  }
  session {
    id
    expiresAt
  }
  ... on TokenAuthPayload {
    tokens {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
}
    `, {"fragmentName":"SignedIn"}) as unknown as TypedDocumentString<SignedInFragment, unknown>;
export const ApiKeysDocument = new TypedDocumentString(`
    query ApiKeys($first: Int, $after: String, $includeRevoked: Boolean) {
  apiKeys(first: $first, after: $after, includeRevoked: $includeRevoked) {
    edges {
      cursor
      node {
        ...ApiKeyFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ApiKeyFields on ApiKey {
  id
  name
  start
  environment
  scopes
  createdAt
  expiresAt
  lastUsedAt
  revokedAt
  rateLimit {
    limit
    windowSeconds
  }
}`, {"hash":"sha256:5ff8567ab77b316891ef830772acf00c338399860bb555d5fb106fa9b4e0640e"}) as unknown as TypedDocumentString<ApiKeysQuery, ApiKeysQueryVariables>;
export const CreateApiKeyDocument = new TypedDocumentString(`
    mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on CreateApiKeyPayload {
      secret
      apiKey {
        ...ApiKeyFields
      }
    }
    ... on Error {
      code
      message
    }
    ... on ValidationError {
      field
    }
  }
}
    fragment ApiKeyFields on ApiKey {
  id
  name
  start
  environment
  scopes
  createdAt
  expiresAt
  lastUsedAt
  revokedAt
  rateLimit {
    limit
    windowSeconds
  }
}`, {"hash":"sha256:ff74fedf35e748fa315dc7dd9eaa63f59d4fab63a79bfa8fff80e64ee17a7eb5"}) as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = new TypedDocumentString(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    __typename
    ... on ApiKey {
      ...ApiKeyFields
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment ApiKeyFields on ApiKey {
  id
  name
  start
  environment
  scopes
  createdAt
  expiresAt
  lastUsedAt
  revokedAt
  rateLimit {
    limit
    windowSeconds
  }
}`, {"hash":"sha256:7ad5c1a54354b42094a9852d8e97c2e5da75dc1deb1b18f4635c67021781492b"}) as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const VerifyApiKeyDocument = new TypedDocumentString(`
    mutation VerifyApiKey($key: String!) {
  verifyApiKey(key: $key) {
    valid
    code
    scopes
    remaining
    resetAt
  }
}
    `, {"hash":"sha256:512185c953137e72e961203ae7c1d0581ab3be606f4077fb3460a4b4fb32f04f"}) as unknown as TypedDocumentString<VerifyApiKeyMutation, VerifyApiKeyMutationVariables>;
export const SignUpDocument = new TypedDocumentString(`
    mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ...SignedIn
    ... on Error {
      code
      message
    }
    ... on ValidationError {
      field
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
  }
}
    fragment SignedIn on AuthPayload {
  user {
    id
    email
    name
    emailVerified
  }
  session {
    id
    expiresAt
  }
  ... on TokenAuthPayload {
    tokens {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
}`, {"hash":"sha256:1d235e79936f17074a2d2d62143cab6fb053cc7317853112c10e882a9f2062e0"}) as unknown as TypedDocumentString<SignUpMutation, SignUpMutationVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ...SignedIn
    ... on Error {
      code
      message
    }
    ... on ValidationError {
      field
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
  }
}
    fragment SignedIn on AuthPayload {
  user {
    id
    email
    name
    emailVerified
  }
  session {
    id
    expiresAt
  }
  ... on TokenAuthPayload {
    tokens {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
}`, {"hash":"sha256:581417e9f153d327da8bd4f4b5b84b9003557ea7c4750ca0bc4d8a8b58c9f033"}) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const RefreshDocument = new TypedDocumentString(`
    mutation Refresh($input: RefreshInput) {
  refresh(input: $input) {
    __typename
    ...SignedIn
    ... on Error {
      code
      message
    }
    ... on RateLimitedError {
      retryAfterSeconds
    }
  }
}
    fragment SignedIn on AuthPayload {
  user {
    id
    email
    name
    emailVerified
  }
  session {
    id
    expiresAt
  }
  ... on TokenAuthPayload {
    tokens {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
}`, {"hash":"sha256:7266aa13a95ced36280aa7b8cd72c84fdeba6a40249b6da5ae263f58c27264cb"}) as unknown as TypedDocumentString<RefreshMutation, RefreshMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout($input: LogoutInput) {
  logout(input: $input) {
    revokedSessions
  }
}
    `, {"hash":"sha256:1b35ed74ca46b81d3e9f3588d0dd4b8819652fe140836bb0bd41bf33e87a4914"}) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    credential
    scopes
    user {
      id
      email
      name
      emailVerified
    }
    session {
      id
      expiresAt
    }
    apiKey {
      id
      name
    }
  }
}
    `, {"hash":"sha256:1e5288a8e6b490130ae335a3daca306ae559a4611f683956d5425e7d44ab393b"}) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;