import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { clientAddress } from '../http/client-address.ts';
import type { Services } from '../services.ts';
import { PASSKEY_SCRIPT_PATH, passkeyScriptResponse } from '../pages/passkey-script.ts';
import { loadServerSecret } from '../tokens/server-secret.ts';
import { authorizePage } from './authorize-page.ts';
import { authenticateClientRequest, type ClientAuthentication } from './client-auth.ts';
import { serverMetadata } from './discovery.ts';
import { introspectToken } from './introspect.ts';
import { logoutPage } from './logout-route.ts';
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
import { authorizationCodeGrant, clientCredentialsGrant, refreshGrant, type GrantResult } from './token.ts';
import { userinfo } from './userinfo.ts';

/** Token-bearing answers are never cached (RFC 6749 §5.1). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...NO_STORE, ...headers } });
}

/** An RFC 6749 §5.2 error. */
function oauthError(error: string, description: string, status = 400, headers: Record<string, string> = {}): Response {
  return json({ error, error_description: description }, status, headers);
}

function methodNotAllowed(allow: string): Response {
  return oauthError('invalid_request', `Use ${allow}.`, 405, { allow });
}

/** The form body of a POST, or null unless it is application/x-www-form-urlencoded (RFC 6749 §3.2). */
async function readForm(request: Request): Promise<URLSearchParams | null> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return null;
  return new URLSearchParams(await request.text());
}

/**
 * The OAuth 2.0 and OpenID Connect endpoints: discovery at both well-known paths, /oauth/authorize (pages),
 * /oauth/token, /oauth/revoke, /oauth/introspect and /oauth/userinfo. Like src/http/routes.ts, it answers
 * before GraphQL sees the request.
 */
export function useOAuthRoutes(services: Services): Plugin {
  let csrfKey: Promise<Buffer> | undefined;
  const issuer = services.config.publicUrl;
  return {
    async onRequest({ url, request, serverContext, endResponse }) {
      const path = url.pathname;
      if (!path.startsWith('/oauth/') && path !== '/device' && path !== '/.well-known/oauth-authorization-server' && path !== '/.well-known/openid-configuration') return;
      const ip = clientAddress(request, (serverContext as { req?: IncomingMessage }).req, services.config.trustProxy);
      switch (path) {
        case '/.well-known/oauth-authorization-server':
        case '/.well-known/openid-configuration':
          endResponse(request.method === 'GET' || request.method === 'HEAD'
            ? json(serverMetadata(issuer), 200, { 'cache-control': 'public, max-age=300' })
            : methodNotAllowed('GET'));
          return;
        case '/oauth/authorize':
          csrfKey ??= loadServerSecret(services.database, 'oauth-csrf');
          endResponse(await authorizePage(services, { request, url, ip, csrfKey: await csrfKey }));
          return;
        case PASSKEY_SCRIPT_PATH:
          endResponse(request.method === 'GET' || request.method === 'HEAD' ? passkeyScriptResponse() : methodNotAllowed('GET'));
          return;
        case '/device':
          csrfKey ??= loadServerSecret(services.database, 'oauth-csrf');
          endResponse(await devicePage(services, { request, url, ip, csrfKey: await csrfKey }));
          return;
        case '/oauth/logout':
          csrfKey ??= loadServerSecret(services.database, 'oauth-csrf');
          endResponse(await logoutPage(services, { request, url, ip, csrfKey: await csrfKey }));
          return;
        case '/oauth/token':
          endResponse(await token(services, request, ip));
          return;
        case '/oauth/device_authorization':
          endResponse(await deviceAuthorization(services, request));
          return;
        case '/oauth/par':
          endResponse(await pushedAuthorization(services, request));
          return;
        case '/oauth/revoke':
        case '/oauth/introspect':
          endResponse(await revokeOrIntrospect(services, request, path === '/oauth/revoke', ip));
          return;
        case '/oauth/userinfo': {
          if (request.method !== 'GET' && request.method !== 'POST') {
            endResponse(methodNotAllowed('GET, POST'));
            return;
          }
          const result = await userinfo(services, request);
          const nonce = dpopNonceHeader(services, result.ok ? undefined : result.error);
          endResponse(result.ok
            ? json(result.claims, 200, nonce)
            : json({ error: result.error, error_description: result.description }, result.status, {
              'www-authenticate': result.scheme === 'DPoP'
                ? dpopChallenge(result.error, result.description)
                : `Bearer error="${result.error}", error_description="${result.description}"`,
              ...nonce,
            }));
          return;
        }
        default:
          endResponse(oauthError('invalid_request', 'No such endpoint.', 404));
      }
    },
  };
}

/** POST /oauth/token (RFC 6749 §3.2): client authentication, then the grant. */
async function token(services: Services, request: Request, ip: string): Promise<Response> {
  const auth = await readClientRequest(services, request, 'refuse repeated');
  if (auth instanceof Response) return auth;
  const { form } = auth;
  const meta = { ip, userAgent: request.headers.get('user-agent') };
  const grantType = form.get('grant_type');
  // RFC 6749 §5.2: a grant type the client was not registered for is unauthorized_client.
  if (isGrantType(grantType) && !auth.client.grantTypes.includes(grantType)) {
    return oauthError('unauthorized_client', `This client is not registered for ${grantType}.`);
  }
  if (!isGrantType(grantType)) return oauthError('unsupported_grant_type', `Use one of ${Object.values(GRANT_TYPES).join(', ')}.`);
  const proof = await checkTokenRequestProof(services.dpop, request, `${services.config.publicUrl}/oauth/token`, auth.client);
  const nonce = dpopNonceHeader(services, proof.ok ? undefined : proof.error);
  if (!proof.ok) return oauthError(proof.error, proof.description, 400, nonce);
  const dpopJkt = proof.jkt;
  let result: GrantResult;
  if (grantType === 'authorization_code') {
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    const codeVerifier = form.get('code_verifier');
    if (code === null || redirectUri === null || codeVerifier === null) {
      return oauthError('invalid_request', 'code, redirect_uri and code_verifier are required.');
    }
    result = await authorizationCodeGrant(services, auth.client, { code, redirectUri, codeVerifier, dpopJkt }, meta);
  } else if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token');
    if (refreshToken === null) return oauthError('invalid_request', 'refresh_token is required.');
    result = await refreshGrant(services, auth.client, { refreshToken, scope: form.get('scope'), dpopJkt }, meta);
  } else if (grantType === GRANT_TYPES.DEVICE_CODE) {
    const deviceCode = form.get('device_code');
    if (deviceCode === null) return oauthError('invalid_request', 'device_code is required.');
    result = await deviceCodeGrant(services, auth.client, deviceCode, dpopJkt, meta);
  } else {
    result = await clientCredentialsGrant(services, auth.client, form.get('scope'), dpopJkt);
  }
  return result.ok ? json(result.tokens, 200, nonce) : oauthError(result.error, result.description, 400, nonce);
}

/**
 * The DPoP-Nonce header (RFC 9449 §8): sent with every answer to a DPoP request when nonces are required,
 * and with use_dpop_nonce whatever the setting (a proof carried a nonce that is no longer good).
 */
function dpopNonceHeader(services: Services, error: string | undefined): Record<string, string> {
  const wanted = services.config.dpopRequireNonce || error === 'use_dpop_nonce';
  return wanted ? { 'dpop-nonce': services.dpop.nonces.current() } : {};
}

/** POST /oauth/device_authorization (RFC 8628 §3.1): client authentication, then a device code and a user code. */
async function deviceAuthorization(services: Services, request: Request): Promise<Response> {
  const auth = await readClientRequest(services, request, 'refuse repeated');
  if (auth instanceof Response) return auth;
  const { form } = auth;
  const result = await authorizeDevice(services, auth.client, form.get('scope'));
  return result.ok ? json(result.response) : oauthError(result.error, result.description);
}

/** POST /oauth/par (RFC 9126 §2): client authentication, then the request, answered with a request_uri (201). */
async function pushedAuthorization(services: Services, request: Request): Promise<Response> {
  // Repeated parameters are the pushed authorization request's to judge, by the authorization endpoint's rules.
  const auth = await readClientRequest(services, request, 'repeated are the request\'s');
  if (auth instanceof Response) return auth;
  const { form } = auth;
  const bound = await bindPushedRequest(services.dpop, request, `${services.config.publicUrl}/oauth/par`, form);
  const nonce = dpopNonceHeader(services, bound.ok ? undefined : bound.error);
  if (!bound.ok) return oauthError(bound.error, bound.description, 400, nonce);
  const result = await pushAuthorizationRequest(services, auth.client, form);
  return result.ok ? json(result.response, 201, nonce) : oauthError(result.error, result.description, 400, nonce);
}

/**
 * What every client-authenticated endpoint begins with: POST, a form body, optionally no parameter given
 * twice (RFC 6749 §3.2), then one client authentication; a Response when any of it fails.
 */
async function readClientRequest(
  services: Services, request: Request, repeated: 'refuse repeated' | 'repeated are the request\'s',
): Promise<{ readonly form: URLSearchParams; readonly client: OAuthClientRecord } | Response> {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  const form = await readForm(request);
  if (form === null) return oauthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  if (repeated === 'refuse repeated') {
    const names = repeatedParameters(form);
    if (names.length > 0) return oauthError('invalid_request', repeatedMessage(names));
  }
  const auth = await authenticateClientRequest(services.database, request, form);
  return auth.ok ? { form, client: auth.client } : refusedClient(auth);
}

function refusedClient(auth: Exclude<ClientAuthentication, { ok: true }>): Response {
  return auth.error === 'invalid_request'
    ? oauthError('invalid_request', 'Use one client authentication method: the Authorization header or client_secret in the body, not both.')
    : invalidClient(auth.basic);
}

function invalidClient(basic: boolean): Response {
  return oauthError('invalid_client', 'Client authentication failed.', 401, basic ? { 'www-authenticate': 'Basic realm="latchkey"' } : {});
}

/** POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662, confidential clients only). */
async function revokeOrIntrospect(services: Services, request: Request, revoke: boolean, ip: string): Promise<Response> {
  const auth = await readClientRequest(services, request, 'refuse repeated');
  if (auth instanceof Response) return auth;
  const { form } = auth;
  if (!revoke && auth.client.public) return invalidClient(false);
  const value = form.get('token');
  if (value === null) return oauthError('invalid_request', 'token is required.');
  if (revoke) {
    await revokeToken(services, auth.client, value, ip);
    return new Response(null, { status: 200, headers: NO_STORE });
  }
  return json(await introspectToken(services, auth.client, value));
}
