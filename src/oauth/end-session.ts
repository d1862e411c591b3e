import { errors, jwtVerify, type JWTPayload } from 'jose';
import { OAuthError } from '../errors.ts';
import type { KeyRing } from '../tokens/keys.ts';
import { findClient, type OAuthClientRecord } from './clients.ts';

const refuse = (message: string) => new OAuthError('invalid_request', message);

/** The parameters of a logout request (RP-Initiated Logout 1.0 §2), as sent. */
export interface EndSessionParams {
  readonly idTokenHint: string | null;
  readonly clientId: string | null;
  readonly postLogoutRedirectUri: string | null;
  readonly state: string | null;
}

/** What an ID token we issued says about the relying party's session: the user, the client, the grant (`sid`). */
export interface IdTokenHint {
  readonly sub: string;
  readonly clientId: string;
  readonly sid: string | null;
}

/** A logout request found good. */
export interface EndSessionRequest {
  readonly hint: IdTokenHint | null;
  readonly client: OAuthClientRecord | null;
  /** The registered post-logout redirect URI to send the browser to, with `state`; null: show our own page. */
  readonly redirectTo: string | null;
}

/**
 * Checks a logout request (RP-Initiated Logout 1.0 §2, §3): `id_token_hint` must be an ID token this
 * server signed (an expired one is fine, §2: the RP's session may have outlived it); `client_id`, when
 * also given, must be its audience; a `post_logout_redirect_uri` must be one the client registered, by
 * exact string (§3.1), so it needs the client (from the hint or `client_id`). `state` goes back with it.
 * A bad request is invalid_request, never redirected: the redirect URI is not trusted until it is checked (§3.1).
 */
export async function checkEndSessionRequest(
  keys: KeyRing, database: Parameters<typeof findClient>[0], issuer: string, params: EndSessionParams,
): Promise<EndSessionRequest> {
  let hint: IdTokenHint | null = null;
  if (params.idTokenHint !== null) {
    hint = await readIdTokenHint(keys, issuer, params.idTokenHint);
    if (hint === null) throw refuse('The id_token_hint is not an ID token issued here.');
  }
  if (hint !== null && params.clientId !== null && params.clientId !== hint.clientId) {
    throw refuse('The client_id is not the audience of the id_token_hint.');
  }
  const clientId = hint?.clientId ?? params.clientId;
  const client = clientId === null ? null : (await findClient(database, clientId)) ?? null;
  if (clientId !== null && client === null) throw refuse('The application is not registered here.');
  if ((params.state?.length ?? 0) > 1000) throw refuse('The state is too long.');
  let redirectTo: string | null = null;
  if (params.postLogoutRedirectUri !== null) {
    if (client === null) throw refuse('A post_logout_redirect_uri needs an id_token_hint or a client_id.');
    if (!client.postLogoutRedirectUris.includes(params.postLogoutRedirectUri)) {
      throw refuse('The post_logout_redirect_uri is not registered for this application.');
    }
    const url = new URL(params.postLogoutRedirectUri);
    if (params.state !== null) url.searchParams.append('state', params.state);
    redirectTo = url.href;
  }
  return { hint, client, redirectTo };
}

/** The claims of an ID token we signed (RS256, our issuer, `typ` JWT), expired or not; null for anything else. */
async function readIdTokenHint(keys: KeyRing, issuer: string, token: string): Promise<IdTokenHint | null> {
  if (token.length > 8000) return null;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, (header) => {
      const key = keys.verificationKey(header.kid, 'RS256');
      if (key === undefined) throw new errors.JWKSNoMatchingKey();
      return key.key;
    }, { issuer, algorithms: ['RS256'], typ: 'JWT' }));
  } catch (error) {
    // §2: an expired ID token still names the session to end; its signature was checked before its claims.
    if (!(error instanceof errors.JWTExpired)) return null;
    payload = error.payload;
  }
  if (payload.iss !== issuer || typeof payload.sub !== 'string' || typeof payload.aud !== 'string') return null;
  return { sub: payload.sub, clientId: payload.aud, sid: typeof payload.sid === 'string' ? payload.sid : null };
}
