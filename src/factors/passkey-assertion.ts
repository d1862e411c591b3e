import { generateAuthenticationOptions, verifyAuthenticationResponse, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { issuePasskeyChallenge, PASSKEY_CHALLENGE_TTL_MS, spendPasskeyChallenge, type PasskeyPurpose } from './passkey-challenge.ts';
import { userHandleOf } from './passkey-registration.ts';
import { parseAuthenticationResponse } from './passkey-response.ts';
import { credentialsOf } from './passkey-store.ts';
import { passkeys } from './tables.ts';

type AssertionPurpose = Exclude<PasskeyPurpose, 'REGISTRATION'>;

/**
 * Options for navigator.credentials.get(). For an account (second factor, re-verification): its
 * passkeys in allowCredentials, and for a second factor a challenge bound to the held sign-in
 * `attemptId`. For a passwordless sign-in: none, so the browser offers any discoverable credential
 * for this RP (and conditional UI can show them in the email field's autofill), and user
 * verification is required.
 */
export async function passkeyAssertionOptions(
  database: Database, config: Config, purpose: AssertionPurpose, userId: string | null, attemptId: string | null = null,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = userId === null ? [] : await credentialsOf(database, userId);
  const challenge = await issuePasskeyChallenge(database, purpose, userId, attemptId);
  return generateAuthenticationOptions({
    rpID: config.webauthn.rpId, challenge: isoBase64URL.toBuffer(challenge), timeout: PASSKEY_CHALLENGE_TTL_MS,
    allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports as never })),
    userVerification: purpose === 'SIGN_IN' ? 'required' : 'preferred',
  });
}

export type AssertionOutcome =
  | {
    readonly ok: true;
    readonly userId: string;
    readonly passkeyId: string;
    /** RFC 8176 §2: `hwk` for a key bound to its authenticator, `swk` for a synced (multi-device) one. */
    readonly method: 'hwk' | 'swk';
  }
  | {
    readonly ok: false;
    /** The account of the passkey, when one was named; for the audit. */
    readonly userId: string | null;
    readonly reason: string;
    /** The signature was right but the counter did not go up: maybe a cloned authenticator. */
    readonly counterWentBack: boolean;
  };

const refused = (reason: string, userId: string | null = null, counterWentBack = false): AssertionOutcome => ({ ok: false, userId, reason, counterWentBack });

/**
 * Checks a passkey assertion (WebAuthn §7.2): the challenge is spent first (live, unspent, issued for
 * this purpose and account, and for a second factor for this held sign-in `attemptId`); the
 * credential must be registered (to that account, when one is given; for a passwordless sign-in, to
 * the account its user handle names); @simplewebauthn/server checks the
 * origin, RP ID hash, flags (UV required for a passwordless sign-in) and signature. Then the signature
 * counter must go up (§6.1.1, §7.2 step 22) unless it is 0 on both sides: the new value is stored in
 * the same statement, so two answers with one counter value cannot both pass. A counter that went
 * back means two authenticators hold the key: refused.
 */
export async function verifyPasskeyAssertion(
  database: Database, config: Config, purpose: AssertionPurpose, userId: string | null, json: string, attemptId: string | null = null,
): Promise<AssertionOutcome> {
  const response = parseAuthenticationResponse(json);
  if (response === null) return refused('malformed response', userId);
  const challenge = await spendPasskeyChallenge(database, response.response.clientDataJSON, purpose, userId, attemptId);
  if (challenge === null) return refused('unknown, expired or spent challenge', userId);
  const [stored] = await database.db.select().from(passkeys).where(eq(passkeys.credentialId, response.id));
  if (stored === undefined || (userId !== null && stored.userId !== userId)) return refused('unknown passkey', userId);
  const handle = response.response.userHandle;
  if (handle != null && handle !== isoBase64URL.fromBuffer(userHandleOf(stored.userId))) return refused('user handle mismatch', stored.userId);
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'];
  try {
    const verified = await verifyAuthenticationResponse({
      response, expectedChallenge: challenge, expectedOrigin: [...config.webauthn.origins], expectedRPID: config.webauthn.rpId,
      // The counter is compared below, once the signature is known to be good.
      credential: { id: stored.credentialId, publicKey: isoBase64URL.toBuffer(stored.publicKey), counter: 0 },
      requireUserVerification: purpose === 'SIGN_IN',
    });
    if (!verified.verified) return refused('bad signature', stored.userId);
    info = verified.authenticationInfo;
  } catch (error) {
    return refused((error as Error).message.slice(0, 200), stored.userId);
  }
  const counter = info.newCounter;
  const [updated] = await database.db.update(passkeys)
    .set({ counter, backedUp: info.credentialBackedUp, lastUsedAt: sql`now()` })
    .where(and(eq(passkeys.id, stored.id), counter === 0 ? eq(passkeys.counter, 0) : lt(passkeys.counter, counter)))
    .returning({ id: passkeys.id });
  if (updated === undefined) return refused(`signature counter ${counter} not above ${stored.counter}`, stored.userId, true);
  return { ok: true, userId: stored.userId, passkeyId: stored.id, method: stored.deviceType === 'multiDevice' ? 'swk' : 'hwk' };
}
