import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/** A list position, newest first: an instant and an id that breaks ties. Opaque to clients (as a cursor). */
export interface Position {
  readonly at: Date;
  readonly id: string;
}

/**
 * The rows after a cursor in a list ordered newest first by (at, id), `id` a uuid. A cursor's `at`
 * holds milliseconds and the column microseconds: the exact instant is read from the cursor's own
 * row, and the cursor's `at` stands in only when that row is gone. `boundInstant` adds `at <= …` for a
 * table whose index holds the instant alone (it serves a plain bound, not the row comparison).
 */
export function olderThan(table: PgTable, at: AnyColumn, id: AnyColumn, position: Position, options: { boundInstant?: boolean } = {}): SQL {
  const exactAt = sql`coalesce((select ${at} from ${table} where ${id} = ${position.id}::uuid), ${position.at.toISOString()}::timestamptz)`;
  const after = sql`(${at}, ${id}) < (${exactAt}, ${position.id}::uuid)`;
  return options.boundInstant === true ? sql`${at} <= ${exactAt} and ${after}` : after;
}
