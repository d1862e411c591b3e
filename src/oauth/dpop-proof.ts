import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { Database } from '../db/client.ts';
import { hashSecret } from '../lib/secrets.ts';
import { claimDpopProof } from './dpop-replay.ts';
import type { DpopNonces } from './dpop-nonce.ts';

/**
 * The proof algorithms accepted (RFC 9449 §4.3 step 5: asymmetric, never `none` nor a MAC), advertised as
 * `dpop_signing_alg_values_supported`. RSA keys shorter than 2048 bits are refused by jose. Ed25519 keys sign as
 * `EdDSA` or as the fully-specified `Ed25519` (RFC 9864), which oauth4webapi sends.
 */
export const DPOP_SIGNING_ALGS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'] as const;

/** How far a proof's `iat` may be from the server's clock, either way (RFC 9449 §4.3 step 11, §11.1). */
export const DPOP_IAT_WINDOW_SECONDS = 60;

const MAX_PROOF_CHARS = 8 * 1024;
const MAX_JTI_CHARS = 256;
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** What a proof check needs: the replay cache's database, the nonces, and whether a nonce is required. */
export interface DpopDeps {
  readonly database: Database;
  readonly nonces: DpopNonces;
  /** DPOP_REQUIRE_NONCE: every proof must carry a nonce this server made (RFC 9449 §8, §9). */
  readonly requireNonce: boolean;
}

export type DpopProofCheck =
  | { readonly ok: true; /** RFC 7638 thumbprint of the proof's key. */ readonly jkt: string }
  | { readonly ok: false; readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce'; readonly description: string };

interface ExpectedProof {
  /** The DPoP header as received (null when absent). */
  readonly header: string | null;
  /** The request's method (`htm`). */
  readonly method: string;
  /** The request's URL as this server is known by (PUBLIC_URL), without query or fragment (`htu`). */
  readonly url: string;
  /** At a resource server, the access token presented with the proof (`ath`, RFC 9449 §4.3 step 11). */
  readonly accessToken?: string;
}

const invalid = (description: string): DpopProofCheck => ({ ok: false, error: 'invalid_dpop_proof', description });

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists: one header holding one compact JWT, `typ` dpop+jwt, an
 * allowed asymmetric `alg`, a public `jwk` that verifies the signature, `htm` and `htu` of this request
 * (htu compared without query and fragment, step 9), `iat` within DPOP_IAT_WINDOW_SECONDS, `ath` when an
 * access token goes with it, the server's nonce when one is required or given, and a `jti` not seen
 * before on any instance (§11.1). Returns a result (a bad proof is common, never exceptional).
 */
export async function checkDpopProof(deps: DpopDeps, expected: ExpectedProof, now = Date.now()): Promise<DpopProofCheck> {
  const { header } = expected;
  if (header === null) return invalid('Send a DPoP proof in the DPoP header.');
  // Several DPoP headers arrive joined by commas, which a compact JWT never holds (step 1).
  if (header.length > MAX_PROOF_CHARS || !COMPACT_JWS.test(header)) return invalid('The DPoP header must hold exactly one JWT.');
  let payload;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_SIGNING_ALGS] });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk!;
  } catch {
    return invalid(`The DPoP proof must be a JWT of typ dpop+jwt, signed with one of ${DPOP_SIGNING_ALGS.join(', ')} by the public jwk of its header.`);
  }
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length < 1 || jti.length > MAX_JTI_CHARS || typeof htm !== 'string' || typeof htu !== 'string' || typeof iat !== 'number') {
    return invalid('The DPoP proof must have jti, htm, htu and iat.');
  }
  if (htm !== expected.method) return invalid(`The DPoP proof is for ${htm.slice(0, 10)}, not ${expected.method}.`);
  const presented = withoutQuery(htu);
  if (presented === null || presented !== withoutQuery(expected.url)) return invalid(`The DPoP proof's htu is not ${expected.url}.`);
  if (Math.abs(now / 1000 - iat) > DPOP_IAT_WINDOW_SECONDS) {
    return invalid(`The DPoP proof's iat must be within ${DPOP_IAT_WINDOW_SECONDS} seconds of the server's time.`);
  }
  // ath is base64url(SHA-256(token)): the very form hashSecret gives.
  if (expected.accessToken !== undefined && ath !== hashSecret(expected.accessToken)) {
    return invalid('The DPoP proof\'s ath is not the hash of this access token.');
  }
  if (nonce !== undefined || deps.requireNonce) {
    if (typeof nonce !== 'string' || !deps.nonces.accepts(nonce, now)) {
      return { ok: false, error: 'use_dpop_nonce', description: 'Make the DPoP proof again with the nonce of the DPoP-Nonce header.' };
    }
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  if (!(await claimDpopProof(deps.database, jkt, jti, new Date((iat + DPOP_IAT_WINDOW_SECONDS) * 1000)))) {
    return invalid('The DPoP proof was already used: make a new one for every request.');
  }
  return { ok: true, jkt };
}

/** An absolute URL without query and fragment, normalised (RFC 3986 §6.2.2, §6.2.3); null when it is none. */
function withoutQuery(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return null;
  }
}

/** The `WWW-Authenticate` challenge of a DPoP refusal at a resource server (RFC 9449 §7.1). */
export function dpopChallenge(error: string | null, description?: string): string {
  const algs = `algs="${DPOP_SIGNING_ALGS.join(' ')}"`;
  if (error === null) return `DPoP ${algs}`;
  return `DPoP error="${error}"${description === undefined ? '' : `, error_description="${description.replaceAll('"', '\'')}"`}, ${algs}`;
}
