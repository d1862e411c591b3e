import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { EmailTakenError } from '../errors.ts';
import { signUp } from './sign-up.ts';
import { verifyPassword } from './password.ts';
import { users } from './tables.ts';
import { findUserByEmail } from './users.ts';

type AdminOutcome =
  | { readonly outcome: 'created' | 'already-admin' | 'password-mismatch' }
  | { readonly outcome: 'promoted'; readonly userId: string };

/**
 * Makes sure ADMIN_EMAIL is an admin. A new account is created (email counted as verified); an
 * existing one is promoted only when ADMIN_PASSWORD is its password, so that whoever sets the
 * variables cannot take over somebody else's account.
 */
export async function bootstrapAdmin(database: Database, admin: { email: string; password: string }): Promise<AdminOutcome> {
  const existing = await findUserByEmail(database, admin.email);
  if (existing === undefined) {
    try {
      await signUp(database, { email: admin.email, password: admin.password, roles: ['admin'], emailVerified: true });
      return { outcome: 'created' };
    } catch (error) {
      if (error instanceof EmailTakenError) return bootstrapAdmin(database, admin);
      throw error;
    }
  }
  if (existing.roles.includes('admin')) return { outcome: 'already-admin' };
  if (existing.passwordHash === null || !(await verifyPassword(existing.passwordHash, admin.password))) return { outcome: 'password-mismatch' };
  await database.db.update(users).set({ roles: sql`array_append(${users.roles}, 'admin')` }).where(eq(users.id, existing.id));
  return { outcome: 'promoted', userId: existing.id };
}
