import * as oauth from 'oauth4webapi';
import type { TestApp } from './app.ts';
import { signUpAdmin } from './users.ts';

export const REGISTER_CLIENT = /* GraphQL */ `
  mutation Register($input: RegisterOAuthClientInput!) {
    registerOAuthClient(input: $input) {
      __typename
      ... on RegisterOAuthClientPayload { clientSecret client { id clientId name redirectUris scopes public createdAt } }
      ... on Error { code message }
      ... on ValidationError { field }
    }
  }`;

export const AUTHORIZE = /* GraphQL */ `
  mutation Authorize($input: AuthorizeOAuthClientInput!) {
    authorizeOAuthClient(input: $input) {
      __typename
      ... on OAuthAuthorization { redirectTo }
      ... on OAuthError { code error message errorRedirectTo: redirectTo }
    }
  }`;

/** oauth4webapi talks to the test app over plain http on loopback only. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export interface RegisteredClient {
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly redirectUri: string;
}

/** Registers a client through the admin mutation. */
export async function registerClient(
  app: TestApp, adminToken: string, input: {
    public?: boolean; scopes?: string[]; redirectUris?: string[]; name?: string;
    grantTypes?: string[]; requirePar?: boolean; postLogoutRedirectUris?: string[]; dpopBoundAccessTokens?: boolean;
  } = {},
): Promise<RegisteredClient> {
  const { public: isPublic, scopes, redirectUris: given, name, ...more } = input;
  const redirectUris = given ?? [REDIRECT_URI];
  const { body } = await app.gql(REGISTER_CLIENT, {
    input: { name: name ?? 'Test App', redirectUris, scopes: scopes ?? ['openid', 'profile', 'email'], public: isPublic ?? false, ...more },
  }, { bearer: adminToken });
  const result = body.data?.registerOAuthClient;
  if (result?.__typename !== 'RegisterOAuthClientPayload') throw new Error(`registerOAuthClient failed: ${JSON.stringify(body)}`);
  return { clientId: result.client.clientId, clientSecret: result.clientSecret, redirectUri: redirectUris[0] ?? '' };
}

/** Discovers the test app with oauth4webapi, as a relying party would. */
export async function discover(app: TestApp): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(app.config.publicUrl);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...INSECURE, algorithm: 'oidc' }));
}

/** The PAR suites' set-up: the app discovered, a client that may push its requests, and one that must (requirePar). */
export async function parClients(app: TestApp): Promise<{ as: oauth.AuthorizationServer; client: RegisteredClient; strict: RegisteredClient }> {
  const admin = await signUpAdmin(app);
  return {
    as: await discover(app),
    client: await registerClient(app, admin.accessToken),
    strict: await registerClient(app, admin.accessToken, { requirePar: true, name: 'Strict App' }),
  };
}

export interface Authorization {
  readonly redirectTo: string;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

/** The consent step through authorizeOAuthClient, as a first-party frontend would do it for its signed-in user. */
export async function authorize(
  app: TestApp, userToken: string, client: RegisteredClient, overrides: Record<string, unknown> = {},
): Promise<Authorization> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const { body } = await app.gql(AUTHORIZE, {
    input: {
      clientId: client.clientId, redirectUri: client.redirectUri, scope: 'openid profile email', state, nonce,
      codeChallenge: await oauth.calculatePKCECodeChallenge(verifier), codeChallengeMethod: 'S256', ...overrides,
    },
  }, { bearer: userToken });
  const result = body.data?.authorizeOAuthClient;
  if (result?.__typename !== 'OAuthAuthorization') throw new Error(`authorizeOAuthClient failed: ${JSON.stringify(body)}`);
  return { redirectTo: result.redirectTo, state, nonce, verifier };
}

export function clientOf(client: RegisteredClient): [oauth.Client, oauth.ClientAuth] {
  return [
    { client_id: client.clientId },
    client.clientSecret === null ? oauth.None() : oauth.ClientSecretBasic(client.clientSecret),
  ];
}

/** Redeems an authorization with oauth4webapi: validates the response (state, iss), exchanges the code, validates the ID token. */
export async function redeem(as: oauth.AuthorizationServer, client: RegisteredClient, authorization: Authorization) {
  const [c, auth] = clientOf(client);
  const params = oauth.validateAuthResponse(as, c, new URL(authorization.redirectTo), authorization.state);
  const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, client.redirectUri, authorization.verifier, INSECURE);
  const tokens = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: authorization.nonce, requireIdToken: true });
  await oauth.validateApplicationLevelSignature(as, response, INSECURE);
  return tokens;
}

/** A POST of form fields to one of the app's endpoints. */
export function postForm(app: TestApp, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return app.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

export function basic(client: RegisteredClient, secret = client.clientSecret ?? ''): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}` };
}

const COOKIE_LOGIN = /* GraphQL */ `
  mutation CookieLogin($email: String!, $password: String!) {
    login(input: { email: $email, password: $password, delivery: COOKIE }) { __typename }
  }`;

/** Signs the user in with delivery COOKIE, as a browser would; the Cookie header that carries the session. */
export async function cookieSignIn(app: TestApp, user: { readonly email: string }, password: string): Promise<string> {
  const login = await app.gql(COOKIE_LOGIN, { email: user.email, password });
  return `__Host-latchkey-session=${/^__Host-latchkey-session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]}`;
}

/** Opens an authorization URL with the session cookie and clicks Allow on the consent page; the answer (a redirect). */
export async function consentOnPage(app: TestApp, cookie: string, path: string): Promise<Response> {
  const page = await app.fetch(path, { headers: { cookie }, redirect: 'manual' });
  if (page.status !== 200) return page;
  const fields = Object.fromEntries([...(await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
  return app.fetch('/oauth/authorize', {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, action: 'allow' }).toString(),
  });
}

/**
 * Pushes an authorization request (RFC 9126 §2) with oauth4webapi: the code flow with PKCE and a state,
 * plus `extra`. Rejects with the endpoint's error when it is refused.
 */
export async function pushRequest(as: oauth.AuthorizationServer, target: RegisteredClient, extra: Record<string, string> = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const [c, auth] = clientOf(target);
  const response = await oauth.pushedAuthorizationRequest(as, c, auth, {
    redirect_uri: target.redirectUri, response_type: 'code', scope: 'openid email', state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  }, INSECURE);
  return { verifier, state, pushed: await oauth.processPushedAuthorizationResponse(as, c, response) };
}
