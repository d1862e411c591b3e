import { createHmac } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser, type SignedUp } from '../helpers/users.ts';

const VIEWER = '{ viewer { credential scopes user { id email } session { id current } } }';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe(`access tokens (${ENGINE})`, () => {
  let app: TestApp;
  let alice: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    alice = await signUpUser(app);
  });
  afterAll(() => app.close());

  /** Signs claims with the server's own current key, as the server would, to build edge cases. */
  async function signWithServerKey(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
    const signer = app.app.services.keys.signer('EdDSA');
    return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: signer.kid, ...header }).sign(signer.privateKey);
  }

  function validClaims(overrides: Record<string, unknown> = {}) {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: app.url, aud: app.url, sub: alice.userId, sid: alice.sessionId, client_id: 'latchkey', scope: 'profile',
      jti: crypto.randomUUID(), iat: now, exp: now + 600, ...overrides,
    };
  }

  it('authenticates the user who signed in', async () => {
    const { status, body } = await app.gql(VIEWER, {}, { bearer: alice.accessToken });
    expect(status).toBe(200);
    expect(body.data.viewer).toMatchObject({
      credential: 'ACCESS_TOKEN',
      user: { id: alice.userId, email: alice.email },
      session: { id: alice.sessionId, current: true },
    });
    expect(body.data.viewer.scopes).toContain('sessions:manage');
  });

  it('is an RFC 9068 JWT signed with Ed25519 that lives 15 minutes', () => {
    const header = decodeProtectedHeader(alice.accessToken);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: app.app.services.keys.signer('EdDSA').kid });
    const claims = decodeJwt(alice.accessToken);
    // RFC 9068's claims, and amr (RFC 8176): how the session signed in.
    expect(Object.keys(claims).sort()).toEqual(['amr', 'aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sid', 'sub'].sort());
    expect(claims).toMatchObject({ iss: app.url, aud: app.url, sub: alice.userId, sid: alice.sessionId, client_id: 'latchkey', amr: ['pwd'] });
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it('verifies with the keys published at /.well-known/jwks.json', async () => {
    const { createLocalJWKSet, jwtVerify } = await import('jose');
    const jwks = (await (await app.fetch('/.well-known/jwks.json')).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload } = await jwtVerify(alice.accessToken, createLocalJWKSet(jwks), { issuer: app.url, audience: app.url, typ: 'at+jwt' });
    expect(payload.sub).toBe(alice.userId);
  });

  const forgeries: [string, () => Promise<string>][] = [
    ['alg none', async () => {
      const [header, payload] = alice.accessToken.split('.');
      const none = b64({ ...JSON.parse(Buffer.from(header!, 'base64url').toString()), alg: 'none' });
      return `${none}.${payload}.`;
    }],
    ['HS256 keyed with the server\'s public key', async () => {
      const jwk = app.app.services.keys.jwks.keys.find((k) => k.kty === 'OKP')!;
      const signingInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })}.${b64(validClaims())}`;
      const signature = createHmac('sha256', Buffer.from(jwk.x!, 'base64url')).update(signingInput).digest('base64url');
      return `${signingInput}.${signature}`;
    }],
    ['a tampered payload', async () => {
      const [header, , signature] = alice.accessToken.split('.');
      return `${header}.${b64({ ...decodeJwt(alice.accessToken), sub: crypto.randomUUID() })}.${signature}`;
    }],
    ['a foreign key under our kid', async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return new SignJWT(validClaims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: app.app.services.keys.signer('EdDSA').kid }).sign(privateKey);
    }],
    ['a foreign key embedded in the header (jwk)', async () => {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return new SignJWT(validClaims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', jwk: await exportJWK(publicKey) }).sign(privateKey);
    }],
    ['a token of another type (an ID token, typ JWT)', () => signWithServerKey(validClaims(), { typ: 'JWT' })],
    // RFC 8725 §3.1: the ID-token key is ours and in the JWKS, but access tokens are EdDSA only.
    ['an access token signed with the RS256 ID-token key', () => {
      const rsa = app.app.services.keys.signer('RS256');
      return new SignJWT(validClaims()).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: rsa.kid }).sign(rsa.privateKey);
    }],
    ['an EdDSA token naming the RS256 key\'s kid', () => signWithServerKey(validClaims(), { kid: app.app.services.keys.signer('RS256').kid })],
    ['a token issued an hour in the future', () => {
      const later = Math.floor(Date.now() / 1000) + 3600;
      return signWithServerKey(validClaims({ iat: later, exp: later + 900 }));
    }],
    ['a token for another audience', () => signWithServerKey(validClaims({ aud: 'https://other.example' }))],
    ['a token from another issuer', () => signWithServerKey(validClaims({ iss: 'https://other.example' }))],
    ['a token without a session', () => signWithServerKey(validClaims({ sid: undefined }))],
    ['garbage', async () => 'not.a.jwt'],
    ['an oversized token', async () => `${alice.accessToken}${'A'.repeat(9 * 1024)}`],
  ];

  it.each(forgeries)('refuses %s with 401 invalid', async (_what, forge) => {
    const { status, headers, body } = await app.gql(VIEWER, {}, { bearer: await forge() });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'invalid' });
  });

  it('refuses an expired token with reason expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const token = await signWithServerKey(validClaims({ iat: past - 900, exp: past }));
    const { status, body } = await app.gql(VIEWER, {}, { bearer: token });
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
  });

  it('accepts a token within the 30 s clock tolerance and no further', async () => {
    const now = Math.floor(Date.now() / 1000);
    const lenient = await signWithServerKey(validClaims({ iat: now - 900, exp: now - 20 }));
    expect((await app.gql(VIEWER, {}, { bearer: lenient })).status).toBe(200);
    const late = await signWithServerKey(validClaims({ iat: now - 900, exp: now - 40 }));
    expect((await app.gql(VIEWER, {}, { bearer: late })).status).toBe(401);
  });

  it('accepts an iat up to 30 s ahead of the clock and no further', async () => {
    const now = Math.floor(Date.now() / 1000);
    const skewed = await signWithServerKey(validClaims({ iat: now + 20, exp: now + 900 }));
    expect((await app.gql(VIEWER, {}, { bearer: skewed })).status).toBe(200);
    const ahead = await signWithServerKey(validClaims({ iat: now + 40, exp: now + 900 }));
    const { status, body } = await app.gql(VIEWER, {}, { bearer: ahead });
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'invalid' });
  });

  it('refuses a token older than its 15-minute lifetime (plus 30 s) whatever its exp says', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await signWithServerKey(validClaims({ iat: now - 900 - 20, exp: now + 600 }));
    expect((await app.gql(VIEWER, {}, { bearer: old })).status).toBe(200);
    const older = await signWithServerKey(validClaims({ iat: now - 900 - 40, exp: now + 600 }));
    const { status, body } = await app.gql(VIEWER, {}, { bearer: older });
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
  });

  it('never falls back to another credential when the bearer token is bad', async () => {
    const { status } = await app.gql(VIEWER, {}, { bearer: 'garbage', headers: { 'x-api-key': 'whatever' } });
    expect(status).toBe(401);
  });
});

describe(`access-token lifetime (${ENGINE})`, () => {
  it('follows ACCESS_TOKEN_TTL', async () => {
    const app = await startTestApp({ env: { ACCESS_TOKEN_TTL: '300' } });
    try {
      const { accessToken } = await signUpUser(app);
      const claims = decodeJwt(accessToken);
      expect(claims.exp! - claims.iat!).toBe(300);
    } finally {
      await app.close();
    }
  });
});
