import { and, eq, gt, isNull } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Database } from '../../db/client.ts';
import { InvalidTokenError, OAuthError } from '../../errors.ts';
import { hashSecret } from '../../lib/secrets.ts';
import type { UpstreamProvider } from '../providers.ts';
import { loginStates } from '../tables.ts';

/** How far ahead of our clock an upstream ID token's `iat` may be. */
const ID_TOKEN_CLOCK_TOLERANCE_SECONDS = 30;

/** A started sign-in, consumed. */
interface ConsumedLoginState {
  readonly provider: string;
  readonly redirectUri: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly linkUserId: string | null;
}

/** What the provider says about the user, from a validated ID token and, where needed, userinfo. */
export interface UpstreamClaims {
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
}

/**
 * Spends a login state: one statement, so that of two concurrent completions only one finds it.
 * A replayed, forged or expired state, one of another provider, or one started for linking by another
 * account (or for signing in, when linking), is InvalidTokenError and changes nothing.
 */
export async function consumeLoginState(
  database: Database,
  input: { provider: string; state: string; linkUserId: string | null },
): Promise<ConsumedLoginState> {
  const [row] = await database.db.update(loginStates).set({ usedAt: new Date() }).where(and(
    eq(loginStates.stateHash, hashSecret(input.state)),
    eq(loginStates.provider, input.provider),
    isNull(loginStates.usedAt),
    gt(loginStates.expiresAt, new Date()),
    input.linkUserId === null ? isNull(loginStates.linkUserId) : eq(loginStates.linkUserId, input.linkUserId),
  )).returning();
  if (row === undefined) throw new InvalidTokenError('The sign-in state is unknown, expired, already used or of another provider.');
  return row;
}

/** What the provider sent back to the redirect URI. `iss` is undefined when the caller did not see it. */
export interface AuthorizationAnswer {
  readonly code: string;
  readonly state: string;
  /** RFC 9207: the `iss` of the answer, null when it had none; undefined when a frontend did not forward it. */
  readonly iss?: string | null;
}

/**
 * Exchanges the authorization code (with the PKCE verifier and the same redirect URI) and validates the
 * ID token with oauth4webapi: signature (the provider's JWKS), iss, aud, exp and the nonce, and an `iat`
 * at most 30 s ahead of our clock. The answer's `iss` must be the provider's issuer, exactly, and present
 * when the provider advertises authorization_response_iss_parameter_supported (RFC 9207 §2.4). Reads the
 * email from the ID token, or from userinfo when the provider puts it only there (OpenID Connect Core §5.3).
 * The provider's refusals are OAuthError with their RFC 6749 code.
 */
export async function exchangeCode(provider: UpstreamProvider, stored: ConsumedLoginState, answer: AuthorizationAnswer): Promise<UpstreamClaims> {
  const { as, client, clientAuth, http } = provider;
  const { code, state } = answer;
  const parameters = new URLSearchParams({ code, state });
  if (answer.iss === undefined) {
    // A frontend that did not forward `iss`: the state, checked against the database, still binds the code
    // to this provider (the mix-up defence of RFC 9700 §4.4.2.2).
    if (as.authorization_response_iss_parameter_supported === true) parameters.set('iss', as.issuer);
  } else if (answer.iss !== null) {
    parameters.set('iss', answer.iss);
  }
  let callback: URLSearchParams;
  try {
    callback = oauth.validateAuthResponse(as, client, parameters, state);
  } catch {
    throw new OAuthError('invalid_request', 'The answer does not name the provider the sign-in started with (RFC 9207 iss).');
  }
  try {
    const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, callback, stored.redirectUri, stored.codeVerifier, http);
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: stored.nonce, requireIdToken: true });
    await oauth.validateApplicationLevelSignature(as, response, http);
    const idToken = oauth.getValidatedIdTokenClaims(result)!;
    // oauth4webapi checks exp but not an iat ahead of the clock: a token dated in the future is refused.
    if (idToken.iat > Math.floor(Date.now() / 1000) + ID_TOKEN_CLOCK_TOLERANCE_SECONDS) {
      throw new OAuthError('invalid_grant', 'The provider\'s ID token is dated in the future.');
    }
    let claims: Record<string, unknown> = idToken;
    if (typeof idToken.email !== 'string') {
      const userinfo = await oauth.userInfoRequest(as, client, result.access_token, http);
      claims = { ...(await oauth.processUserInfoResponse(as, client, idToken.sub, userinfo)), sub: idToken.sub };
    }
    return {
      subject: idToken.sub,
      email: typeof claims.email === 'string' ? claims.email : null,
      emailVerified: claims.email_verified === true || claims.email_verified === 'true',
      name: typeof claims.name === 'string' ? claims.name : null,
    };
  } catch (error) {
    throw toOAuthError(error);
  }
}

function toOAuthError(error: unknown): unknown {
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError) {
    return new OAuthError(error.error, error.error_description ?? `The provider refused: ${error.error}.`);
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new OAuthError('invalid_grant', 'The provider refused the access token at userinfo.');
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new OAuthError('invalid_grant', 'The provider\'s answer failed validation (ID token, nonce or signature).');
  }
  if ((error instanceof TypeError && error.message === 'fetch failed') || (error instanceof Error && error.name === 'TimeoutError')) {
    return new OAuthError('temporarily_unavailable', 'The provider cannot be reached; try again later.');
  }
  return error;
}
