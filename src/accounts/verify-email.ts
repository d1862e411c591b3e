import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { InvalidTokenError } from '../graphql/errors.ts';
import { isPlausibleToken, spendEmailToken } from './email-tokens.ts';
import { users } from './tables.ts';
import { toUserRecord, type UserRecord } from './users.ts';

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
