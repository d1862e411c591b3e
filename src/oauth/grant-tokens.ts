import type { UserDirectory } from '../accounts/directory.ts';
import type { UserRecord } from '../accounts/users.ts';
import type { Database } from '../db/client.ts';
import { OAuthError } from '../errors.ts';
import type { SessionRevoker } from '../sessions/revoke.ts';
import type { AccessTokens } from '../tokens/access-token.ts';
import type { KeyRing } from '../tokens/keys.ts';
import { startSession } from '../sessions/start.ts';
import { GRANT_TYPES, OFFLINE_ACCESS, type OAuthClientRecord } from './clients.ts';
import { refreshTokenBinding, tokenTypeOf } from './dpop-binding.ts';
import { parentStillLive } from './grant-liveness.ts';
import { signIdToken } from './id-token.ts';
import type { RequestMeta } from '../audit/record.ts';

/** A successful token response (RFC 6749 §5.1), in its JSON member names. */
export interface TokenResponse {
  readonly access_token: string;
  /** DPoP when the access token is bound to the client's DPoP key (RFC 9449 §5). */
  readonly token_type: 'Bearer' | 'DPoP';
  readonly expires_in: number;
  readonly refresh_token?: string;
  readonly scope: string;
  readonly id_token?: string;
}

/**
 * The meaning of offline_access (OIDC Core §11): without it the grant, and so its refresh token, ends when
 * the user's session that consented ends; with it the grant outlives that session, up to its absolute lifetime.
 */
export function endsWith(scopes: readonly string[], consentSessionId: string | null): string | null {
  return scopes.includes(OFFLINE_ACCESS) ? null : consentSessionId;
}

/** What starting a grant uses. */
export interface GrantTokenDeps {
  readonly database: Database;
  readonly users: UserDirectory;
  readonly accessTokens: AccessTokens;
  readonly keys: KeyRing;
  readonly revoker: SessionRevoker;
  readonly config: { readonly publicUrl: string };
}

/** What a user approved: the grant to start. */
export interface ApprovedGrant {
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly authTime: Date | null;
  readonly amr: readonly string[];
  /** The session the user approved from: without offline_access the grant ends with it. */
  readonly consentSessionId: string | null;
  /** The thumbprint of the token request's DPoP proof key (RFC 9449 §5); null without one. */
  readonly dpopJkt: string | null;
}

/** A grant's session, just started, and the account it is for. */
export interface StartedGrant {
  readonly user: UserRecord;
  readonly sessionId: string;
  readonly authTime: Date;
  readonly amr: readonly string[];
  readonly refreshToken: string;
}

/**
 * Starts a grant: a session of the client for the approving account. invalid_grant when the account is gone.
 * The caller checks, once the session exists, that the session which approved is still live (parentStillLive).
 */
export async function startGrant(services: GrantTokenDeps, client: OAuthClientRecord, grant: ApprovedGrant, meta: RequestMeta): Promise<StartedGrant> {
  const [user] = await services.users.load([grant.userId]);
  if (user === undefined) throw new OAuthError('invalid_grant', 'The account no longer exists.');
  const started = await startSession(services.database, {
    userId: grant.userId, clientId: client.clientId, delivery: 'TOKENS', scopes: grant.scopes, userAgent: meta.userAgent, ip: meta.ip,
    authTime: grant.authTime, amr: grant.amr, endsWithSessionId: endsWith(grant.scopes, grant.consentSessionId),
    dpopJkt: refreshTokenBinding(client, grant.dpopJkt),
  });
  if (started.delivery !== 'TOKENS') throw new Error('a TOKENS session was expected');
  return {
    user, sessionId: started.session.id, authTime: started.session.authTime, amr: started.session.amr, refreshToken: started.refreshToken,
  };
}

/**
 * A started grant's token response (RFC 6749 §5.1): an access token, a refresh token when the client is
 * registered for refresh_token, and with openid an ID token carrying `nonce` (OIDC Core §3.1.3.6).
 */
export async function grantTokenResponse(
  services: GrantTokenDeps, client: OAuthClientRecord, grant: ApprovedGrant, started: StartedGrant, nonce: string | null,
): Promise<TokenResponse> {
  const access = await services.accessTokens.issue({
    userId: grant.userId, sessionId: started.sessionId, clientId: client.clientId, scopes: grant.scopes, amr: grant.amr, jkt: grant.dpopJkt,
  });
  const idToken = grant.scopes.includes('openid')
    ? await signIdToken(services.keys, {
      issuer: services.config.publicUrl, clientId: client.clientId, user: started.user, scopes: grant.scopes, nonce,
      sessionId: started.sessionId, authTime: started.authTime, amr: started.amr, accessToken: access.token,
    })
    : undefined;
  return {
    access_token: access.token, token_type: tokenTypeOf(grant.dpopJkt), expires_in: services.accessTokens.ttlSeconds,
    // A client not registered for refresh_token gets none (it could not use it).
    ...(client.grantTypes.includes(GRANT_TYPES.REFRESH_TOKEN) ? { refresh_token: started.refreshToken } : {}),
    scope: grant.scopes.join(' '), ...(idToken === undefined ? {} : { id_token: idToken }),
  };
}

/**
 * Starts a grant for an approval that is not an authorization code (the device flow) and answers its
 * tokens. invalid_grant when the account or the session that approved is gone.
 */
export async function startGrantTokens(services: GrantTokenDeps, client: OAuthClientRecord, grant: ApprovedGrant, meta: RequestMeta): Promise<TokenResponse> {
  const started = await startGrant(services, client, grant, meta);
  if (!(await parentStillLive(services, started.sessionId, endsWith(grant.scopes, grant.consentSessionId)))) {
    throw new OAuthError('invalid_grant', 'The session that approved this has ended.');
  }
  return grantTokenResponse(services, client, grant, started, null);
}
