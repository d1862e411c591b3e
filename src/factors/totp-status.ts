import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { totpFactors } from './tables.ts';

interface TotpStatus {
  /** Null while the enrolment waits for its first code. */
  readonly confirmedAt: Date | null;
}

// No GraphQL import here: graphql/admin.ts reaches this file (REQUIRE_ADMIN_MFA) while the builder loads.
/** The account's authenticator, confirmed or not; null when it has none. */
export async function findTotp(database: Database, userId: string): Promise<TotpStatus | null> {
  const [row] = await database.db.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors).where(eq(totpFactors.userId, userId));
  return row ?? null;
}
