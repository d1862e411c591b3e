import type { UserDirectory } from '../accounts/directory.ts';
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

/**
 * Starts a grant (a session of the client) for an approval that is not an authorization code (the
 * device flow) and answers its tokens: an access token, a refresh token and, with openid, an ID token.
 * invalid_grant when the account or the session that approved is gone.
 */
export async function startGrantTokens(services: GrantTokenDeps, client: OAuthClientRecord, grant: ApprovedGrant, meta: RequestMeta): Promise<TokenResponse> {
  const [user] = await services.users.load([grant.userId]);
  if (user === undefined) throw new OAuthError('invalid_grant', 'The account no longer exists.');
  const endsWithSessionId = endsWith(grant.scopes, grant.consentSessionId);
  const started = await startSession(services.database, {
    userId: grant.userId, clientId: client.clientId, delivery: 'TOKENS', scopes: grant.scopes, userAgent: meta.userAgent, ip: meta.ip,
    authTime: grant.authTime, amr: grant.amr, endsWithSessionId, dpopJkt: refreshTokenBinding(client, grant.dpopJkt),
  });
  if (started.delivery !== 'TOKENS') throw new Error('a TOKENS session was expected');
  if (!(await parentStillLive(services, started.session.id, endsWithSessionId))) {
    throw new OAuthError('invalid_grant', 'The session that approved this has ended.');
  }
  const access = await services.accessTokens.issue({
    userId: grant.userId, sessionId: started.session.id, clientId: client.clientId, scopes: grant.scopes, amr: grant.amr, jkt: grant.dpopJkt,
  });
  const idToken = grant.scopes.includes('openid')
    ? await signIdToken(services.keys, {
      issuer: services.config.publicUrl, clientId: client.clientId, user, scopes: grant.scopes, nonce: null,
      sessionId: started.session.id, authTime: started.session.authTime, amr: started.session.amr, accessToken: access.token,
    })
    : undefined;
  return {
    access_token: access.token, token_type: tokenTypeOf(grant.dpopJkt), expires_in: services.accessTokens.ttlSeconds,
    ...(client.grantTypes.includes(GRANT_TYPES.REFRESH_TOKEN) ? { refresh_token: started.refreshToken } : {}), scope: grant.scopes.join(' '), ...(idToken === undefined ? {} : { id_token: idToken }),
  };
}
