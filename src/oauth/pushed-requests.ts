import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { checkAuthorizationRequest, type AuthorizationParams } from './authorize.ts';
import type { OAuthClientRecord } from './clients.ts';
import { repeatedParameters } from './parameters.ts';
import { oauthPushedRequests } from './tables.ts';

/** RFC 9126 §2.2: the request_uri's prefix. */
const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** How long a pushed request may be used: long enough to sign in (with a second factor) and consent. */
export const PUSHED_REQUEST_TTL_SECONDS = 300;
/** The authorization request's own parameters: when a request_uri is used, only the pushed ones count. */
const AUTHORIZATION_PARAMETERS = new Set([
  'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt', 'max_age',
  'acr_values',
]);

/** The parameters of an authorization request as sent (a query string or a form). */
export function authorizationParamsOf(source: URLSearchParams, pushedRequestId: string | null = null): AuthorizationParams {
  const param = (name: string) => source.get(name);
  const repeated = repeatedParameters(source);
  return {
    clientId: param('client_id'), redirectUri: param('redirect_uri'), responseType: param('response_type'), scope: param('scope'),
    state: repeated.includes('state') ? null : param('state'), codeChallenge: param('code_challenge'), codeChallengeMethod: param('code_challenge_method'),
    nonce: param('nonce'), prompt: param('prompt'), maxAge: param('max_age'), acrValues: param('acr_values'), repeated, pushedRequestId,
  };
}

export type PushResult =
  | { readonly ok: true; readonly response: { readonly request_uri: string; readonly expires_in: number } }
  | { readonly ok: false; readonly error: string; readonly description: string };

/**
 * The pushed authorization request endpoint (RFC 9126 §2): the authenticated client's parameters get
 * the same checks as at /oauth/authorize, errors answered here as JSON (§2.3) rather than redirected;
 * a request_uri in the body is invalid_request (§2.1). The request_uri holds 256 random bits, kept as a hash.
 */
export async function pushAuthorizationRequest(services: { readonly database: Database; readonly config: { readonly publicUrl: string } }, client: OAuthClientRecord, form: URLSearchParams): Promise<PushResult> {
  if (form.has('request_uri')) return { ok: false, error: 'invalid_request', description: 'A pushed request may not hold a request_uri.' };
  const pushed = new URLSearchParams([...form].filter(([name]) => name !== 'client_secret'));
  pushed.set('client_id', client.clientId);
  const check = await checkAuthorizationRequest(services.database, services.config.publicUrl, { ...authorizationParamsOf(pushed), pushing: true });
  if (!check.ok) return { ok: false, error: check.trusted ? check.error : 'invalid_request', description: check.message };
  const secret = randomSecret();
  await services.database.db.insert(oauthPushedRequests).values({
    hash: hashSecret(secret), clientId: client.clientId, parameters: pushed.toString(),
    expiresAt: new Date(Date.now() + PUSHED_REQUEST_TTL_SECONDS * 1000),
  });
  return { ok: true, response: { request_uri: `${REQUEST_URI_PREFIX}${secret}`, expires_in: PUSHED_REQUEST_TTL_SECONDS } };
}

export type ResolvedRequest =
  | { readonly ok: true; readonly source: URLSearchParams; readonly pushedRequestId: string | null }
  | { readonly ok: false; readonly message: string };

/**
 * At /oauth/authorize: a request with a request_uri (RFC 9126 §4) is the pushed one, for the same
 * client_id, unexpired and not yet used; its parameters replace any sent alongside (the page's own form
 * fields, such as the CSRF token, are kept). Without request_uri the request is as sent.
 */
export async function resolvePushedRequest(database: Database, sent: URLSearchParams): Promise<ResolvedRequest> {
  const requestUri = sent.get('request_uri');
  if (requestUri === null) return { ok: true, source: sent, pushedRequestId: null };
  const secret = requestUri.startsWith(REQUEST_URI_PREFIX) ? requestUri.slice(REQUEST_URI_PREFIX.length) : '';
  if (!/^[\w-]{20,100}$/.test(secret)) return { ok: false, message: 'The request_uri is not one of ours.' };
  const [row] = await database.db.select({ id: oauthPushedRequests.id, clientId: oauthPushedRequests.clientId, parameters: oauthPushedRequests.parameters })
    .from(oauthPushedRequests)
    .where(and(eq(oauthPushedRequests.hash, hashSecret(secret)), isNull(oauthPushedRequests.usedAt), gt(oauthPushedRequests.expiresAt, sql`now()`)));
  if (row === undefined || row.clientId !== sent.get('client_id')) {
    return { ok: false, message: 'The request_uri is unknown, expired, already used, or of another client.' };
  }
  const source = new URLSearchParams([...sent].filter(([name]) => !AUTHORIZATION_PARAMETERS.has(name)));
  for (const [name, value] of new URLSearchParams(row.parameters)) source.append(name, value);
  return { ok: true, source, pushedRequestId: row.id };
}

/** Spends a pushed request when its code is issued: true for the one caller that spent it (RFC 9126 §4: one-time use). */
export async function spendPushedRequest(database: Database, id: string): Promise<boolean> {
  const rows = await database.db.update(oauthPushedRequests).set({ usedAt: sql`now()` })
    .where(and(eq(oauthPushedRequests.id, id), isNull(oauthPushedRequests.usedAt))).returning({ id: oauthPushedRequests.id });
  return rows.length > 0;
}
