import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { DatabaseConfig } from '../../src/config.ts';

/** The real PostgreSQL the suite runs on, when TEST_DATABASE_URL names one; else each suite gets an in-memory PGlite. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const ENGINE = TEST_DATABASE_URL === undefined ? 'pglite' : 'postgres';

export interface FreshDatabase {
  readonly config: DatabaseConfig;
  drop(): Promise<void>;
}

/** A new, empty database: an in-memory PGlite, or a throw-away database on the TEST_DATABASE_URL server. */
export async function freshDatabase(): Promise<FreshDatabase> {
  if (TEST_DATABASE_URL === undefined) return { config: { kind: 'pglite', dataDir: 'memory://' }, drop: async () => {} };
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'postgres', url: url.href },
    drop: async () => {
      const dropper = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      await dropper.end();
    },
  };
}
