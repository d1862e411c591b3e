import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { clientAddress } from '../http/client-address.ts';
import type { PagesConfig } from '../config.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { OAuthError } from '../errors.ts';
import { errorPage } from '../pages/error.ts';
import { pageResponse, seeOther } from '../pages/layout.ts';
import { messages } from '../pages/messages.ts';
import type { Services } from '../services.ts';
import { PASSKEY_SCRIPT_PATH, passkeyScriptResponse } from '../pages/passkey-script.ts';
import { loadServerSecret } from '../tokens/server-secret.ts';
import { authorizePage } from './authorize-page.ts';
import { authenticateClientRequest, type ClientAuthentication } from './client-auth.ts';
import { serverMetadata } from './discovery.ts';
import { introspectToken } from './introspect.ts';
import { logoutPage } from './logout-route.ts';
import type { PageRequest } from './page-request.ts';
import { repeatedMessage, repeatedParameters } from './parameters.ts';
import { revokeToken } from './revoke.ts';
import { GRANT_TYPES, type OAuthClientRecord } from './clients.ts';
import { authorizeDevice } from './device-authorization.ts';
import { deviceCodeGrant } from './device-grant.ts';
import { devicePage } from './device-route.ts';
import { isGrantType } from './grant-types.ts';
import { bindPushedRequest, checkTokenRequestProof } from './dpop-binding.ts';
import { dpopChallenge } from './dpop-proof.ts';
import { pushAuthorizationRequest } from './pushed-requests.ts';
import { authorizationCodeGrant, clientCredentialsGrant, refreshGrant } from './token.ts';
import { userinfo } from './userinfo.ts';

/** Token-bearing answers are never cached (RFC 6749 §5.1). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
/** The browser's pages among the routes: their OAuthError is a redirect to the client or an error page, not JSON. */
const PAGES: ReadonlySet<string> = new Set(['/oauth/authorize', '/device', '/oauth/logout']);

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...NO_STORE, ...headers } });
}

/**
 * The one JSON answer of an OAuthError at an endpoint: `{ error, error_description }` (RFC 6749 §5.2), with
 * its status; a Basic challenge for a client that tried HTTP Basic (§5.2), at a resource endpoint a Bearer
 * challenge carrying the error (RFC 6750 §3).
 */
function oauthErrorJson(error: OAuthError): Response {
  const headers: Record<string, string> = {};
  if (error.challenge === 'Basic') headers['www-authenticate'] = 'Basic realm="latchkey"';
  if (error.challenge === 'Bearer') headers['www-authenticate'] = `Bearer error="${error.error}", error_description="${error.message}"`;
  if (error.challenge === 'DPoP') headers['www-authenticate'] = dpopChallenge(error.error, error.message);
  if (error.allow !== null) headers.allow = error.allow;
  return json({ error: error.error, error_description: error.message }, error.status, headers);
}

/**
 * The one browser answer of an OAuthError: back to the client at its redirect URI when that is trusted
 * (RFC 6749 §4.1.2.1), else an error page that says why.
 */
function oauthErrorPage(pages: PagesConfig, error: OAuthError): Response {
  if (error.redirectTo !== null) return seeOther(pages, error.redirectTo);
  const text = error.error === 'temporarily_unavailable' ? messages.error.unavailable : `${messages.error.badRequest}: ${error.message}`;
  return pageResponse(pages, errorPage(text), error.status);
}

/**
 * The database cannot be reached: every OAuth endpoint and page answers 503 with Retry-After, the same as
 * /graphql, and never half-way. `temporarily_unavailable` is RFC 6749 §4.1.2.1's code for it.
 */
const databaseUnavailable = () =>
  new OAuthError('temporarily_unavailable', 'The service cannot reach its database right now; try again shortly.', { status: 503 });

const methodNotAllowed = (allow: string) => new OAuthError('invalid_request', `Use ${allow}.`, { status: 405, allow });

/** The form body of a POST, or null unless it is application/x-www-form-urlencoded (RFC 6749 §3.2). */
async function readForm(request: Request): Promise<URLSearchParams | null> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return null;
  return new URLSearchParams(await request.text());
}

/**
 * The OAuth 2.0 and OpenID Connect endpoints: discovery at both well-known paths, /oauth/authorize (pages),
 * /oauth/token, /oauth/revoke, /oauth/introspect and /oauth/userinfo. Like src/http/routes.ts, it answers
 * before GraphQL sees the request. Their use cases throw OAuthError; it is answered here, once.
 */
export function useOAuthRoutes(services: Services): Plugin {
  let csrfKey: Promise<Buffer> | undefined;
  const issuer = services.config.publicUrl;
  const page = async (request: Request, url: URL, ip: string): Promise<PageRequest> => {
    csrfKey ??= loadServerSecret(services.database, 'oauth-csrf');
    return { request, url, ip, csrfKey: await csrfKey };
  };
  const answer = async (path: string, request: Request, url: URL, ip: string): Promise<Response> => {
    switch (path) {
      case '/.well-known/oauth-authorization-server':
      case '/.well-known/openid-configuration':
        if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed('GET');
        return json(serverMetadata(issuer), 200, { 'cache-control': 'public, max-age=300' });
      case '/oauth/authorize':
        return authorizePage(services, await page(request, url, ip));
      case PASSKEY_SCRIPT_PATH:
        if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed('GET');
        return passkeyScriptResponse();
      case '/device':
        return devicePage(services, await page(request, url, ip));
      case '/oauth/logout':
        return logoutPage(services, await page(request, url, ip));
      case '/oauth/token':
        return token(services, request, ip);
      case '/oauth/device_authorization': {
        const { form, client } = await readClientRequest(services, request, 'refuse repeated');
        return json(await authorizeDevice(services, client, form.get('scope')));
      }
      case '/oauth/par': {
        // Repeated parameters are the pushed authorization request's to judge, by the authorization endpoint's rules.
        const { form, client } = await readClientRequest(services, request, 'repeated are the request\'s');
        const bound = await bindPushedRequest(services.dpop, request, `${issuer}/oauth/par`, form);
        if (!bound.ok) throw new OAuthError(bound.error, bound.description);
        return json(await pushAuthorizationRequest(services, client, form), 201);
      }
      case '/oauth/revoke':
      case '/oauth/introspect':
        return revokeOrIntrospect(services, request, path === '/oauth/revoke', ip);
      case '/oauth/userinfo':
        if (request.method !== 'GET' && request.method !== 'POST') throw methodNotAllowed('GET, POST');
        return json(await userinfo(services, request));
      default:
        throw new OAuthError('invalid_request', 'No such endpoint.', { status: 404 });
    }
  };
  return {
    async onRequest({ url, request, serverContext, endResponse }) {
      const path = url.pathname;
      if (!path.startsWith('/oauth/') && path !== '/device' && path !== '/.well-known/oauth-authorization-server' && path !== '/.well-known/openid-configuration') return;
      const ip = clientAddress(request, (serverContext as { req?: IncomingMessage }).req, services.config.trustProxy);
      try {
        endResponse(withDpopNonce(services, path, await answer(path, request, url, ip)));
      } catch (thrown) {
        const unavailable = isDatabaseUnavailable(thrown);
        if (unavailable) services.logger.error({ err: thrown, path }, 'database unavailable');
        const error = unavailable ? databaseUnavailable() : thrown;
        if (!(error instanceof OAuthError)) throw error;
        const response = PAGES.has(path) ? oauthErrorPage(services.config.pages, error) : withDpopNonce(services, path, oauthErrorJson(error), error);
        if (unavailable) response.headers.set('retry-after', '5');
        endResponse(response);
      }
    },
  };
}

/** POST /oauth/token (RFC 6749 §3.2): client authentication, then the grant. */
async function token(services: Services, request: Request, ip: string): Promise<Response> {
  const { form, client } = await readClientRequest(services, request, 'refuse repeated');
  const meta = { ip, userAgent: request.headers.get('user-agent') };
  const grantType = form.get('grant_type');
  // RFC 6749 §5.2: a grant type the client was not registered for is unauthorized_client.
  if (isGrantType(grantType) && !client.grantTypes.includes(grantType)) {
    throw new OAuthError('unauthorized_client', `This client is not registered for ${grantType}.`);
  }
  if (!isGrantType(grantType)) throw new OAuthError('unsupported_grant_type', `Use one of ${Object.values(GRANT_TYPES).join(', ')}.`);
  const proof = await checkTokenRequestProof(services.dpop, request, `${services.config.publicUrl}/oauth/token`, client);
  if (!proof.ok) throw new OAuthError(proof.error, proof.description);
  const dpopJkt = proof.jkt;
  if (grantType === 'authorization_code') {
    const missing = 'code, redirect_uri and code_verifier are required.';
    const input = { code: required(form, 'code', missing), redirectUri: required(form, 'redirect_uri', missing), codeVerifier: required(form, 'code_verifier', missing) };
    return json(await authorizationCodeGrant(services, client, { ...input, dpopJkt }, meta));
  }
  if (grantType === 'refresh_token') {
    return json(await refreshGrant(services, client, { refreshToken: required(form, 'refresh_token'), scope: form.get('scope'), dpopJkt }, meta));
  }
  if (grantType === GRANT_TYPES.DEVICE_CODE) return json(await deviceCodeGrant(services, client, required(form, 'device_code'), dpopJkt, meta));
  return json(await clientCredentialsGrant(services, client, form.get('scope'), dpopJkt));
}

/** The endpoints that take DPoP proofs (RFC 9449): the token endpoint, PAR (§10.1) and userinfo (§7). */
const DPOP_PATHS: ReadonlySet<string> = new Set(['/oauth/token', '/oauth/par', '/oauth/userinfo']);

/**
 * Adds the server's DPoP nonce (RFC 9449 §8, §9) to an answer of a DPoP endpoint: to every one when
 * DPOP_REQUIRE_NONCE is set, and to use_dpop_nonce whatever the setting (a proof's nonce is no longer good).
 */
function withDpopNonce(services: Services, path: string, response: Response, error?: OAuthError): Response {
  if (!DPOP_PATHS.has(path) || !(services.config.dpopRequireNonce || error?.error === 'use_dpop_nonce')) return response;
  response.headers.set('dpop-nonce', services.dpop.nonces.current());
  return response;
}

/** A parameter the grant cannot do without: invalid_request when it is missing. */
function required(form: URLSearchParams, name: string, message = `${name} is required.`): string {
  const value = form.get(name);
  if (value === null) throw new OAuthError('invalid_request', message);
  return value;
}

/**
 * What every client-authenticated endpoint begins with: POST, a form body, optionally no parameter given
 * twice (RFC 6749 §3.2), then one client authentication (a result, turned into its OAuthError here).
 */
async function readClientRequest(
  services: Services, request: Request, repeated: 'refuse repeated' | 'repeated are the request\'s',
): Promise<{ readonly form: URLSearchParams; readonly client: OAuthClientRecord }> {
  if (request.method !== 'POST') throw methodNotAllowed('POST');
  const form = await readForm(request);
  if (form === null) throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  if (repeated === 'refuse repeated') {
    const names = repeatedParameters(form);
    if (names.length > 0) throw new OAuthError('invalid_request', repeatedMessage(names));
  }
  const auth = await authenticateClientRequest(services.database, request, form);
  if (!auth.ok) throw refusedClient(auth);
  return { form, client: auth.client };
}

function refusedClient(auth: Exclude<ClientAuthentication, { ok: true }>): OAuthError {
  return auth.error === 'invalid_request'
    ? new OAuthError('invalid_request', 'Use one client authentication method: the Authorization header or client_secret in the body, not both.')
    : invalidClient(auth.basic);
}

function invalidClient(basic: boolean): OAuthError {
  return new OAuthError('invalid_client', 'Client authentication failed.', basic ? { status: 401, challenge: 'Basic' } : { status: 401 });
}

/** POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662, confidential clients only). */
async function revokeOrIntrospect(services: Services, request: Request, revoke: boolean, ip: string): Promise<Response> {
  const { form, client } = await readClientRequest(services, request, 'refuse repeated');
  if (!revoke && client.public) throw invalidClient(false);
  const value = form.get('token');
  if (value === null) throw new OAuthError('invalid_request', 'token is required.');
  if (revoke) {
    await revokeToken(services, client, value, ip);
    return new Response(null, { status: 200, headers: NO_STORE });
  }
  return json(await introspectToken(services, client, value));
}
