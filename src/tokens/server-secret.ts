import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { randomSecret } from '../lib/secrets.ts';
import { serverSecrets } from './tables.ts';

/** A 256-bit server secret, made on first use and shared by every instance through the database. */
export async function loadServerSecret(database: Database, name: string): Promise<Buffer> {
  await database.db.insert(serverSecrets).values({ name, value: randomSecret() }).onConflictDoNothing();
  const [row] = await database.db.select().from(serverSecrets).where(eq(serverSecrets.name, name));
  return Buffer.from(row!.value, 'base64url');
}
