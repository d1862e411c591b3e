import type { Database } from '../db/client.ts';
import { OAuthError } from '../errors.ts';
import { ACR_MFA } from '../factors/acr.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { findClient, type OAuthClientRecord } from './clients.ts';
import { repeatedMessage } from './parameters.ts';
import { isS256Challenge } from './pkce.ts';
import { withParameters } from './redirect-uri.ts';
import { spendPushedRequest } from './pushed-request-store.ts';
import { oauthCodes } from './tables.ts';

/** How long an authorization code lives (RFC 6749 §4.1.2 recommends at most 10 minutes; we keep 60 s). */
const CODE_TTL_MS = 60_000;

/** The parameters of an authorization request, as sent (any of them may be missing). */
export interface AuthorizationParams {
  readonly clientId: string | null;
  readonly redirectUri: string | null;
  readonly responseType: string | null;
  readonly scope: string | null;
  readonly state: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
  readonly nonce: string | null;
  /** OIDC Core §3.1.2.1: space-separated none, login, consent, select_account. */
  readonly prompt?: string | null;
  /** OIDC Core §3.1.2.1: the longest time since the user signed in, in seconds. */
  readonly maxAge?: string | null;
  /** OIDC Core §3.1.2.1: space-separated authentication context classes, e.g. urn:latchkey:acr:mfa. */
  readonly acrValues?: string | null;
  /** Names the request sent more than once (RFC 6749 §3.1 forbids it); a repeated `state` is passed as null. */
  readonly repeated?: readonly string[];
  /** The pushed request (RFC 9126) these parameters came from; null or absent when sent directly. */
  readonly pushedRequestId?: string | null;
  /** RFC 9449 §10: the thumbprint of the DPoP key the code is to be redeemed with. */
  readonly dpopJkt?: string | null;
  /** Being checked at the PAR endpoint itself. */
  readonly pushing?: boolean;
}

/** The prompt values Latchkey acts on; others are ignored, as OIDC Core §3.1.2.1 allows. */
type Prompt = 'none' | 'login' | 'consent' | 'select_account';
const PROMPTS: readonly string[] = ['none', 'login', 'consent', 'select_account'] satisfies Prompt[];

/** A request found good: the user may now be asked for consent. */
export interface AuthorizationRequest {
  readonly client: OAuthClientRecord;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string | null;
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly prompt: ReadonlySet<Prompt>;
  /** Milliseconds; a session signed in longer ago must sign in again. */
  readonly maxAgeMs: number | null;
  /** acr_values asked for a second factor (ACR_MFA): a session that did not pass one signs in again. */
  readonly requireMfa: boolean;
  /** The pushed request it came from (RFC 9126): spent when its code is issued. */
  readonly pushedRequestId: string | null;
  /** The DPoP key thumbprint the code is bound to (RFC 9449 §10); null when unbound. */
  readonly dpopJkt: string | null;
}

/**
 * Checks an authorization request (RFC 6749 §4.1.1): the client and the exact redirect URI first (sent
 * once each), then no parameter repeated (§3.1), response_type=code, PKCE with S256 (RFC 7636; `plain` refused, RFC 9700 §2.1.1), and scopes within
 * the client's. Throws OAuthError: an unknown client or unregistered redirect URI is invalid_request with
 * no redirect (an error page, never a redirect: RFC 6749 §4.1.2.1); a failure after the redirect URI is
 * known carries the redirect back to it, with `state` and `iss` (RFC 9207).
 */
export async function checkAuthorizationRequest(database: Database, issuer: string, params: AuthorizationParams): Promise<AuthorizationRequest> {
  const repeated = params.repeated ?? [];
  if (repeated.includes('client_id') || repeated.includes('redirect_uri')) throw new OAuthError('invalid_request', repeatedMessage(repeated));
  const client = params.clientId === null ? undefined : await findClient(database, params.clientId);
  if (client === undefined) throw new OAuthError('invalid_request', 'The application is not registered here.');
  if (params.redirectUri === null || !client.redirectUris.includes(params.redirectUri)) {
    throw new OAuthError('invalid_request', 'The redirect URI is not registered for this application.');
  }
  const redirectUri = params.redirectUri;
  const refuse = (error: string, message: string) => authorizationError(redirectUri, issuer, error, message, params.state);
  if (repeated.length > 0) throw refuse('invalid_request', repeatedMessage(repeated));
  // RFC 9126 §6: require_pushed_authorization_requests, per client.
  if (client.requirePar && params.pushing !== true && (params.pushedRequestId ?? null) === null) {
    throw refuse('invalid_request', 'This application must push its authorization requests to the PAR endpoint first.');
  }
  if (params.responseType !== 'code') throw refuse('unsupported_response_type', 'Only response_type=code is supported.');
  if (params.codeChallenge === null) throw refuse('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
  if (params.codeChallengeMethod !== 'S256') throw refuse('invalid_request', 'Only code_challenge_method=S256 is supported.');
  if (!isS256Challenge(params.codeChallenge)) throw refuse('invalid_request', 'The code_challenge is not an S256 challenge.');
  if ((params.state?.length ?? 0) > 1000 || (params.nonce?.length ?? 0) > 500) throw refuse('invalid_request', 'state or nonce is too long.');
  const scopes = [...new Set((params.scope ?? '').split(' ').filter((s) => s !== ''))];
  if (scopes.length === 0) throw refuse('invalid_scope', 'Ask for at least one scope.');
  const refused = scopes.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0) throw refuse('invalid_scope', `The application may not ask for ${refused.join(', ')}.`);
  const prompt = new Set((params.prompt ?? '').split(' ').filter((p): p is Prompt => PROMPTS.includes(p)));
  if (prompt.has('none') && prompt.size > 1) throw refuse('invalid_request', 'prompt=none cannot be combined with other values.');
  const maxAge = params.maxAge ?? null;
  if (maxAge !== null && !/^\d{1,9}$/.test(maxAge)) throw refuse('invalid_request', 'max_age must be a whole number of seconds.');
  const dpopJkt = params.dpopJkt ?? null;
  // RFC 7638 with SHA-256: 43 base64url characters.
  if (dpopJkt !== null && !/^[\w-]{43}$/.test(dpopJkt)) throw refuse('invalid_request', 'dpop_jkt must be a JWK SHA-256 thumbprint (RFC 7638), base64url.');
  return {
    client, redirectUri, scopes, state: params.state, codeChallenge: params.codeChallenge, nonce: params.nonce,
    prompt, maxAgeMs: maxAge === null ? null : Number(maxAge) * 1000,
    requireMfa: (params.acrValues ?? '').split(' ').includes(ACR_MFA),
    pushedRequestId: params.pushedRequestId ?? null, dpopJkt,
  };
}

/** A failure to tell the client at its (trusted) redirect URI (RFC 6749 §4.1.2.1), with `state` and `iss`. */
export function authorizationError(redirectUri: string, issuer: string, error: string, message: string, state: string | null): OAuthError {
  return new OAuthError(error, message, { redirectTo: withParameters(redirectUri, { error, error_description: message, state, iss: issuer }) });
}

/**
 * Issues the authorization code of a consented request and returns the redirect that carries it, with
 * `state` and `iss` (RFC 9207); a pushed request already spent is an OAuthError back to the client. The code is 256 random bits, kept only as its SHA-256, for 60 s.
 */
export async function issueCode(
  database: Database, issuer: string, user: { readonly userId: string; readonly authTime: Date; readonly amr?: readonly string[]; readonly sessionId: string },
  request: AuthorizationRequest,
): Promise<string> {
  if (request.pushedRequestId !== null && !(await spendPushedRequest(database, request.pushedRequestId))) {
    throw authorizationError(request.redirectUri, issuer, 'invalid_request', 'The request_uri was already used.', request.state);
  }
  const code = randomSecret();
  await database.db.insert(oauthCodes).values({
    hash: hashSecret(code),
    clientId: request.client.clientId,
    userId: user.userId,
    authTime: user.authTime,
    amr: [...(user.amr ?? [])],
    consentSessionId: user.sessionId,
    redirectUri: request.redirectUri,
    scopes: [...request.scopes],
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    dpopJkt: request.dpopJkt,
    expiresAt: new Date(Date.now() + CODE_TTL_MS),
  });
  return withParameters(request.redirectUri, { code, state: request.state, iss: issuer });
}
