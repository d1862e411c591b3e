import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { issuePasskeyChallenge, PASSKEY_CHALLENGE_TTL_MS, spendPasskeyChallenge } from './passkey-challenge.ts';
import { parseRegistrationResponse } from './passkey-response.ts';
import { credentialsOf, type PasskeyRecord } from './passkey-store.ts';
import { passkeys } from './tables.ts';

/** COSE algorithms taken (WebAuthn §5.4.3): EdDSA, ES256, RS256, the set every platform covers. */
export const PASSKEY_ALGORITHMS = [-8, -7, -257];

/**
 * Options for navigator.credentials.create() that add a passkey to the account: a discoverable
 * credential (resident key required, so it also signs in without a password), no attestation, the
 * account's passkeys excluded (one per authenticator). The user handle is the account id's 16 bytes:
 * opaque, no personal data (WebAuthn §14.6.1).
 */
export async function startPasskeyRegistration(
  database: Database, config: Config, user: { id: string; email: string; name: string | null },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await credentialsOf(database, user.id);
  const challenge = await issuePasskeyChallenge(database, 'REGISTRATION', user.id);
  return generateRegistrationOptions({
    rpName: config.pages.productName, rpID: config.webauthn.rpId,
    userName: user.email, userDisplayName: user.name ?? user.email, userID: userHandleOf(user.id),
    challenge: isoBase64URL.toBuffer(challenge), timeout: PASSKEY_CHALLENGE_TTL_MS, attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports as never })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
    supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
  });
}

export type RegistrationOutcome = { readonly ok: true; readonly passkey: PasskeyRecord } | { readonly ok: false; readonly reason: string };

/**
 * Checks the browser's answer to those options and stores the passkey: the challenge is spent first
 * (it must be this account's, live, unspent), then @simplewebauthn/server checks the origin, the RP ID
 * hash, user presence, the algorithm and the attestation (WebAuthn §7.1). A credential ID already
 * registered (to any account) is refused (§7.1 step 26).
 */
export async function finishPasskeyRegistration(
  database: Database, config: Config, userId: string, json: string, name: string,
): Promise<RegistrationOutcome> {
  const response = parseRegistrationResponse(json);
  if (response === null) return { ok: false, reason: 'malformed response' };
  const challenge = await spendPasskeyChallenge(database, response.response.clientDataJSON, 'REGISTRATION', userId);
  if (challenge === null) return { ok: false, reason: 'unknown, expired or spent challenge' };
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response, expectedChallenge: challenge, expectedOrigin: [...config.webauthn.origins], expectedRPID: config.webauthn.rpId,
      requireUserVerification: false, supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
  } catch (error) {
    return { ok: false, reason: (error as Error).message.slice(0, 200) };
  }
  if (!verified.verified) return { ok: false, reason: 'attestation not verified' };
  const info = verified.registrationInfo;
  const [row] = await database.db.insert(passkeys).values({
    userId, credentialId: info.credential.id, publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    counter: info.credential.counter, transports: [...(info.credential.transports ?? [])].slice(0, 8),
    deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp, aaguid: info.aaguid, name,
  }).onConflictDoNothing({ target: passkeys.credentialId }).returning();
  if (row === undefined) return { ok: false, reason: 'credential already registered' };
  return { ok: true, passkey: row };
}

/** The WebAuthn user handle of an account: its UUID's 16 bytes. */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId.replace(/-/g, ''), 'hex'));
}
