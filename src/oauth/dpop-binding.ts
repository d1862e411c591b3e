import type { OAuthClientRecord } from './clients.ts';
import { checkDpopProof, type DpopDeps } from './dpop-proof.ts';

export type TokenRequestProof =
  /** `jkt`: the key the tokens are to be bound to; null for Bearer tokens. */
  | { readonly ok: true; readonly jkt: string | null }
  | { readonly ok: false; readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce'; readonly description: string };

/**
 * The DPoP proof of a token request (RFC 9449 §5): none is fine (Bearer tokens) unless the client is
 * registered DPoP-bound (§5.2, dpop_bound_access_tokens); one that is present must be valid.
 */
export async function checkTokenRequestProof(
  deps: DpopDeps, request: Request, tokenEndpoint: string, client: OAuthClientRecord,
): Promise<TokenRequestProof> {
  const header = request.headers.get('dpop');
  if (header === null) {
    return client.dpopBoundAccessTokens
      ? { ok: false, error: 'invalid_dpop_proof', description: 'This client is registered DPoP-bound: every token request needs a DPoP proof.' }
      : { ok: true, jkt: null };
  }
  return checkDpopProof(deps, { header, method: request.method, url: tokenEndpoint });
}

/**
 * Whether a grant bound to `boundJkt` (an authorization code's dpop_jkt, §10, or a public client's refresh
 * token, §5) may be used with the proof of `jkt`: unbound grants with any, bound ones only with that key.
 */
export function grantKeyMatches(boundJkt: string | null, jkt: string | null): boolean {
  return boundJkt === null || boundJkt === jkt;
}

export type BoundTokenCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce'; readonly description: string };

/**
 * How a resource server accepts an access token (RFC 9449 §7.1, §7.2): an unbound token as Bearer; a bound
 * one (`cnf.jkt`) only with `Authorization: DPoP` and a valid proof for this request, its `ath` the token's
 * hash, signed by the very key the token is bound to. A bound token as Bearer, or an unbound one as DPoP,
 * is invalid_token; so is a proof by another key (the RFC's "invalid DPoP key binding").
 */
export async function checkPresentedToken(
  deps: DpopDeps, request: Request, url: string, presented: { readonly scheme: 'Bearer' | 'DPoP'; readonly token: string }, jkt: string | undefined,
): Promise<BoundTokenCheck> {
  if (presented.scheme === 'Bearer') {
    return jkt === undefined
      ? { ok: true }
      : { ok: false, error: 'invalid_token', description: 'This access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof.' };
  }
  if (jkt === undefined) return { ok: false, error: 'invalid_token', description: 'This access token is not DPoP-bound: send it as Authorization: Bearer.' };
  const proof = await checkDpopProof(deps, { header: request.headers.get('dpop'), method: request.method, url, accessToken: presented.token });
  if (!proof.ok) return proof;
  if (proof.jkt !== jkt) return { ok: false, error: 'invalid_token', description: 'Invalid DPoP key binding: the proof is signed by another key than the token is bound to.' };
  return { ok: true };
}

/** RFC 9449 §5: the token_type of a token response, DPoP when the access token is bound. */
export function tokenTypeOf(jkt: string | null): 'Bearer' | 'DPoP' {
  return jkt === null ? 'Bearer' : 'DPoP';
}

/**
 * The key a new grant's refresh tokens are bound to (RFC 9449 §5): a public client's are bound to the key
 * of its proof, since it has no other credential; a confidential client's need not be (it authenticates).
 */
export function refreshTokenBinding(client: OAuthClientRecord, jkt: string | null): string | null {
  return client.public ? jkt : null;
}

/**
 * A pushed authorization request with a DPoP proof (RFC 9449 §10.1): the proof's key becomes the request's
 * `dpop_jkt`; a `dpop_jkt` sent as well must be that key's. Without a proof, the parameters stay as sent.
 */
export async function bindPushedRequest(deps: DpopDeps, request: Request, parEndpoint: string, form: URLSearchParams): Promise<TokenRequestProof> {
  const header = request.headers.get('dpop');
  if (header === null) return { ok: true, jkt: null };
  const proof = await checkDpopProof(deps, { header, method: request.method, url: parEndpoint });
  if (!proof.ok) return proof;
  const asked = form.get('dpop_jkt');
  if (asked !== null && asked !== proof.jkt) return { ok: false, error: 'invalid_dpop_proof', description: 'dpop_jkt is not the thumbprint of the DPoP proof\'s key.' };
  form.set('dpop_jkt', proof.jkt);
  return proof;
}
