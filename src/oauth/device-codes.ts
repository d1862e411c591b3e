import { randomInt } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import type { OAuthClientRecord } from './clients.ts';
import { oauthDeviceCodes } from './tables.ts';

/** RFC 8628 §6.1: consonants only (no vowels, so no words; no 0/O, 1/I/L confusion). 20^8 ≈ 2^34.6 codes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
/** How long a device request lives (RFC 8628 §3.2 expires_in). */
export const DEVICE_CODE_TTL_SECONDS = 600;
/** The minimum polling interval (RFC 8628 §3.2: 5 s when not given). */
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

/** A fresh user code, shown as XXXX-XXXX (RFC 8628 §6.1). */
function newUserCode(): string {
  const chars = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]!);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/**
 * What the user typed, as stored: upper case, without the dash, spaces or anything not in the alphabet
 * (RFC 8628 §6.1: be lenient in what users type). null when it cannot be a user code.
 */
export function normaliseUserCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  return code.length === USER_CODE_LENGTH && [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : null;
}

/** The device authorization response's codes (RFC 8628 §3.2). */
export interface IssuedDeviceCode {
  readonly deviceCode: string;
  readonly userCode: string;
}

/** Stores a new device request for a client and scopes; the device_code is 256 random bits kept as its SHA-256. */
export async function issueDeviceCode(database: Database, client: OAuthClientRecord, scopes: readonly string[]): Promise<IssuedDeviceCode> {
  const deviceCode = randomSecret();
  // A collision of user codes among live requests is rare (2^34.6 codes); the unique index catches it, and we draw again.
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    const inserted = await database.db.insert(oauthDeviceCodes).values({
      deviceCodeHash: hashSecret(deviceCode), userCodeHash: hashSecret(normaliseUserCode(userCode)!), clientId: client.clientId,
      scopes: [...scopes], intervalSeconds: DEVICE_POLL_INTERVAL_SECONDS, expiresAt: new Date(Date.now() + DEVICE_CODE_TTL_SECONDS * 1000),
    }).onConflictDoNothing({ target: oauthDeviceCodes.userCodeHash }).returning({ id: oauthDeviceCodes.id });
    if (inserted.length > 0) return { deviceCode, userCode };
    if (attempt >= 5) throw new Error('could not draw a free user code');
  }
}

/** A pending, unexpired device request, as the user approving it sees it. */
export interface PendingDeviceRequest {
  readonly id: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

/** The pending, unexpired request of a user code; undefined when there is none (wrong, expired or already decided). */
export async function findPendingDeviceRequest(database: Database, typed: string): Promise<PendingDeviceRequest | undefined> {
  const code = normaliseUserCode(typed);
  if (code === null) return undefined;
  const [row] = await database.db.select({ id: oauthDeviceCodes.id, clientId: oauthDeviceCodes.clientId, scopes: oauthDeviceCodes.scopes })
    .from(oauthDeviceCodes)
    .where(and(eq(oauthDeviceCodes.userCodeHash, hashSecret(code)), eq(oauthDeviceCodes.status, 'pending'), gt(oauthDeviceCodes.expiresAt, sql`now()`)));
  return row;
}

/** The signed-in user deciding: who, their sign-in, and the session the grant ends with (without offline_access). */
export interface DeviceDecider {
  readonly userId: string;
  readonly sessionId: string;
  readonly authTime: Date;
  readonly amr: readonly string[];
}

/** Approves or denies a pending request, once (an atomic update of a pending row); false when it was no longer pending. */
export async function decideDeviceRequest(database: Database, id: string, decider: DeviceDecider, approve: boolean): Promise<boolean> {
  const rows = await database.db.update(oauthDeviceCodes).set({
    status: approve ? 'approved' : 'denied', userId: decider.userId, authTime: decider.authTime, amr: [...decider.amr],
    consentSessionId: decider.sessionId,
  }).where(and(eq(oauthDeviceCodes.id, id), eq(oauthDeviceCodes.status, 'pending'), gt(oauthDeviceCodes.expiresAt, sql`now()`), isNull(oauthDeviceCodes.usedAt)))
    .returning({ id: oauthDeviceCodes.id });
  return rows.length > 0;
}
