import { sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './client.ts';

const BATCH = 5_000;

/**
 * Deletes the rows of `table` that match `where`, BATCH at a time, so that a large backlog never holds
 * its locks for long; returns how many went. Concurrent runs on several instances are harmless: a row
 * deleted by one is simply not found by the other.
 */
export async function deleteInBatches(database: Database, table: PgTable, where: SQL): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = await database.rows<{ n: number }>(sql`
      with gone as (
        delete from ${table} where ctid in (select ctid from ${table} where ${where} limit ${BATCH}) returning 1
      )
      select count(*)::int as n from gone`);
    total += row!.n;
    if (row!.n < BATCH) return total;
  }
}
