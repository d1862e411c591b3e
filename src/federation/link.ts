import { and, asc, eq } from 'drizzle-orm';
import { createUpstreamAccount, findAccountByEmail, hasPassword } from '../accounts/upstream-account.ts';
import type { OidcProviderConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import { EmailTakenError, NotFoundError, OAuthError, ValidationError, type AppError } from '../errors.ts';
import type { UpstreamClaims } from './callback/complete.ts';
import { identities } from './tables.ts';

export interface LinkedIdentityRecord {
  readonly provider: string;
  readonly subject: string;
  readonly email: string | null;
  readonly linkedAt: Date;
}

/** Why an upstream sign-in reaches no account: recorded in the audit log, shown as refusalError(reason). */
export type Refusal = 'no_email' | 'invalid_email' | 'provider_not_trusted' | 'email_not_verified_by_provider' | 'account_email_not_verified';

/** Which account an upstream sign-in reaches, and how; or why it reaches none. */
type AccountResolution =
  | { readonly outcome: 'returning' | 'created' | 'linked'; readonly userId: string }
  | { readonly outcome: 'refused'; readonly reason: Refusal };

/** The error the user sees for a refusal: the email cases are EmailTakenError, never a hint of why. */
export function refusalError(reason: Refusal): AppError {
  switch (reason) {
    case 'no_email': return new OAuthError('invalid_scope', 'The provider gave no email address.');
    case 'invalid_email': return new OAuthError('invalid_request', 'The provider gave an address that is not one.');
    case 'provider_not_trusted':
    case 'email_not_verified_by_provider':
    case 'account_email_not_verified':
      return new EmailTakenError();
  }
}

/**
 * Finds the account of an upstream identity. The same (provider, subject) always reaches the same
 * account. A new subject gets a new account, unless its email belongs to one already: that account is
 * linked only when the provider is configured trusted, asserts email_verified, and the account's own
 * address is verified (so that nobody can register someone's address first and wait for them to come
 * through the provider); otherwise EmailTakenError. Never a takeover.
 */
export async function resolveAccount(database: Database, provider: OidcProviderConfig, claims: UpstreamClaims): Promise<AccountResolution> {
  const known = await findIdentity(database, provider.id, claims.subject);
  if (known !== undefined) {
    if (claims.email !== null && claims.email !== known.email) {
      await database.db.update(identities).set({ email: claims.email }).where(eq(identities.id, known.id));
    }
    return { outcome: 'returning', userId: known.userId };
  }
  if (claims.email === null) {
    return { outcome: 'refused', reason: 'no_email' };
  }
  const created = await createUpstreamAccount(database, { email: claims.email, emailVerified: claims.emailVerified, name: claims.name });
  if (created !== null) return { outcome: 'created', userId: await addIdentity(database, provider.id, claims, created.id) };

  const existing = await findAccountByEmail(database, claims.email);
  if (existing === undefined) {
    return { outcome: 'refused', reason: 'invalid_email' };
  }
  const reason: Refusal | null = !provider.trusted ? 'provider_not_trusted'
    : !claims.emailVerified ? 'email_not_verified_by_provider'
    : !existing.emailVerified ? 'account_email_not_verified'
    : null;
  if (reason !== null) return { outcome: 'refused', reason };
  return { outcome: 'linked', userId: await addIdentity(database, provider.id, claims, existing.id) };
}

/**
 * Links an upstream identity to a signed-in user's account. ValidationError (field provider) when the
 * identity belongs to another account, or the account already has another identity at that provider.
 */
export async function linkIdentity(database: Database, userId: string, provider: string, claims: UpstreamClaims): Promise<LinkedIdentityRecord> {
  const known = await findIdentity(database, provider, claims.subject);
  if (known !== undefined && known.userId !== userId) {
    throw new ValidationError('That identity is linked to another account.', 'provider');
  }
  if (known === undefined) {
    const [other] = await database.db.select({ id: identities.id }).from(identities)
      .where(and(eq(identities.userId, userId), eq(identities.provider, provider)));
    if (other !== undefined) throw new ValidationError('The account already has an identity at this provider; unlink it first.', 'provider');
    if (await addIdentity(database, provider, claims, userId) !== userId) {
      throw new ValidationError('That identity is linked to another account.', 'provider');
    }
  }
  return toRecord((await findIdentity(database, provider, claims.subject))!);
}

/**
 * Removes the account's identities at a provider, keeping at least one way to sign in: a password or
 * an identity at another provider; else ValidationError. NotFoundError when none is linked. The
 * account's identities are locked meanwhile, so two unlinks cannot remove the last two together.
 */
export async function unlinkIdentity(database: Database, userId: string, provider: string): Promise<LinkedIdentityRecord> {
  const password = await hasPassword(database, userId);
  return database.db.transaction(async (tx) => {
    const rows = await tx.select().from(identities).where(eq(identities.userId, userId)).orderBy(asc(identities.linkedAt)).for('update');
    const removed = rows.find((row) => row.provider === provider);
    if (removed === undefined) throw new NotFoundError('That linked identity');
    if (!password && !rows.some((row) => row.provider !== provider)) {
      throw new ValidationError('This is the account\'s only way to sign in: set a password or link another provider first.', 'provider');
    }
    await tx.delete(identities).where(and(eq(identities.userId, userId), eq(identities.provider, provider)));
    return toRecord(removed);
  });
}

/** The account's linked identities, oldest first. */
export async function listIdentities(database: Database, userId: string): Promise<LinkedIdentityRecord[]> {
  const rows = await database.db.select().from(identities).where(eq(identities.userId, userId)).orderBy(asc(identities.linkedAt));
  return rows.map(toRecord);
}

function findIdentity(database: Database, provider: string, subject: string) {
  return database.db.select().from(identities).where(and(eq(identities.provider, provider), eq(identities.subject, subject)))
    .then(([row]) => row);
}

/** Inserts the identity; when a concurrent sign-in inserted it first, returns that one's account. */
async function addIdentity(database: Database, provider: string, claims: UpstreamClaims, userId: string): Promise<string> {
  const [row] = await database.db.insert(identities).values({ provider, subject: claims.subject, userId, email: claims.email })
    .onConflictDoNothing().returning({ userId: identities.userId });
  return row?.userId ?? (await findIdentity(database, provider, claims.subject))!.userId;
}

function toRecord(row: typeof identities.$inferSelect): LinkedIdentityRecord {
  return { provider: row.provider, subject: row.subject, email: row.email, linkedAt: row.linkedAt };
}
