import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { HOUR, MINUTE } from '../lib/time.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { emailTokens, users, type EmailTokenPurpose } from './tables.ts';

/** How long a mailed link works: long enough to find the mail, short enough that an old inbox grants nothing. */
const EMAIL_TOKEN_LIFETIME_MS: Readonly<Record<EmailTokenPurpose, number>> = Object.freeze({
  verify_email: 24 * HOUR,
  reset_password: 30 * MINUTE,
  // The link moves the account to another mailbox: short-lived, like a password reset's.
  change_email: HOUR,
});

export interface IssuedEmailToken {
  /** The secret for the link; only its SHA-256 is stored. */
  readonly token: string;
  readonly userId: string;
  /** The account's address, where the link goes. */
  readonly email: string;
}

/**
 * Issues a single-use token of `purpose` for the account with this email (whatever its case), and
 * retires the account's unused token of the same purpose. One statement, whether or not an account
 * has the address, so the two cases cost the same. Null when no account has it.
 */
export function issueEmailTokenByEmail(database: Database, purpose: EmailTokenPurpose, email: string): Promise<IssuedEmailToken | null> {
  return issue(database, purpose, sql`lower(${users.email}) = lower(${email}::text)`);
}

/**
 * Issues a verification token for an account whose address is not verified yet, retiring its unused
 * one. Null when the address is verified already (or the account is gone).
 */
export function issueVerificationToken(database: Database, userId: string): Promise<IssuedEmailToken | null> {
  return issue(database, 'verify_email', sql`${users.id} = ${userId}::uuid and not ${users.emailVerified}`);
}

/**
 * Issues a change_email token that moves the account to `newEmail` once the link mailed there is used,
 * retiring the account's unused one (one pending change at a time). One statement, and only while no
 * account (this one included) holds the address whatever its case: null when one does.
 */
export async function issueEmailChangeToken(database: Database, userId: string, newEmail: string): Promise<IssuedEmailToken | null> {
  const token = randomSecret();
  const lifetime = `${EMAIL_TOKEN_LIFETIME_MS.change_email} milliseconds`;
  const [issued] = await database.rows<{ user_id: string; email: string }>(sql`
    with target as (
      select ${users.id} as id from ${users} where ${users.id} = ${userId}::uuid
        and not exists (select 1 from ${users} holder where lower(holder.email) = lower(${newEmail}::text))
    ), retired as (
      update ${emailTokens} set used_at = now()
      where user_id in (select id from target) and purpose = 'change_email' and used_at is null
    )
    insert into ${emailTokens} (purpose, user_id, email, hash, expires_at)
    select 'change_email', id, ${newEmail}::text, ${hashSecret(token)}::text, now() + ${lifetime}::interval from target
    returning user_id, email`);
  return issued === undefined ? null : { token, userId: issued.user_id, email: issued.email };
}

/** The address of the account's live change_email token (requested, not yet confirmed), and when its link expires. */
export async function findPendingEmail(database: Database, userId: string): Promise<{ email: string; expiresAt: Date } | null> {
  const [row] = await database.rows<{ email: string; expires_at: Date | string }>(sql`
    select email, expires_at from ${emailTokens}
    where user_id = ${userId}::uuid and purpose = 'change_email' and used_at is null and expires_at > now()
    order by created_at desc limit 1`);
  return row === undefined ? null : { email: row.email, expiresAt: new Date(row.expires_at) };
}

/** The pending addresses of these accounts, in the order asked, null where none (for DataLoader): one query for a page. */
export async function findPendingEmails(database: Database, userIds: readonly string[]): Promise<({ email: string; expiresAt: Date } | null)[]> {
  if (userIds.length === 0) return [];
  const rows = await database.rows<{ user_id: string; email: string; expires_at: Date | string }>(sql`
    select distinct on (user_id) user_id, email, expires_at from ${emailTokens}
    where user_id in (${sql.join(userIds.map((id) => sql`${id}::uuid`), sql`, `)}) and purpose = 'change_email' and used_at is null and expires_at > now()
    order by user_id, created_at desc`);
  const byUser = new Map(rows.map((row) => [row.user_id, { email: row.email, expiresAt: new Date(row.expires_at) }]));
  return userIds.map((id) => byUser.get(id) ?? null);
}

async function issue(database: Database, purpose: EmailTokenPurpose, account: SQL): Promise<IssuedEmailToken | null> {
  const token = randomSecret();
  const lifetime = `${EMAIL_TOKEN_LIFETIME_MS[purpose]} milliseconds`;
  const [issued] = await database.rows<{ user_id: string; email: string }>(sql`
    with target as (
      select ${users.id} as id, ${users.email} as email from ${users} where ${account}
    ), retired as (
      update ${emailTokens} set used_at = now()
      where user_id in (select id from target) and purpose = ${purpose}::text and used_at is null
    )
    insert into ${emailTokens} (purpose, user_id, email, hash, expires_at)
    select ${purpose}::text, id, email, ${hashSecret(token)}::text, now() + ${lifetime}::interval from target
    returning user_id, email`);
  return issued === undefined ? null : { token, userId: issued.user_id, email: issued.email };
}

/**
 * The data-modifying statement that spends a token: `update … where used_at is null and expires_at >
 * now() returning`, so of any number of concurrent attempts exactly one gets a row. A token of another
 * purpose, expired, retired or already used gets none. Use it as a CTE named `spent` (user_id, email).
 */
export function spendEmailToken(purpose: EmailTokenPurpose, token: string): SQL {
  return sql`update ${emailTokens} set used_at = now()
    where hash = ${hashSecret(token)}::text and purpose = ${purpose}::text and used_at is null and expires_at > now()
    returning user_id, email`;
}

/**
 * The account's address behind a live token, without spending it (so that input can be checked
 * before the token is used up); null when the token would be refused.
 */
export async function peekEmailToken(database: Database, purpose: EmailTokenPurpose, token: string): Promise<{ userId: string; email: string } | null> {
  const [row] = await database.rows<{ user_id: string; email: string }>(sql`
    select t.user_id, u.email from ${emailTokens} t join ${users} u on u.id = t.user_id
    where t.hash = ${hashSecret(token)}::text and t.purpose = ${purpose}::text and t.used_at is null and t.expires_at > now()`);
  return row === undefined ? null : { userId: row.user_id, email: row.email };
}

/** Tokens are 43 base64url characters; anything far from that is refused without a query. */
export function isPlausibleToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{32,64}$/.test(token);
}
