import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { BoundedCache } from '../lib/lru.ts';
import type { KeyRing, SigningAlg } from './keys.ts';
import { signEdDsaJwt } from './sign-eddsa.ts';

/** The claims of an RFC 9068 access token that Latchkey reads back. */
interface AccessTokenClaims {
  readonly sub: string;
  readonly sid: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Seconds since the epoch. */
  readonly exp: number;
  /** When it was issued, in seconds since the epoch. */
  readonly iat: number;
  /** The RFC 7638 thumbprint of the DPoP key it is bound to (`cnf.jkt`, RFC 9449 §6.1); absent for a Bearer token. */
  readonly jkt?: string;
}

type VerifyResult =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly reason: 'expired' | 'invalid' };

interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

/** Access tokens are signed with Ed25519 and with nothing else (RFC 8725 §3.1): no other key verifies one. */
const ACCESS_TOKEN_ALG: SigningAlg = 'EdDSA';
const MAX_TOKEN_BYTES = 8 * 1024;
const CLOCK_TOLERANCE_SECONDS = 30;
const INVALID: VerifyResult = Object.freeze({ ok: false, reason: 'invalid' });

/** Issues and verifies first-party and OAuth access tokens: JWTs in the RFC 9068 profile. */
export class AccessTokens {
  // Verification through WebCrypto costs as much as a whole request: a token already verified is
  // remembered by its exact string until it expires. Revocation is checked by the caller every time.
  readonly #verified = new BoundedCache<string, AccessTokenClaims>(50_000);

  /** `onLookup(hit)` is told whether each verification was answered from the cache (for the hit-ratio metric). */
  constructor(private readonly keys: KeyRing, private readonly settings: AccessTokenSettings, private readonly onLookup: (hit: boolean) => void = () => {}) {
    keys.onRemoved(() => this.#verified.clear());
  }

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  /**
   * Signs an access token with the current Ed25519 key: header `typ: at+jwt` and `kid`, RFC 9068 claims,
   * and `amr` (RFC 8176, as RFC 9068 §2.2.1 allows) when the session knows how the user signed in; bound to a
   * DPoP key by `cnf.jkt` (RFC 9449 §6.1) when `jkt` is given.
   */
  async issue(input: { userId: string; sessionId: string; clientId: string; scopes: readonly string[]; amr?: readonly string[]; jkt?: string | null }) {
    const signer = this.keys.signer(ACCESS_TOKEN_ALG);
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.settings.ttlSeconds;
    const amr = input.amr === undefined || input.amr.length === 0 ? {} : { amr: [...input.amr] };
    const cnf = input.jkt === undefined || input.jkt === null ? {} : { cnf: { jkt: input.jkt } };
    const token = signEdDsaJwt({ alg: 'EdDSA', typ: 'at+jwt', kid: signer.kid }, {
      sid: input.sessionId, client_id: input.clientId, scope: input.scopes.join(' '), ...amr, ...cnf,
      iss: this.settings.issuer, aud: this.settings.audience, sub: input.userId, iat: now, exp, jti: randomUUID(),
    }, signer.privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Verifies a token (RFC 8725): only EdDSA, only with our own EdDSA key named by `kid` (the ID-token key
   * and any `jwk`, `jku`, `x5u` or `x5c` are never used), `typ` must be `at+jwt`, iss and aud must be ours,
   * `iat` may be neither in the future nor older than the access-token lifetime (beyond the 30 s clock
   * tolerance), and a token of more than 8 KiB is refused unparsed. Never throws.
   */
  async verify(token: string): Promise<VerifyResult> {
    const cached = this.#verified.get(token);
    this.onLookup(cached !== undefined);
    if (cached !== undefined) {
      const expires = Math.min(cached.exp, cached.iat + this.settings.ttlSeconds);
      if (expires + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) return { ok: true, claims: cached };
      this.#verified.delete(token);
      return { ok: false, reason: 'expired' };
    }
    if (token.length > MAX_TOKEN_BYTES) return INVALID;
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return INVALID;
    }
    const key = this.keys.verificationKey(kid, ACCESS_TOKEN_ALG);
    if (key === undefined) return INVALID;
    try {
      const { payload } = await jwtVerify(token, key.key, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: 'at+jwt',
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        // A token dated ahead of our clock was not issued by us as it claims (RFC 7519 §4.1.6); jose refuses
        // an `iat` in the future or older than this, each beyond the tolerance.
        maxTokenAge: this.settings.ttlSeconds,
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'sid', 'client_id'],
      });
      const { sub, sid, client_id: clientId, scope, exp, iat, cnf } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof clientId !== 'string' || typeof exp !== 'number' || typeof iat !== 'number') {
        return INVALID;
      }
      const jkt: unknown = (cnf as { jkt?: unknown } | undefined)?.jkt;
      if (cnf !== undefined && typeof jkt !== 'string') return INVALID;
      const claims: AccessTokenClaims = Object.freeze({
        sub, sid, clientId, exp, iat, ...(typeof jkt === 'string' ? { jkt } : {}),
        scopes: Object.freeze(typeof scope === 'string' && scope !== '' ? scope.split(' ') : []),
      });
      this.#verified.set(token, claims);
      return { ok: true, claims };
    } catch (error) {
      return error instanceof errors.JWTExpired ? { ok: false, reason: 'expired' } : INVALID;
    }
  }
}
