import type { Database } from '../db/client.ts';
import { OAuthError } from '../errors.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { checkAuthorizationRequest, type AuthorizationParams } from './authorize.ts';
import type { OAuthClientRecord } from './clients.ts';
import { repeatedParameters } from './parameters.ts';
import { REQUEST_URI_PREFIX, resolvePushedRequest } from './pushed-request-store.ts';
import { oauthPushedRequests } from './tables.ts';

/** How long a pushed request may be used: long enough to sign in (with a second factor) and consent. */
export const PUSHED_REQUEST_TTL_SECONDS = 300;

/** The parameters of an authorization request as sent (a query string or a form). */
export function authorizationParamsOf(source: URLSearchParams, pushedRequestId: string | null = null): AuthorizationParams {
  const param = (name: string) => source.get(name);
  const repeated = repeatedParameters(source);
  return {
    clientId: param('client_id'), redirectUri: param('redirect_uri'), responseType: param('response_type'), scope: param('scope'),
    state: repeated.includes('state') ? null : param('state'), codeChallenge: param('code_challenge'), codeChallengeMethod: param('code_challenge_method'),
    nonce: param('nonce'), prompt: param('prompt'), maxAge: param('max_age'), acrValues: param('acr_values'), repeated, pushedRequestId,
    dpopJkt: param('dpop_jkt'),
  };
}

/**
 * The authorization request's parameters: as sent, or with a request_uri (RFC 9126 §4) the pushed ones,
 * by the same rules as at /oauth/authorize (resolvePushedRequest: the same client, unexpired, unused).
 */
export async function resolveAuthorizationParams(database: Database, sent: URLSearchParams): Promise<AuthorizationParams> {
  const resolved = await resolvePushedRequest(database, sent);
  return authorizationParamsOf(resolved.source, resolved.pushedRequestId);
}

/** The pushed authorization response (RFC 9126 §2.2), in its JSON member names. */
export interface PushedRequestResponse {
  readonly request_uri: string;
  readonly expires_in: number;
}

/**
 * The pushed authorization request endpoint (RFC 9126 §2): the authenticated client's parameters get
 * the same checks as at /oauth/authorize, their OAuthError answered here as JSON (§2.3) rather than
 * redirected; a request_uri in the body is invalid_request (§2.1). The request_uri holds 256 random bits, kept as a hash.
 */
export async function pushAuthorizationRequest(services: { readonly database: Database; readonly config: { readonly publicUrl: string } }, client: OAuthClientRecord, form: URLSearchParams): Promise<PushedRequestResponse> {
  if (form.has('request_uri')) throw new OAuthError('invalid_request', 'A pushed request may not hold a request_uri.');
  const pushed = new URLSearchParams([...form].filter(([name]) => name !== 'client_secret'));
  pushed.set('client_id', client.clientId);
  await checkAuthorizationRequest(services.database, services.config.publicUrl, { ...authorizationParamsOf(pushed), pushing: true });
  const secret = randomSecret();
  await services.database.db.insert(oauthPushedRequests).values({
    hash: hashSecret(secret), clientId: client.clientId, parameters: pushed.toString(),
    expiresAt: new Date(Date.now() + PUSHED_REQUEST_TTL_SECONDS * 1000),
  });
  return { request_uri: `${REQUEST_URI_PREFIX}${secret}`, expires_in: PUSHED_REQUEST_TTL_SECONDS };
}
