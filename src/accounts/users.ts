import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { users } from './tables.ts';

/** A user as the rest of the program sees it: never the password hash or the throttling counters. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly roles: readonly string[];
  readonly createdAt: Date;
  /** When an admin disabled the account; null while it may sign in. */
  readonly disabledAt: Date | null;
}

export async function findUserByEmail(database: Database, email: string) {
  const [row] = await database.db.select().from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase()));
  return row;
}

export function toUserRecord(row: typeof users.$inferSelect): UserRecord {
  return {
    id: row.id, email: row.email, emailVerified: row.emailVerified,
    name: row.name, roles: row.roles, createdAt: row.createdAt, disabledAt: row.disabledAt,
  };
}
