import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { DatabaseConfig } from '../config.ts';
import { DataDirLocked, lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { inClientSpan, traceThenable } from '../observability/spans.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** One database, whichever engine: the Drizzle client plus what Drizzle does not cover. */
export interface Database {
  readonly kind: DatabaseConfig['kind'];
  readonly db: Db;
  /**
   * Runs raw SQL and returns its rows, the same shape on both engines. `prepare` keeps the statement
   * parsed and planned on each PostgreSQL connection: only for hot statements whose text never varies.
   */
  rows<T>(query: SQL, options?: { readonly prepare?: boolean }): Promise<T[]>;
  ping(): Promise<void>;
  /** Subscribes to a NOTIFY channel; resolves once listening. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<void>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the database cannot be reached; its message is one line for the operator. */
export class DatabaseUnavailable extends Error {}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config.url) : openPglite(config.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const client = traceStatements(postgres(url, { max: 10, connect_timeout: 5, onnotice: () => {} }));
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  const dialect = new PgDialect();
  const database: Database = {
    kind: 'postgres',
    db,
    rows: async <T>(query: SQL, options?: { readonly prepare?: boolean }) => {
      // Drizzle runs raw SQL as an unnamed statement, parsed and planned anew each time.
      if (options?.prepare !== true) return [...((await db.execute(query)) as unknown as T[])];
      const { sql: text, params } = dialect.sqlToQuery(query);
      return [...((await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[])];
    },
    ping: async () => {
      await client`select 1`;
    },
    listen: async (channel, onMessage) => {
      await client.listen(channel, onMessage);
    },
    notify: async (channel, payload) => {
      await client`select pg_notify(${channel}, ${payload})`;
    },
    close: () => client.end({ timeout: 5 }),
  };
  try {
    await database.ping();
  } catch (error) {
    await client.end({ timeout: 0 }).catch(() => {});
    throw new DatabaseUnavailable(`cannot reach PostgreSQL at ${describeUrl(url)}: ${reason(error)}`);
  }
  return database;
}

async function openPglite(dataDir: string): Promise<Database> {
  let lock: DataDirLock | null = null;
  let client: PGlite;
  try {
    if (dataDir !== 'memory://') lock = await lockDataDir(dataDir);
    client = await PGlite.create(dataDir === 'memory://' ? undefined : dataDir);
  } catch (error) {
    await lock?.release();
    if (error instanceof DataDirLocked) throw new DatabaseUnavailable(error.message);
    throw new DatabaseUnavailable(`cannot open the embedded database in ${dataDir}: ${reason(error)}`);
  }
  const query = client.query.bind(client);
  client.query = ((text: string, ...rest: unknown[]) =>
    inClientSpan(statementName(text), { 'db.system.name': 'postgresql', 'db.query.text': text }, () => (query as (...args: unknown[]) => Promise<unknown>)(text, ...rest))) as typeof client.query;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    rows: async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    ping: async () => {
      await client.query('select 1');
    },
    listen: async (channel, onMessage) => {
      await client.listen(channel, onMessage);
    },
    notify: async (channel, payload) => {
      await db.execute(sql`select pg_notify(${channel}, ${payload})`);
    },
    close: async () => {
      await client.close();
      await lock?.release();
    },
  };
}

/** Every statement Drizzle and `rows` send (through `unsafe`) reports a span when tracing is on. */
function traceStatements(client: postgres.Sql): postgres.Sql {
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((text: string, ...rest: unknown[]) => traceThenable(
    (unsafe as (...args: unknown[]) => PromiseLike<unknown>)(text, ...rest), statementName(text),
    { 'db.system.name': 'postgresql', 'db.query.text': text },
  )) as typeof client.unsafe;
  return client;
}

/** A span's name: the statement's first keyword (select, insert…), as OpenTelemetry's database conventions suggest. */
function statementName(text: string): string {
  return /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? 'statement';
}

/** host:port/database of a URL, never its password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
