import { randomInt } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { hashSecret } from '../lib/secrets.ts';
import { recoveryCodes } from './tables.ts';

const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 alphabet: no I, L, O or U to misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/**
 * 12 characters, 60 bits: typed by people, so shorter than a bearer token; guessing is bounded by the
 * per-account sign-in throttle long before 2^60 codes, and each code works once.
 */
const CODE_LENGTH = 12;

/** Makes ten new recovery codes and replaces all earlier ones. Returns them in clear: they are shown once. */
export async function replaceRecoveryCodes(database: Database, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await database.db.transaction(async (tx) => {
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((code) => ({ userId, hash: hashSecret(normalize(code)) })));
  });
  return codes;
}

/** Spends one recovery code, atomically; false when it is unknown or already spent. */
export async function spendRecoveryCode(database: Database, userId: string, code: string): Promise<boolean> {
  const normalized = normalize(code);
  if (normalized.length !== CODE_LENGTH) return false;
  const spent = await database.db.update(recoveryCodes).set({ usedAt: sql`now()` })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.hash, hashSecret(normalized)), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return spent.length > 0;
}

/** How many unspent recovery codes an account has. */
export async function recoveryCodesLeft(database: Database, userId: string): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return row?.n ?? 0;
}

export async function deleteRecoveryCodes(database: Database, userId: string): Promise<void> {
  await database.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

function newCode(): string {
  const chars = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!).join('');
  return `${chars.slice(0, 6)}-${chars.slice(6)}`;
}

/** Case, spaces and dashes do not matter when a code is typed back. */
function normalize(code: string): string {
  return code.slice(0, 64).toUpperCase().replace(/[\s-]/g, '');
}
