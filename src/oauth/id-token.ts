import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { UserRecord } from '../accounts/users.ts';
import { acrOf } from '../factors/acr.ts';
import type { KeyRing } from '../tokens/keys.ts';

const ID_TOKEN_TTL_SECONDS = 600;

interface IdTokenInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly user: UserRecord;
  readonly scopes: readonly string[];
  readonly nonce: string | null;
  readonly sessionId: string;
  readonly authTime: Date;
  /** How the user signed in (RFC 8176); empty for sessions from before this was recorded. */
  readonly amr?: readonly string[];
  readonly accessToken: string;
}

/**
 * Signs an OpenID Connect ID token (OIDC Core §2) with the current RS256 key, the algorithm every
 * relying party supports (§15.1): iss, sub, aud (the client), exp, iat, auth_time, nonce when one was
 * sent, sid, amr (RFC 8176) and acr (§2), at_hash (§3.1.3.6), and email or name when those scopes were granted. `typ` is JWT, never
 * at+jwt, so an ID token is never accepted as an access token.
 */
export async function signIdToken(keys: KeyRing, input: IdTokenInput): Promise<string> {
  const signer = keys.signer('RS256');
  const now = Math.floor(Date.now() / 1000);
  const digest = createHash('sha256').update(input.accessToken).digest();
  const claims: Record<string, unknown> = {
    auth_time: Math.floor(input.authTime.getTime() / 1000),
    sid: input.sessionId,
    at_hash: digest.subarray(0, digest.length / 2).toString('base64url'),
    ...(input.amr === undefined || input.amr.length === 0 ? {} : { amr: [...input.amr], acr: acrOf(input.amr) }),
    ...(input.nonce === null ? {} : { nonce: input.nonce }),
    ...userClaims(input.user, input.scopes),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signer.kid })
    .setIssuer(input.issuer)
    .setSubject(input.user.id)
    .setAudience(input.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + ID_TOKEN_TTL_SECONDS)
    .sign(signer.privateKey);
}

/** The standard claims the granted scopes allow (OIDC Core §5.4): email for `email`, name for `profile`. */
export function userClaims(user: UserRecord, scopes: readonly string[]): Record<string, unknown> {
  return {
    ...(scopes.includes('email') ? { email: user.email, email_verified: user.emailVerified } : {}),
    ...(scopes.includes('profile') ? { name: user.name ?? undefined, preferred_username: user.email } : {}),
  };
}
