import { eq, inArray, sql } from 'drizzle-orm';
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
}

const publicColumns = {
  id: users.id, email: users.email, emailVerified: users.emailVerified,
  name: users.name, roles: users.roles, createdAt: users.createdAt,
};

/** Users by id, in the order asked, undefined where unknown: the shape DataLoader wants. */
export async function findUsersByIds(database: Database, ids: readonly string[]): Promise<(UserRecord | undefined)[]> {
  const rows = await database.db.select(publicColumns).from(users).where(inArray(users.id, [...ids]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}

export async function findUserByEmail(database: Database, email: string) {
  const [row] = await database.db.select().from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase()));
  return row;
}

export function toUserRecord(row: typeof users.$inferSelect): UserRecord {
  return {
    id: row.id, email: row.email, emailVerified: row.emailVerified,
    name: row.name, roles: row.roles, createdAt: row.createdAt,
  };
}
