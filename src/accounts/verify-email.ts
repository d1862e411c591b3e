import type { UserDirectory } from './directory.ts';
import { eq, sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { InvalidTokenError } from '../errors.ts';
import { isPlausibleToken, spendEmailToken } from './email-tokens.ts';
import { users } from './tables.ts';
import { toUserRecord, type UserRecord } from './users.ts';

/** What this use case needs of the app's long-lived parts (the edges pass their Services). */
interface ConfirmDeps {
  readonly database: Database;
  readonly users: UserDirectory;
}

/**
 * Spends a verification token and marks the address verified, in one statement; only while the
 * account still has the address the link was sent to. Returns the account as it now is.
 */
export async function verifyEmail(database: Database, token: string): Promise<UserRecord> {
  if (!isPlausibleToken(token)) throw new InvalidTokenError();
  const [verified] = await database.rows<{ id: string }>(sql`
    with spent as (${spendEmailToken('verify_email', token)})
    update ${users} set email_verified = true
    from spent where ${users.id} = spent.user_id and lower(${users.email}) = lower(spent.email)
    returning ${users.id}`);
  if (verified === undefined) throw new InvalidTokenError();
  const [row] = await database.db.select().from(users).where(eq(users.id, verified.id));
  return toUserRecord(row!);
}

/**
 * The verifyEmail use case, for the mutation and the /verify-email page alike: spends the token, drops
 * the cached account, and records email.verified. InvalidTokenError for a bad, spent or expired link.
 */
export async function confirmEmail(services: ConfirmDeps, token: string, meta: RequestMeta): Promise<UserRecord> {
  const user = await verifyEmail(services.database, token);
  await services.users.changed(user.id);
  await recordAuditEvent(services.database, { type: 'email.verified', userId: user.id, ip: meta.ip, userAgent: meta.userAgent, detail: null });
  return user;
}
